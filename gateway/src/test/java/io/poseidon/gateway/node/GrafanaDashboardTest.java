package io.poseidon.gateway.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/poseidon-dashboard.json without a node: a dashboard Grafana imports (a Prometheus
 * datasource variable every panel and query uses, unique panel ids), and the reading of its PromQL that
 * {@link GrafanaDashboardIT} checks against a real node's {@code /metrics}.
 */
class GrafanaDashboardTest {

  @Test
  void shouldBeADashboardOnAPrometheusDatasourceVariable() throws Exception {
    JsonObject dashboard = GrafanaDashboard.read();
    assertEquals("poseidon-platform", dashboard.getString("uid"));
    JsonObject datasource = dashboard.getJsonObject("templating").getJsonArray("list").stream()
        .map(JsonObject.class::cast).filter(v -> "datasource".equals(v.getString("type"))).findFirst().orElseThrow();
    assertEquals("prometheus", datasource.getString("query"));

    Set<Integer> ids = new HashSet<>();
    List<JsonObject> panels = GrafanaDashboard.panels(dashboard);
    assertTrue(panels.size() >= 10, "panels: " + panels.size());
    for (JsonObject panel : panels) {
      String title = panel.getString("title");
      assertTrue(ids.add(panel.getInteger("id")), "panel id used twice: " + title);
      assertEquals("${" + datasource.getString("name") + "}", panel.getJsonObject("datasource").getString("uid"), title);
      assertFalse(panel.getJsonArray("targets").isEmpty(), "no query in " + title);
      panel.getJsonArray("targets").forEach(t -> assertEquals("${datasource}",
          ((JsonObject) t).getJsonObject("datasource").getString("uid"), title));
      assertFalse(panel.getString("description", "").isBlank(), "say what " + title + " shows");
    }
  }

  @Test
  void shouldHaveAPanelForEachOfThePlatformsOwnMetrics() throws Exception {
    Set<String> metrics = new HashSet<>();
    GrafanaDashboard.queries(GrafanaDashboard.read()).forEach(q -> GrafanaDashboard.selectors(q.expr())
        .forEach(s -> metrics.add(s.metric())));
    assertTrue(metrics.containsAll(Set.of(
        "kafka_stream_processor_node_record_e2e_latency_max",  // KIP-613 end-to-end latency per service
        "kafka_consumer_fetch_manager_records_lag",            // consumer lag per service and partition
        "poseidon_dead_letters_total",                          // dead-letter rate
        "poseidon_saga_in_flight",                              // saga states in flight
        "poseidon_http_requests_seconds_count",                 // HTTP by route and status
        "poseidon_http_requests_seconds_bucket")), metrics.toString());
  }

  @Test
  void shouldReadTheMetricsLabelsAndGroupingOfAnExpression() {
    String expr = "histogram_quantile(0.99, sum by (le, route) (rate(poseidon_http_requests_seconds_bucket"
        + "{node=~\"$node\",status!~\"5..\"}[$__rate_interval]))) / ignoring (x) up * 60";
    assertEquals(List.of(new GrafanaDashboard.Selector("poseidon_http_requests_seconds_bucket", Set.of("node", "status")),
        new GrafanaDashboard.Selector("up", Set.of())), GrafanaDashboard.selectors(expr));
    assertEquals(Set.of("le", "route", "x"), GrafanaDashboard.groupingLabels(expr));
    assertEquals(List.of(new GrafanaDashboard.Selector("jvm_memory_used_bytes", Set.of("node"))),
        GrafanaDashboard.selectors("label_values(jvm_memory_used_bytes, node)"));
    assertEquals(List.of(new GrafanaDashboard.Selector("a", Set.of("t"))),
        GrafanaDashboard.selectors("max by (s) (a{t=~\".*_{x}.*\"})"), "braces inside a quoted value");
  }

  @Test
  void shouldNameWhatIsNotOnMetrics() throws Exception {
    Map<String, Set<String>> exposed = GrafanaDashboard.exposed("""
        # HELP x
        poseidon_dead_letters_total{node="n",service="depths",stage="processing"} 0.0
        jvm_memory_used_bytes{area="heap",id="G1",node="n"} 1.0
        """);
    assertEquals(Set.of("node", "service", "stage"), exposed.get("poseidon_dead_letters_total"));
    List<String> missing = GrafanaDashboard.missing(GrafanaDashboard.read(), exposed);
    assertTrue(missing.stream().anyMatch(m -> m.contains("metric poseidon_saga_in_flight is not on /metrics")), missing.toString());
    assertTrue(missing.stream().noneMatch(m -> m.contains("poseidon_dead_letters_total")), missing.toString());
  }
}
