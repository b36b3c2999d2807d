package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.get;
import static io.poseidon.gateway.node.NodeFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.forge.ForgeConfig;
import io.poseidon.processors.sim.SimConfig;
import io.poseidon.topology.config.PoseidonConfig;
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

/** Pipeline runs over HTTP through forge on the real broker, stages executed by the simulated runner. */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineGatewayIT {

  private Node node;
  private String service;

  @BeforeAll
  void startNode(TestStack stack) throws Exception {
    service = stack.uniqueName("orders");
    node = NodeFixture.start(stack, stack.uniqueName("node"), stack.uniqueName("fg") + "-", Map.of(
        PoseidonConfig.NODE_SERVICES, "forge,sim",
        ForgeConfig.TIMER_SCAN_INTERVAL_MS, "100",
        SimConfig.STAGE_DURATION_MS, "200"));
    until("node ready", Duration.ofSeconds(90), () -> get(node, "/ready").statusCode() == 200);
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void shouldRunBuildThenTestAndSecurityThenPublish() {
    JsonObject run = awaitFinished(request("{\"service\":\"" + service + "\",\"commit\":\"3f2a9c1\",\"branch\":\"main\"}"));

    assertEquals("SUCCEEDED", run.getString("status"), run.encodePrettily());
    Map<String, String> stages = run.getJsonArray("stages").stream().map(JsonObject.class::cast)
        .collect(Collectors.toMap(s -> s.getString("stage"), s -> s.getString("status")));
    assertEquals(Map.of("build", "COMPLETED", "test", "COMPLETED", "security", "COMPLETED", "publish", "COMPLETED"),
        stages);
  }

  @Test
  void shouldFailTheRunWhenCoverageMissesItsQualityGate() {
    JsonObject run = awaitFinished(request(
        "{\"service\":\"" + service + "\",\"commit\":\"3f2a9c2\",\"branch\":\"main\",\"minCoverage\":0.99}"));

    assertEquals("FAILED", run.getString("status"), run.encodePrettily());
    assertTrue(run.getString("reason").contains("coverage"), run.getString("reason"));
  }

  @Test
  void shouldRefuseABadCommitHash() {
    HttpResponse<String> bad = post(node, "/api/v1/pipeline-runs",
        "{\"service\":\"" + service + "\",\"commit\":\"not-a-hash\",\"branch\":\"main\"}");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("\"field\":\"commit\""), bad.body());
  }

  private String request(String body) {
    HttpResponse<String> accepted = post(node, "/api/v1/pipeline-runs", body);
    assertEquals(202, accepted.statusCode(), accepted.body());
    return new JsonObject(accepted.body()).getString("runId");
  }

  private JsonObject awaitFinished(String runId) {
    String path = "/api/v1/pipeline-runs/" + runId;
    until(runId + " finished", Duration.ofSeconds(60), () -> {
      HttpResponse<String> r = get(node, path);
      return r.statusCode() == 200 && List.of("SUCCEEDED", "FAILED", "CANCELLED")
          .contains(new JsonObject(r.body()).getString("status"));
    });
    return new JsonObject(get(node, path).body());
  }
}
