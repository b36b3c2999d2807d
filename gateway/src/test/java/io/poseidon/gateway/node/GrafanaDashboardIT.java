package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.get;
import static io.poseidon.gateway.node.NodeFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The platform's own metrics on a real node (depths and harbor on the embedded stack), as Prometheus
 * scrapes them from {@code /metrics}: every metric, label and grouping that a panel or variable of
 * deploy/grafana/poseidon-dashboard.json uses is exposed; a poison record raises the dead-letter
 * counter; a deployment waiting for its agent is in flight as RUNNING; HTTP requests are counted by
 * route template and status, a refused one too.
 */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrafanaDashboardIT {

  private TestStack stack;
  private Node node;

  @BeforeAll
  void startNode(TestStack stack) throws Exception {
    this.stack = stack;
    node = NodeFixture.start(stack, stack.uniqueName("node"), stack.uniqueName("metrics") + "-",
        Map.of(PoseidonConfig.NODE_SERVICES, "depths,harbor"));
    until("node ready", Duration.ofSeconds(90), () -> get(node, "/ready").statusCode() == 200);
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void shouldExposeEveryMetricTheGrafanaDashboardDraws() throws Exception {
    // Given some traffic: registrations, a deployment (no agent runs here: it stays RUNNING), a 404, a 400
    String service = stack.uniqueName("dash");
    assertEquals(202, post(node, "/api/v1/services/" + service + "/instances",
        "{\"instanceId\":\"i-1\",\"host\":\"10.0.0.7\",\"port\":8443,\"ttlSeconds\":30}").statusCode());
    assertEquals(200, get(node, "/api/v1/services/" + service + "/instances").statusCode());
    assertEquals(202, post(node, "/api/v1/deployments", "{\"service\":\"" + service + "\",\"version\":\"1.0.0\","
        + "\"environments\":[\"dev\"],\"strategy\":\"rolling\"}").statusCode());
    assertEquals(404, get(node, "/api/v1/nothing-here").statusCode());
    assertEquals(400, post(node, "/api/v1/services/" + service + "/instances", "{\"instanceId\":\"i-2\"}").statusCode());
    assertEquals(415, NodeFixture.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
        + node.httpPort() + "/api/v1/services/" + service + "/instances")).header("Content-Type", "text/plain")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode(), "refused before the route runs");
    // and a poison record on depths' input
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
        stack.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(DepthsTopics.REGISTRATIONS.name(), service.getBytes(StandardCharsets.UTF_8),
          "not avro".getBytes(StandardCharsets.UTF_8))).get();
    }

    // Then, once the Streams metrics of the tasks are bound, every panel's metrics are on /metrics
    JsonObject dashboard = GrafanaDashboard.read();
    AtomicReference<List<String>> missing = new AtomicReference<>();
    AtomicReference<String> scrape = new AtomicReference<>();
    try {
      until("every metric of the dashboard on /metrics", Duration.ofSeconds(60), () -> {
        HttpResponse<String> metrics = get(node, "/metrics");
        scrape.set(metrics.body());
        missing.set(GrafanaDashboard.missing(dashboard, GrafanaDashboard.exposed(metrics.body())));
        return metrics.statusCode() == 200 && missing.get().isEmpty()
            && value(metrics.body(), "poseidon_dead_letters_total", Map.of("service", "depths", "stage",
                "deserialization")) >= 1
            && value(metrics.body(), "poseidon_saga_in_flight", Map.of("service", "harbor", "state", "RUNNING")) >= 1;
      });
    } catch (AssertionError e) {
      throw new AssertionError("the dashboard uses what this node does not expose: " + missing.get(), e);
    }

    // And HTTP is counted by route template (never the raw path) and status, requests refused before their route too
    String body = scrape.get();
    assertTrue(value(body, "poseidon_http_requests_seconds_count", Map.of("route", "/api/v1/services/:service/instances",
        "status", "202")) >= 1, "a registration under its template");
    assertTrue(value(body, "poseidon_http_requests_seconds_count", Map.of("route", "/api/v1/services/:service/instances",
        "status", "400")) >= 1, "an invalid request under its template");
    assertTrue(value(body, "poseidon_http_requests_seconds_count", Map.of("route", "/api/v1/services/:service/instances",
        "status", "415")) >= 1, "a request refused before its route under its operation's template");
    assertTrue(value(body, "poseidon_http_requests_seconds_count", Map.of("route", "unmatched", "status", "404")) >= 1);
    assertTrue(!body.contains(service + "/instances\""), "no raw path as a route label");
    assertTrue(body.contains("poseidon_http_requests_seconds_bucket{"), "a histogram for latency quantiles");
    Set<String> stages = Set.of("deserialization", "processing", "production", "delivery");
    stages.forEach(stage -> assertTrue(value(body, "poseidon_dead_letters_total", Map.of("service", "harbor", "stage",
        stage)) >= 0, "every stage of every service exists from the start: " + stage));
  }

  /** The sum of {@code metric}'s samples whose labels include {@code labels}; -1 when there is none. */
  private static double value(String scrape, String metric, Map<String, String> labels) {
    double sum = 0;
    boolean found = false;
    Matcher line = Pattern.compile("(?m)^" + Pattern.quote(metric) + "\\{([^}]*)} (\\S+)$").matcher(scrape);
    while (line.find()) {
      String tags = line.group(1);
      if (labels.entrySet().stream().allMatch(e -> tags.contains(e.getKey() + "=\"" + e.getValue() + "\""))) {
        found = true;
        sum += Double.parseDouble(line.group(2));
      }
    }
    return found ? sum : -1;
  }
}
