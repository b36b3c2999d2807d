package io.poseidon.processors.sim;

import io.poseidon.topology.config.ConfigSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * Settings of the simulated participants (service {@code sim}): how long the simulated deploy agent
 * and CI runner take, what they report and where they fail. {@code service@environment} lists name the
 * places a deploy fails, e.g. {@code POSEIDON_SIM_DEPLOY_FAILURES=checkout@prod};
 * {@code service@stage} lists the pipeline stages that fail, e.g.
 * {@code POSEIDON_SIM_STAGE_FAILURES=checkout@security}.
 */
public final class SimConfig extends AbstractConfig {

  public static final String AGENT_ID = "sim.agent.id";
  public static final String DEPLOY_DURATION_MS = "sim.deploy.duration.ms";
  public static final String ROLLBACK_DURATION_MS = "sim.rollback.duration.ms";
  public static final String DEPLOY_FAILURES = "sim.deploy.failures";
  public static final String ROLLBACK_FAILURES = "sim.rollback.failures";
  public static final String DEGRADE = "sim.degrade";
  public static final String FAILURE_PROBABILITY = "sim.deploy.failure.probability";
  public static final String TIMER_SCAN_INTERVAL_MS = "sim.timer.scan.interval.ms";
  public static final String RUNNER_ID = "sim.runner.id";
  public static final String STAGE_DURATION_MS = "sim.stage.duration.ms";
  public static final String COVERAGE = "sim.coverage";
  public static final String CRITICAL_VULNERABILITIES = "sim.critical.vulnerabilities";
  public static final String STAGE_FAILURES = "sim.stage.failures";
  public static final String TELEMETRY_SERVICES = "sim.telemetry.services";
  public static final String TELEMETRY_INTERVAL_MS = "sim.telemetry.interval.ms";

  public static final ConfigDef CONFIG = new ConfigDef()
      .define(AGENT_ID, Type.STRING, "sim-agent-1", Importance.LOW,
          "agentId the simulated deploy agent reports with.")
      .define(DEPLOY_DURATION_MS, Type.LONG, 1_500L, Range.atLeast(0), Importance.MEDIUM,
          "How long a simulated deploy step takes.")
      .define(ROLLBACK_DURATION_MS, Type.LONG, 1_000L, Range.atLeast(0), Importance.MEDIUM,
          "How long a simulated rollback step takes.")
      .define(DEPLOY_FAILURES, Type.LIST, List.of(), Importance.MEDIUM,
          "service@environment pairs where every deploy fails (not retryable), e.g. checkout@prod.")
      .define(ROLLBACK_FAILURES, Type.LIST, List.of(), Importance.LOW,
          "service@environment pairs where every rollback fails (the saga ends FAILED_NEEDS_ATTENTION).")
      .define(DEGRADE, Type.LIST, List.of(), Importance.MEDIUM,
          "service@environment pairs whose simulated telemetry turns bad after a deploy there (latency about "
              + "ten times higher, most log lines errors), e.g. checkout@prod: lighthouse judges it UNHEALTHY and "
              + "harbor's health gate fails.")
      .define(FAILURE_PROBABILITY, Type.DOUBLE, 0.0, Range.between(0.0, 1.0), Importance.LOW,
          "Probability that any other deploy step fails, retryable (exercises harbor's retries).")
      .define(TIMER_SCAN_INTERVAL_MS, Type.LONG, 100L, Range.atLeast(10), Importance.LOW,
          "How often the simulator looks for steps and stages that are done.")
      .define(RUNNER_ID, Type.STRING, "sim-runner-1", Importance.LOW,
          "runnerId the simulated CI runner reports with.")
      .define(STAGE_DURATION_MS, Type.LONG, 800L, Range.atLeast(0), Importance.MEDIUM,
          "How long a simulated pipeline stage takes.")
      .define(COVERAGE, Type.DOUBLE, 0.87, Range.between(0.0, 1.0), Importance.MEDIUM,
          "Coverage the simulated runner reports for the test stage (forge's coverage gate reads it).")
      .define(CRITICAL_VULNERABILITIES, Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
          "Critical vulnerabilities the simulated runner reports for the security stage (forge's "
              + "vulnerability gate reads it).")
      .define(STAGE_FAILURES, Type.LIST, List.of(), Importance.MEDIUM,
          "service@stage pairs where every run of the stage fails (not retryable), e.g. checkout@build.")
      .define(TELEMETRY_SERVICES, Type.LIST, List.of("storefront", "cart", "search-api"), Importance.MEDIUM,
          "Services the simulator sends raw logs and metric batches for in the dev environment, through "
              + "tide.ingest (what a log shipper and a metrics agent on their hosts would send); every service "
              + "the simulated agent deployed sends them too, for its environment.")
      .define(TELEMETRY_INTERVAL_MS, Type.LONG, 2_000L, Range.atLeast(0), Importance.MEDIUM,
          "How often each simulated service sends a metric batch and a few logs; 0 sends nothing.");

  public SimConfig(ConfigSource source) {
    super(CONFIG, source.values(), false);
  }

  public static SimConfig defaults() {
    return new SimConfig(ConfigSource.of(Map.of()));
  }

  public String agentId() {
    return getString(AGENT_ID);
  }

  public Duration deployDuration() {
    return Duration.ofMillis(getLong(DEPLOY_DURATION_MS));
  }

  public Duration rollbackDuration() {
    return Duration.ofMillis(getLong(ROLLBACK_DURATION_MS));
  }

  public Set<String> deployFailures() {
    return Set.copyOf(getList(DEPLOY_FAILURES));
  }

  public Set<String> rollbackFailures() {
    return Set.copyOf(getList(ROLLBACK_FAILURES));
  }

  public Set<String> degrade() {
    return Set.copyOf(getList(DEGRADE));
  }

  public double failureProbability() {
    return getDouble(FAILURE_PROBABILITY);
  }

  public String runnerId() {
    return getString(RUNNER_ID);
  }

  public Duration stageDuration() {
    return Duration.ofMillis(getLong(STAGE_DURATION_MS));
  }

  public double coverage() {
    return getDouble(COVERAGE);
  }

  public int criticalVulnerabilities() {
    return getInt(CRITICAL_VULNERABILITIES);
  }

  public Set<String> stageFailures() {
    return Set.copyOf(getList(STAGE_FAILURES));
  }

  public List<String> telemetryServices() {
    return List.copyOf(getList(TELEMETRY_SERVICES));
  }

  public Duration telemetryInterval() {
    return Duration.ofMillis(getLong(TELEMETRY_INTERVAL_MS));
  }

  public Duration timerScanInterval() {
    return Duration.ofMillis(getLong(TIMER_SCAN_INTERVAL_MS));
  }
}
