package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.poseidon.schemas.current.WorkflowCommand;
import io.poseidon.topology.tracing.Tracing;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway's server spans over real HTTP, with the SDK's in-memory exporter: one SERVER span per
 * request, child of the caller's traceparent (or the root of a new trace), and the event the request
 * produces carries that span's context in its meta and in its Kafka header.
 */
@ExtendWith(VertxExtension.class)
class HttpTracingTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER_SPAN = "00f067aa0ba902b7";
  private static final String TRACEPARENT = "00-" + TRACE + "-" + CALLER_SPAN + "-01";
  private static final String COMMIT = "{\"service\":\"payments\",\"commit\":\"3f2a9c1\",\"branch\":\"main\",\"author\":\"ada\"}";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
      .build();
  private GatewayFixture gateway;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    gateway = new GatewayFixture(vertx, "node-a", 100, (topic, value) -> new byte[16]);
    gateway.tracing = Tracing.of(sdk);
    gateway.start();
  }

  @AfterEach
  void stop() {
    gateway.close();
    sdk.close();
  }

  @Test
  void shouldMakeTheServerSpanAChildOfTheCallersAndTheEventItsChild() throws InterruptedException {
    // When a workflow is posted with the caller's traceparent
    GatewayFixture.Reply reply = gateway.post("/api/v1/workflows",
        Map.of("Content-Type", "application/json", "traceparent", TRACEPARENT), COMMIT);
    assertEquals(202, reply.status(), reply.body());

    // Then the request is one SERVER span, the child of the caller's span, named by its route
    SpanData server = onlySpan();
    assertEquals(SpanKind.SERVER, server.getKind());
    assertEquals("POST /api/v1/workflows", server.getName());
    assertEquals(TRACE, server.getTraceId());
    assertEquals(CALLER_SPAN, server.getParentSpanId());
    assertEquals(202L, server.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
    assertEquals("POST", server.getAttributes().get(AttributeKey.stringKey("http.request.method")));
    assertEquals(reply.header("X-Request-Id"), server.getAttributes().get(AttributeKey.stringKey("poseidon.request.id")));

    // And the event it produced carries the server span's context (the Kafka header that repeats it is
    // written by the serializer: a MockProducer drops headers, TracingIT reads it from the broker)
    ProducerRecord<String, SpecificRecord> produced = gateway.producer.history().get(0);
    String traceparent = ((WorkflowCommand) produced.value()).getMeta().getTraceparent();
    assertEquals("00-" + TRACE + "-" + server.getSpanId() + "-01", traceparent);
  }

  @Test
  void shouldStartANewTraceForARequestWithoutAValidTraceparent() throws InterruptedException {
    // When one request sends none and another a malformed one
    assertEquals(202, gateway.postJson("/api/v1/workflows", COMMIT).status());
    awaitSpans(1);
    assertEquals(202, gateway.post("/api/v1/workflows", Map.of("Content-Type", "application/json",
        "traceparent", "00-not-a-trace-01"), COMMIT).status());

    // Then each is the root of a trace of its own, which its event carries
    List<SpanData> roots = awaitSpans(2);
    for (int i = 0; i < 2; i++) {
      SpanData root = roots.get(i);
      assertFalse(root.getParentSpanContext().isValid(), "a root span");
      String traceparent = ((WorkflowCommand) gateway.producer.history().get(i).value()).getMeta().getTraceparent();
      assertEquals(root.getTraceId(), Tracing.traceIdOf(traceparent));
    }
    assertNotEquals(roots.get(0).getTraceId(), roots.get(1).getTraceId());
  }

  @Test
  void shouldEndTheSpanOfARefusedRequestWithItsStatus() throws InterruptedException {
    GatewayFixture.Reply reply = gateway.post("/api/v1/workflows",
        Map.of("Content-Type", "application/json", "traceparent", TRACEPARENT), "{\"service\":\"payments\"}");
    assertEquals(400, reply.status());
    SpanData server = onlySpan();
    assertEquals(TRACE, server.getTraceId());
    assertEquals(400L, server.getAttributes().get(AttributeKey.longKey("http.response.status_code")));
    assertEquals(0, gateway.producer.history().size());
  }

  private SpanData onlySpan() throws InterruptedException {
    List<SpanData> all = awaitSpans(1);
    assertEquals(1, all.size(), all.toString());
    return all.get(0);
  }

  /** The span ends when the response has been written, a moment after the client has read it. */
  private List<SpanData> awaitSpans(int count) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (spans.getFinishedSpanItems().size() < count && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    return spans.getFinishedSpanItems();
  }
}
