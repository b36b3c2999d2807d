package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.get;
import static io.poseidon.gateway.node.NodeFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.forge.ForgeConfig;
import io.poseidon.processors.harbor.HarborConfig;
import io.poseidon.processors.sim.SimConfig;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The platform's main workflow end to end on the real broker: a commit over HTTP, current's checks,
 * forge's pipeline (simulated runner), harbor's deployment (simulated agent), one correlation id
 * and one causal timeline across the three services.
 */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkflowGatewayIT {

  private Node node;
  private String payments;
  private String failing;

  @BeforeAll
  void startNode(TestStack stack) throws Exception {
    payments = stack.uniqueName("payments");
    failing = stack.uniqueName("billing");
    node = NodeFixture.start(stack, stack.uniqueName("node"), stack.uniqueName("wf") + "-", Map.of(
        PoseidonConfig.NODE_SERVICES, "current,forge,harbor,sim",
        ForgeConfig.TIMER_SCAN_INTERVAL_MS, "100",
        HarborConfig.TIMER_SCAN_INTERVAL_MS, "100",
        HarborConfig.DEFAULT_HEALTH_GATE_SECONDS, "1",
        SimConfig.STAGE_DURATION_MS, "200",
        SimConfig.DEPLOY_DURATION_MS, "200",
        SimConfig.ROLLBACK_DURATION_MS, "200",
        SimConfig.DEPLOY_FAILURES, failing + "@prod"));
    until("node ready", Duration.ofSeconds(120), () -> get(node, "/ready").statusCode() == 200);
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void shouldTakeACommitThroughPipelineAndDeploymentToWorkflowCompleted() {
    HttpResponse<String> accepted = post(node, "/api/v1/workflows",
        "{\"service\":\"" + payments + "\",\"commit\":\"3f2a9c1\",\"branch\":\"main\",\"author\":\"ada\"}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    JsonObject ack = new JsonObject(accepted.body());
    String workflowId = ack.getString("workflowId");
    assertEquals(workflowId, ack.getString("correlationId"), "the workflow id is the correlation id");

    JsonObject workflow = awaitFinished(workflowId);
    assertEquals("COMPLETED", workflow.getString("status"), workflow.encodePrettily());
    String deploymentId = workflow.getString("deploymentId");
    assertNotNull(deploymentId);

    JsonObject deployment = new JsonObject(get(node, "/api/v1/deployments/" + deploymentId).body());
    assertEquals("SUCCEEDED", deployment.getString("status"));
    assertEquals(List.of("dev", "staging", "prod"), deployment.getJsonArray("changedEnvironments").getList());
    assertEquals(workflowId, deployment.getString("correlationId"));

    List<JsonObject> events = timeline(workflowId);
    List<String> types = events.stream().map(e -> e.getString("type")).toList();
    assertEquals("current.CommitPushed", types.get(0), types.toString());
    assertTrue(types.contains("forge.PipelineRunFinished"), types.toString());
    assertTrue(types.contains("harbor.DeploymentFinished"), types.toString());
    assertEquals("current.WorkflowCompleted", types.get(types.size() - 1), types.toString());
    assertCausesBeforeEffects(events);
  }

  @Test
  void shouldShowTheRollbackInReverseOrderWhenProdFails() {
    HttpResponse<String> accepted = post(node, "/api/v1/workflows",
        "{\"service\":\"" + failing + "\",\"commit\":\"9e8d7c6\",\"branch\":\"main\",\"author\":\"grace\"}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    String workflowId = new JsonObject(accepted.body()).getString("workflowId");

    JsonObject workflow = awaitFinished(workflowId);
    assertEquals("FAILED", workflow.getString("status"), workflow.encodePrettily());
    assertTrue(workflow.getString("cause").contains("ROLLED_BACK"), workflow.getString("cause"));
    JsonObject deployment = new JsonObject(get(node, "/api/v1/deployments/" + workflow.getString("deploymentId")).body());
    assertEquals("ROLLED_BACK", deployment.getString("status"));

    List<JsonObject> events = timeline(workflowId);
    List<String> rollbacks = events.stream()
        .map(e -> e.getString("summary"))
        .filter(s -> s.contains("ROLLBACK") && s.contains("COMPLETED"))
        .collect(Collectors.toList());
    assertEquals(2, rollbacks.size(), rollbacks.toString());
    assertTrue(rollbacks.get(0).contains("staging") && rollbacks.get(1).contains("dev"),
        "compensation in reverse order: " + rollbacks);
    assertCausesBeforeEffects(events);
  }

  @Test
  void shouldRefuseAMalformedCommit() {
    HttpResponse<String> bad = post(node, "/api/v1/workflows",
        "{\"service\":\"" + payments + "\",\"commit\":\"xyz\",\"branch\":\"main\"}");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("\"field\":\"author\""), bad.body());
    assertEquals(404, get(node, "/api/v1/workflows/no-such-workflow").statusCode());
  }

  private JsonObject awaitFinished(String workflowId) {
    String path = "/api/v1/workflows/" + workflowId;
    until(workflowId + " finished", Duration.ofSeconds(90), () -> {
      HttpResponse<String> r = get(node, path);
      return r.statusCode() == 200 && !"RUNNING".equals(new JsonObject(r.body()).getString("status"));
    });
    return new JsonObject(get(node, path).body());
  }

  private List<JsonObject> timeline(String workflowId) {
    HttpResponse<String> r = get(node, "/api/v1/workflows/" + workflowId + "/timeline");
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body()).getJsonArray("events").stream().map(JsonObject.class::cast).toList();
  }

  private static void assertCausesBeforeEffects(List<JsonObject> events) {
    Set<String> seen = new HashSet<>();
    Set<String> all = events.stream().map(e -> e.getString("eventId")).collect(Collectors.toSet());
    for (JsonObject e : events) {
      String cause = e.getString("causationId");
      if (cause != null && all.contains(cause)) {
        assertTrue(seen.contains(cause), e.getString("type") + " listed before its cause " + cause);
      }
      seen.add(e.getString("eventId"));
    }
  }
}
