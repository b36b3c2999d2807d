package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.get;
import static io.poseidon.gateway.node.NodeFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.harbor.HarborConfig;
import io.poseidon.processors.sim.SimConfig;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deployments as a user drives them: over HTTP, through the harbor saga on the real broker, with
 * the simulated deploy agent (configured to fail one service in prod) answering on the agent topics.
 */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HarborGatewayIT {

  private static final Duration SAGA = Duration.ofSeconds(60);
  private Node node;
  private String checkout;
  private String failing;

  @BeforeAll
  void startNode(TestStack stack) throws Exception {
    checkout = stack.uniqueName("checkout");
    failing = stack.uniqueName("payments");
    node = NodeFixture.start(stack, stack.uniqueName("node"), stack.uniqueName("hb") + "-", Map.of(
        PoseidonConfig.NODE_SERVICES, "harbor,sim",
        HarborConfig.DEFAULT_HEALTH_GATE_SECONDS, "1",
        HarborConfig.TIMER_SCAN_INTERVAL_MS, "100",
        SimConfig.DEPLOY_DURATION_MS, "200",
        SimConfig.ROLLBACK_DURATION_MS, "200",
        SimConfig.DEPLOY_FAILURES, failing + "@prod"));
    until("node ready", Duration.ofSeconds(90), () -> get(node, "/ready").statusCode() == 200);
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void shouldDeployThroughThreeEnvironmentsAndShowWhatRunsWhere() {
    String id = request(checkout, "1.4.2", null);

    JsonObject deployment = awaitTerminal(id);
    assertEquals("SUCCEEDED", deployment.getString("status"), deployment.encodePrettily());
    assertEquals(List.of("dev", "staging", "prod"), deployment.getJsonArray("changedEnvironments").getList());
    assertTrue(deployment.getJsonArray("history").size() >= 10, "every transition is in the history");

    JsonObject versions = new JsonObject(get(node, "/api/v1/services/" + checkout + "/versions").body());
    assertEquals(Map.of("dev", "1.4.2", "staging", "1.4.2", "prod", "1.4.2"),
        versions.getJsonObject("environments").getMap());
  }

  @Test
  void shouldRollBackStagingThenDevWhenProdFails() {
    String id = request(failing, "2.0.0", null);

    JsonObject deployment = awaitTerminal(id);
    assertEquals("ROLLED_BACK", deployment.getString("status"), deployment.encodePrettily());
    List<String> rolledBack = entries(deployment.getJsonArray("history")).stream()
        .filter(e -> "ROLLBACK".equals(e.getString("action")) && "COMPLETED".equals(e.getString("status")))
        .map(e -> e.getString("environment"))
        .collect(Collectors.toList());
    assertEquals(List.of("staging", "dev"), rolledBack, "compensation in reverse order");
    assertTrue(entries(deployment.getJsonArray("history")).stream().anyMatch(e ->
        "prod".equals(e.getString("environment")) && "DEPLOY".equals(e.getString("action"))
            && "FAILED".equals(e.getString("status"))));
  }

  @Test
  void shouldStartOneDeploymentForARetriedPostWithTheSameIdempotencyKey() {
    String first = request(checkout, "1.5.0", "release-1.5.0");
    String retried = request(checkout, "1.5.0", "release-1.5.0");
    assertEquals(first, retried);

    JsonObject deployment = awaitTerminal(first);
    long started = entries(deployment.getJsonArray("history")).stream()
        .filter(e -> "harbor.DeploymentStarted".equals(e.getString("type"))).count();
    assertEquals(1, started, deployment.encodePrettily());
  }

  @Test
  void shouldRefuseAnInvalidRequestNamingTheFields() {
    HttpResponse<String> bad = post(node, "/api/v1/deployments",
        "{\"service\":\"checkout\",\"version\":\"1.0\",\"environments\":[],\"strategy\":\"sideways\"}");
    assertEquals(400, bad.statusCode());
    JsonArray details = new JsonObject(bad.body()).getJsonArray("details");
    assertTrue(bad.body().contains("\"field\":\"strategy\""), bad.body());
    assertTrue(details.size() >= 1);

    HttpResponse<String> noEnvironments = post(node, "/api/v1/deployments",
        "{\"service\":\"checkout\",\"version\":\"1.0\",\"environments\":[],\"strategy\":\"rolling\"}");
    assertEquals(400, noEnvironments.statusCode());
    assertTrue(noEnvironments.body().contains("\"field\":\"environments\""), noEnvironments.body());

    assertEquals(404, get(node, "/api/v1/deployments/" + checkout + ".no-such-deployment").statusCode());
  }

  private String request(String service, String version, String idempotencyKey) {
    String body = "{\"service\":\"" + service + "\",\"version\":\"" + version
        + "\",\"environments\":[\"dev\",\"staging\",\"prod\"],\"strategy\":\"rolling\"}";
    HttpResponse<String> accepted = idempotencyKey == null ? post(node, "/api/v1/deployments", body)
        : post(node, "/api/v1/deployments", body, idempotencyKey);
    assertEquals(202, accepted.statusCode(), accepted.body());
    return new JsonObject(accepted.body()).getString("deploymentId");
  }

  private JsonObject awaitTerminal(String id) {
    String path = "/api/v1/deployments/" + id;
    until(id + " finished", SAGA, () -> {
      HttpResponse<String> r = get(node, path);
      return r.statusCode() == 200 && List.of("SUCCEEDED", "ROLLED_BACK", "FAILED_NEEDS_ATTENTION", "CANCELLED")
          .contains(new JsonObject(r.body()).getString("status"));
    });
    return new JsonObject(get(node, path).body());
  }

  private static List<JsonObject> entries(JsonArray history) {
    return history.stream().map(JsonObject.class::cast).collect(Collectors.toList());
  }
}
