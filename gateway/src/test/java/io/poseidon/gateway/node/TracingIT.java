package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.current.CurrentTopics;
import io.poseidon.processors.forge.ForgeConfig;
import io.poseidon.processors.harbor.HarborConfig;
import io.poseidon.processors.harbor.HarborTopics;
import io.poseidon.processors.sim.SimConfig;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.tracing.Tracing;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One trace from an HTTP request to the last rollback, on the real broker and registry: a workflow
 * posted with a {@code traceparent} header goes through current, forge (simulated runner) and harbor
 * (simulated agent; prod fails for one service, so staging and dev roll back), and every entry of its
 * timeline has the caller's trace id; the node's spans (the SDK's in-memory exporter) form one tree
 * under the caller's span, with a span of each service's processing; records on Kafka carry the
 * {@code traceparent} header.
 */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TracingIT {

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
      .build();
  private TestStack stack;
  private Node node;
  private String payments;
  private String failing;

  @BeforeAll
  void startNode(TestStack stack) throws Exception {
    this.stack = stack;
    payments = stack.uniqueName("payments");
    failing = stack.uniqueName("billing");
    node = NodeFixture.start(stack, stack.uniqueName("node"), stack.uniqueName("trace") + "-", Map.of(
        PoseidonConfig.NODE_SERVICES, "current,forge,harbor,sim",
        ForgeConfig.TIMER_SCAN_INTERVAL_MS, "100",
        HarborConfig.TIMER_SCAN_INTERVAL_MS, "100",
        HarborConfig.DEFAULT_HEALTH_GATE_SECONDS, "1",
        SimConfig.STAGE_DURATION_MS, "200",
        SimConfig.DEPLOY_DURATION_MS, "200",
        SimConfig.ROLLBACK_DURATION_MS, "200",
        SimConfig.TELEMETRY_INTERVAL_MS, "0",
        SimConfig.DEPLOY_FAILURES, failing + "@prod"), Tracing.of(sdk));
    until("node ready", Duration.ofSeconds(120), () -> get(node, "/ready").statusCode() == 200);
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
    sdk.close();
  }

  @Test
  void shouldPutTheCallersTraceIdOnEveryTimelineEntryFromTheCommitToTheRollback() {
    // Given two workflows posted with traceparents of their own: one that ships, one whose prod fails
    String completedTrace = randomHex(16);
    String rolledBackTrace = randomHex(16);
    String callerSpan = randomHex(8);
    String completed = post(payments, "00-" + completedTrace + "-" + callerSpan + "-01");
    String rolledBack = post(failing, "00-" + rolledBackTrace + "-" + callerSpan + "-01");

    // When they finish
    assertEquals("COMPLETED", awaitFinished(completed).getString("status"));
    JsonObject failed = awaitFinished(rolledBack);
    assertEquals("FAILED", failed.getString("status"), failed.encodePrettily());

    // Then every entry of each timeline — commit, pipeline, deployment, health gates, rollbacks — has
    // the caller's trace id
    List<JsonObject> shipped = timeline(completed);
    assertTypes(shipped, "current.CommitPushed", "forge.PipelineRunFinished", "harbor.DeploymentFinished",
        "current.WorkflowCompleted");
    assertTrue(shipped.stream().anyMatch(e -> e.getString("summary").contains("HEALTH_GATE COMPLETED")),
        "health gates passed (by timer)");
    shipped.forEach(e -> assertEquals(completedTrace, e.getString("traceId"), e.encode()));
    List<JsonObject> undone = timeline(rolledBack);
    assertTypes(undone, "current.CommitPushed", "forge.PipelineRunFinished", "harbor.DeploymentFinished",
        "current.WorkflowFailed");
    assertEquals(2, undone.stream().filter(e -> e.getString("summary").contains("ROLLBACK COMPLETED")).count(),
        "staging and dev rolled back");
    undone.forEach(e -> assertEquals(rolledBackTrace, e.getString("traceId"), e.encode()));

    // And the node's spans of each trace are one tree under the caller's span, with every service in it
    List<String> expected = List.of("POST /api/v1/workflows", "current process current.workflow-commands",
        "forge process forge.pipeline-commands", "sim process forge.stage-commands", "sim timer",
        "forge process forge.stage-results", "harbor process harbor.deployment-commands",
        "sim process harbor.agent-commands", "harbor process harbor.agent-results", "harbor timer");
    for (String trace : List.of(completedTrace, rolledBackTrace)) {
      until("the spans of " + trace, Duration.ofSeconds(10), () -> names(trace).containsAll(expected));
      List<SpanData> tree = spansOf(trace);
      SpanData server = tree.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
      assertEquals(callerSpan, server.getParentSpanId(), "the server span is the caller's child");
      Set<String> ids = tree.stream().map(SpanData::getSpanId).collect(Collectors.toSet());
      for (SpanData span : tree) {
        assertTrue(span == server || ids.contains(span.getParentSpanId()),
            span.getName() + " is the child of a span of the trace");
      }
      assertTrue(tree.stream().anyMatch(s -> s.getName().startsWith("current process ")
          && s.getName().endsWith("-repartition")), "current takes forge's and harbor's facts re-keyed: " + names(trace));
    }

    // And the records on Kafka carry the traceparent in a header too
    String commandTrace = Tracing.traceIdOf(header(CurrentTopics.WORKFLOW_COMMANDS.name(), completed::equals).get(0));
    assertEquals(completedTrace, commandTrace);
    List<String> steps = header(HarborTopics.DEPLOYMENT_EVENTS.name(), failing::equals);
    assertFalse(steps.isEmpty());
    steps.forEach(tp -> assertEquals(rolledBackTrace, Tracing.traceIdOf(tp)));
  }

  private String post(String service, String traceparent) {
    HttpResponse<String> accepted = NodeFixture.call(node, "POST", "/api/v1/workflows", Map.of("traceparent",
        traceparent), "{\"service\":\"" + service + "\",\"commit\":\"3f2a9c1\",\"branch\":\"main\",\"author\":\"ada\"}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    return new JsonObject(accepted.body()).getString("workflowId");
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

  private static void assertTypes(List<JsonObject> events, String... types) {
    List<String> seen = events.stream().map(e -> e.getString("type")).toList();
    assertTrue(seen.containsAll(List.of(types)), seen.toString());
  }

  private List<SpanData> spansOf(String trace) {
    return spans.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(trace)).toList();
  }

  private Set<String> names(String trace) {
    return spansOf(trace).stream().map(SpanData::getName).collect(Collectors.toSet());
  }

  /** The traceparent headers of the records of {@code topic} whose key matches, oldest first. */
  private List<String> header(String topic, Predicate<String> key) {
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<String> out = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.key() != null && key.test(record.key())) {
            var h = record.headers().lastHeader(Tracing.HEADER);
            out.add(h == null ? null : new String(h.value(), StandardCharsets.UTF_8));
          }
        }
      }
      return out;
    }
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    ThreadLocalRandom.current().nextBytes(b);
    b[0] |= 1; // never all zeros
    return HexFormat.of().formatHex(b);
  }
}
