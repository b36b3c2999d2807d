package io.poseidon.gateway;

import static io.poseidon.deploy.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.local.Ports;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code poseidon dev} as a user runs it, in its own process: ready, a registration read back,
 * stopped with SIGTERM and started again (state and schemas survived), then killed with SIGKILL and
 * started again (no orphan registry left, data still there).
 */
class DevCommandIT {

  @Test
  void shouldKeepInstancesAcrossARestartAndLeaveNoOrphanAfterKill9() throws Exception {
    Path dataDir = Files.createTempDirectory("poseidon-dev-it");
    int httpPort = Ports.freePort();
    List<String> args = List.of("--data-dir", dataDir.toString(), "--kafka-port", Integer.toString(Ports.freePort()),
        "--registry-port", Integer.toString(Ports.freePort()), "--http-port", Integer.toString(httpPort),
        "--services", "depths");

    try (DevProcess dev = DevProcess.start(args, Map.of(), httpPort)) {
      assertEquals(202, dev.post("/api/v1/services/payments/instances",
          "{\"instanceId\":\"i-1\",\"host\":\"10.0.0.7\",\"port\":8443,\"ttlSeconds\":600}").statusCode());
      until("instance listed", Duration.ofSeconds(30), () -> instanceCount(dev) == 1);

      // SIGTERM (what Ctrl-C and service managers send): clean stop
      assertTrue(dev.terminate(), "dev stopped on SIGTERM");
      assertTrue(dev.output.stream().anyMatch(l -> l.contains("[poseidon] stopped")),
          "exit " + dev.exitValue() + ", output:\n" + String.join("\n", dev.output));
    }

    long registryPid;
    try (DevProcess dev = DevProcess.start(args, Map.of(), httpPort)) {
      until("instance still listed after restart", Duration.ofSeconds(30), () -> instanceCount(dev) == 1);
      assertEquals(202, dev.post("/api/v1/services/payments/instances/i-1/heartbeat", "").statusCode());
      registryPid = Long.parseLong(Files.readString(dataDir.resolve("registry/registry.pid")).trim());
      dev.kill(); // kill -9 of the node's JVM: the registry child must not survive it
    }
    until("registry " + registryPid + " gone after kill -9", Duration.ofSeconds(20),
        () -> ProcessHandle.of(registryPid).map(p -> !p.isAlive()).orElse(true));

    try (DevProcess dev = DevProcess.start(args, Map.of(), httpPort)) {
      until("instance still listed after kill -9", Duration.ofSeconds(30), () -> instanceCount(dev) == 1);
      assertTrue(dev.terminate());
    }
  }

  private static int instanceCount(DevProcess dev) {
    JsonObject list = dev.json("/api/v1/services/payments/instances");
    return list == null ? -1 : list.getJsonArray("instances").size();
  }
}
