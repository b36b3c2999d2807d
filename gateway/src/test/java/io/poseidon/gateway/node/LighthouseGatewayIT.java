package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.get;
import static io.poseidon.gateway.node.NodeFixture.post;
import static io.poseidon.gateway.node.NodeFixture.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.forge.ForgeConfig;
import io.poseidon.processors.harbor.HarborConfig;
import io.poseidon.processors.lighthouse.LighthouseConfig;
import io.poseidon.processors.sim.SimConfig;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * lighthouse on the real stack, as a user checks it: 1,000 points of one series answer their p99, an
 * alert rule on them fires, health answers one of its four states, the windows survive a restart of the
 * node; and a degraded prod deploy ends ROLLED_BACK because lighthouse judged it UNHEALTHY, with the alert
 * in the workflow's timeline between the deploy and the rollback.
 */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LighthouseGatewayIT {

  private Node node;
  private String nodeId;
  private String prefix;
  private Map<String, String> settings;
  private String series;
  private String degraded;

  @BeforeAll
  void startNode(TestStack stack) throws Exception {
    series = stack.uniqueName("accept");
    degraded = stack.uniqueName("checkout");
    nodeId = stack.uniqueName("node");
    prefix = stack.uniqueName("lh") + "-";
    settings = new HashMap<>(Map.of(
        PoseidonConfig.NODE_SERVICES, "tide,lighthouse,current,forge,harbor,sim",
        PoseidonConfig.STREAMS_STATE_DIR, Files.createTempDirectory("lighthouse-it").toString(),
        LighthouseConfig.EVALUATION_INTERVAL, "500ms",
        ForgeConfig.TIMER_SCAN_INTERVAL_MS, "100",
        HarborConfig.TIMER_SCAN_INTERVAL_MS, "100",
        HarborConfig.DEFAULT_HEALTH_GATE_SECONDS, "8",
        SimConfig.STAGE_DURATION_MS, "200",
        SimConfig.DEPLOY_DURATION_MS, "300",
        SimConfig.ROLLBACK_DURATION_MS, "200"));
    settings.putAll(Map.of(
        SimConfig.TELEMETRY_SERVICES, "",
        SimConfig.TELEMETRY_INTERVAL_MS, "500",
        SimConfig.DEGRADE, degraded + "@prod"));
    node = NodeFixture.start(stack, nodeId, prefix, settings);
    until("node ready", Duration.ofSeconds(120), () -> get(node, "/ready").statusCode() == 200);
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @Order(1)
  void shouldAnswerTheP99OfAThousandPointsFireAnAlertOnThemAndKeepThemAcrossARestart(TestStack stack)
      throws Exception {
    Instant now = Instant.now();
    JsonArray points = new JsonArray();
    for (int v = 1; v <= 1000; v++) {
      points.add(new JsonObject().put("name", "latency").put("value", v).put("unit", "ms").put("time", now.toString()));
    }
    HttpResponse<String> accepted = post(node, "/api/v1/metrics", new JsonObject().put("service", series)
        .put("instance", series + "-1").put("points", points).encode());
    assertEquals(202, accepted.statusCode(), accepted.body());
    assertEquals(1000, new JsonObject(accepted.body()).getInteger("points"));

    String query = "/api/v1/metrics/query?service=" + series + "&name=latency&stat=p99&step=1m&from="
        + now.minusSeconds(120) + "&to=" + now.plusSeconds(60);
    until("1000 points aggregated", Duration.ofSeconds(30), () -> count(query) == 1000);
    JsonObject point = onlyPoint(query);
    assertEquals(990, point.getDouble("value"), 990 * 0.02, point.encode());
    assertEquals(1.0, point.getDouble("min"));
    assertEquals(1000.0, point.getDouble("max"));

    HttpResponse<String> rule = put(node, "/api/v1/alert-rules/" + series + "-p99", new JsonObject()
        .put("service", series).put("metric", "latency").put("stat", "p99").put("window", "1m").put("op", ">")
        .put("threshold", 500).put("for", "0s").put("severity", "critical").encode());
    assertEquals(202, rule.statusCode(), rule.body());
    assertTrue(new JsonObject(rule.body()).getBoolean("applied"), rule.body());
    until("the alert FIRING", Duration.ofSeconds(60), () -> firing().stream()
        .anyMatch(a -> a.getString("ruleId").equals(series + "-p99")));
    JsonObject health = new JsonObject(get(node, "/api/v1/services/" + series + "/health").body());
    assertTrue(Set.of("HEALTHY", "DEGRADED", "UNHEALTHY", "UNKNOWN").contains(health.getString("state")),
        health.encode());
    // judged at the evaluation that raised the alert, or the next one
    until("UNHEALTHY: a critical alert fires", Duration.ofSeconds(10), () -> "UNHEALTHY".equals(new JsonObject(
        get(node, "/api/v1/services/" + series + "/health").body()).getString("state")));

    // the same node (id, state directory) stopped and started again: its windows are all there
    node.close();
    node = NodeFixture.start(stack, nodeId, prefix, settings);
    until("node ready again", Duration.ofSeconds(120), () -> get(node, "/ready").statusCode() == 200);
    until("windows after the restart", Duration.ofSeconds(30), () -> count(query) == 1000);
    assertEquals(point.getDouble("value"), onlyPoint(query).getDouble("value"), "the same sketch");
  }

  @Test
  @Order(2)
  void shouldRollADegradedProdDeployBackBecauseOfLighthouseWithTheAlertInTheTimeline() {
    HttpResponse<String> rule = put(node, "/api/v1/alert-rules/" + degraded + "-latency", new JsonObject()
        .put("service", degraded).put("metric", "http.server.duration").put("stat", "p99").put("window", "1m")
        .put("op", ">").put("threshold", 500).put("for", "0s").put("severity", "critical")
        .put("labels", new JsonObject().put("environment", "prod")).encode());
    assertEquals(202, rule.statusCode(), rule.body());
    HttpResponse<String> accepted = post(node, "/api/v1/workflows",
        "{\"service\":\"" + degraded + "\",\"commit\":\"4b5c6d7\",\"branch\":\"main\",\"author\":\"lin\"}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    String workflowId = new JsonObject(accepted.body()).getString("workflowId");

    String path = "/api/v1/workflows/" + workflowId;
    until(workflowId + " finished", Duration.ofSeconds(120), () -> {
      HttpResponse<String> r = get(node, path);
      return r.statusCode() == 200 && !"RUNNING".equals(new JsonObject(r.body()).getString("status"));
    });
    JsonObject workflow = new JsonObject(get(node, path).body());
    assertEquals("FAILED", workflow.getString("status"), workflow.encodePrettily());
    JsonObject deployment = new JsonObject(get(node, "/api/v1/deployments/" + workflow.getString("deploymentId"))
        .body());
    assertEquals("ROLLED_BACK", deployment.getString("status"), deployment.encodePrettily());
    assertTrue(workflow.getString("cause").contains("health gate in prod failed: unhealthy in prod"),
        workflow.getString("cause"));

    List<String> timeline = new JsonObject(get(node, path + "/timeline").body()).getJsonArray("events").stream()
        .map(e -> ((JsonObject) e).getString("summary")).toList();
    int deployed = timeline.indexOf("prod DEPLOY COMPLETED: by agent sim-agent-1");
    int alert = indexOf(timeline, "alert " + degraded + "-latency FIRING (critical) in prod");
    int rollback = indexOf(timeline, "prod ROLLBACK RUNNING");
    assertTrue(deployed >= 0 && deployed < alert && alert < rollback, String.join("\n", timeline));
    for (String env : List.of("dev", "staging")) {
      assertTrue(timeline.contains(env + " HEALTH_GATE COMPLETED: healthy for 8s"), "healthy where not degraded: "
          + String.join("\n", timeline));
    }
  }

  private static int indexOf(List<String> lines, String prefix) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(prefix)) {
        return i;
      }
    }
    return -1;
  }

  private long count(String query) {
    HttpResponse<String> r = get(node, query);
    if (r.statusCode() != 200) {
      return -1;
    }
    JsonArray series = new JsonObject(r.body()).getJsonArray("series");
    return series.isEmpty() ? 0 : series.getJsonObject(0).getJsonArray("points").stream()
        .mapToLong(p -> ((JsonObject) p).getLong("count")).sum();
  }

  private JsonObject onlyPoint(String query) {
    JsonObject answer = new JsonObject(get(node, query).body());
    JsonArray points = answer.getJsonArray("series").getJsonObject(0).getJsonArray("points");
    assertEquals(1, points.size(), answer.encode());
    return points.getJsonObject(0);
  }

  private List<JsonObject> firing() {
    HttpResponse<String> r = get(node, "/api/v1/alerts?state=FIRING");
    return r.statusCode() != 200 ? List.of()
        : new JsonObject(r.body()).getJsonArray("alerts").stream().map(JsonObject.class::cast).toList();
  }
}
