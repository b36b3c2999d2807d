package io.poseidon.gateway;

import static io.poseidon.deploy.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poseidon.deploy.local.Ports;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A deployment survives its node being killed mid-rollout (a real process stop): after the restart the
 * saga finishes, with every transition in its history exactly once.
 */
class DeploymentRestartIT {

  @Test
  void shouldFinishADeploymentAfterTheNodeIsKilledMidRollout() throws Exception {
    Path dataDir = Files.createTempDirectory("poseidon-restart-it");
    int httpPort = Ports.freePort();
    List<String> args = List.of("--data-dir", dataDir.toString(), "--kafka-port", Integer.toString(Ports.freePort()),
        "--registry-port", Integer.toString(Ports.freePort()), "--http-port", Integer.toString(httpPort),
        "--services", "harbor,sim");
    Map<String, String> env = Map.of(
        "POSEIDON_HARBOR_DEFAULT_HEALTH_GATE_SECONDS", "4",
        "POSEIDON_HARBOR_TIMER_SCAN_INTERVAL_MS", "100",
        "POSEIDON_SIM_DEPLOY_DURATION_MS", "300");

    String id;
    try (DevProcess dev = DevProcess.start(args, env, httpPort)) {
      HttpResponse<String> accepted = dev.post("/api/v1/deployments", "{\"service\":\"checkout\",\"version\":\"3.0.0\","
          + "\"environments\":[\"dev\",\"staging\",\"prod\"],\"strategy\":\"canary\"}");
      assertEquals(202, accepted.statusCode(), accepted.body());
      id = new JsonObject(accepted.body()).getString("deploymentId");
      // kill the node while staging's health gate runs (dev is done, prod not started)
      until("staging health gate running", Duration.ofSeconds(60), () -> stepRunning(dev, id, "staging", "HEALTH_GATE"));
      dev.kill();
    }

    try (DevProcess dev = DevProcess.start(args, env, httpPort)) {
      until(id + " succeeded after the restart", Duration.ofSeconds(90), () -> {
        JsonObject d = dev.json("/api/v1/deployments/" + id);
        return d != null && "SUCCEEDED".equals(d.getString("status"));
      });
      JsonArray history = dev.json("/api/v1/deployments/" + id).getJsonArray("history");
      Map<String, Integer> counts = new HashMap<>();
      for (Object o : history) {
        JsonObject e = (JsonObject) o;
        counts.merge(e.getString("type") + " " + e.getString("environment") + " " + e.getString("action") + " "
            + e.getString("status"), 1, Integer::sum);
      }
      for (String env1 : List.of("dev", "staging", "prod")) {
        for (String step : List.of("DEPLOY RUNNING", "DEPLOY COMPLETED", "HEALTH_GATE RUNNING", "HEALTH_GATE COMPLETED")) {
          assertEquals(1, counts.getOrDefault("harbor.EnvironmentStepChanged " + env1 + " " + step, 0),
              env1 + " " + step + " exactly once in " + history.encodePrettily());
        }
      }
      assertEquals(Map.of("dev", "3.0.0", "staging", "3.0.0", "prod", "3.0.0"),
          dev.json("/api/v1/services/checkout/versions").getJsonObject("environments").getMap());
      dev.terminate();
    }
  }

  private static boolean stepRunning(DevProcess dev, String id, String environment, String action) {
    JsonObject d = dev.json("/api/v1/deployments/" + id);
    return d != null && environment.equals(d.getString("currentEnvironment"))
        && action.equals(d.getString("currentAction"));
  }
}
