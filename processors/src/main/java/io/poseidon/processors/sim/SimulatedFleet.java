package io.poseidon.processors.sim;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * What the simulated deploy agent runs where: a successful deploy puts the version in its environment
 * (degraded when the pair is in {@code sim.degrade}), a successful rollback restores a healthy one. The
 * telemetry sends metrics and logs for every entry. It lives in the node's memory (a simulator's
 * shortcut: the agent's and the telemetry's tasks of one node share it; a restart forgets it).
 */
final class SimulatedFleet {

  /** One service running in one environment. */
  record Running(String service, String environment, String version, boolean degraded) {}

  private final Map<String, Running> running = new ConcurrentSkipListMap<>();

  void deployed(String service, String environment, String version, boolean degraded) {
    running.put(service + "@" + environment, new Running(service, environment, version, degraded));
  }

  /** The version before is back (healthy); none: the environment no longer runs the service. */
  void rolledBack(String service, String environment, String restoredVersion) {
    if (restoredVersion == null) {
      running.remove(service + "@" + environment);
    } else {
      running.put(service + "@" + environment, new Running(service, environment, restoredVersion, false));
    }
  }

  List<Running> running() {
    return List.copyOf(running.values());
  }
}
