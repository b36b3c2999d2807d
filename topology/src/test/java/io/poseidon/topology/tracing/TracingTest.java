package io.poseidon.topology.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The traceparent rules of {@link Tracing}, {@link EventMetas} and the header every value serializer writes. */
class TracingTest {

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER = "00-" + TRACE + "-00f067aa0ba902b7-01";
  private static final String OTHER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  private final Clock clock = Clock.systemUTC();
  private final InMemorySpanExporter exported = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exported)).build())
      .build();
  private final Tracing tracing = Tracing.of(sdk);

  @AfterEach
  void close() {
    sdk.close();
  }

  @Test
  void shouldEmitEventsOfAProcessingSpanAsItsChildrenInTheCausesTrace() {
    // Given an event of the caller's trace
    InstanceEvent input = event(EventMetas.first("depths.ServiceRegistered", "gateway", "ada", CALLER, clock));
    AtomicReference<EventMeta> emitted = new AtomicReference<>();

    // When a processor takes it and emits an event caused by it
    tracing.process("depths", null, new Record<>("payments", input, 0L),
        () -> emitted.set(EventMetas.causedBy(input.getMeta(), "depths.InstanceRegistered", "depths", clock)));

    // Then the processing span is the caller span's child, and the event names the processing span
    SpanData span = exported.getFinishedSpanItems().get(0);
    assertEquals("depths process", span.getName());
    assertEquals(SpanKind.CONSUMER, span.getKind());
    assertEquals(TRACE, span.getTraceId());
    assertEquals("00f067aa0ba902b7", span.getParentSpanId());
    assertEquals("00-" + TRACE + "-" + span.getSpanId() + "-01", emitted.get().getTraceparent());
    assertEquals(input.getMeta().getEventId(), emitted.get().getCausationId());
  }

  @Test
  void shouldKeepTheCausesOwnTraceWhenTheCurrentSpanIsOfAnotherTrace() {
    // Given a processor taking an event of one trace, which emits for a stored event of another
    // (lighthouse's health report for a deployment, decided while it reads a metric batch)
    InstanceEvent metric = event(EventMetas.first("lighthouse.MetricBatch", "sim", "sim", OTHER, clock));
    EventMeta deployment = EventMetas.first("harbor.EnvironmentStepChanged", "harbor", "harbor", CALLER, clock);
    AtomicReference<EventMeta> forDeployment = new AtomicReference<>();
    AtomicReference<EventMeta> decided = new AtomicReference<>();
    AtomicReference<EventMeta> untraced = new AtomicReference<>();
    EventMeta noTrace = EventMeta.newBuilder(deployment).setTraceparent(null).build();

    tracing.process("lighthouse", null, new Record<>("checkout", metric, 0L), () -> {
      forDeployment.set(EventMetas.causedBy(deployment, "lighthouse.ServiceHealthReported", "lighthouse", clock));
      decided.set(EventMetas.decided("lighthouse.ServiceHealthReported", "lighthouse", null, clock));
      untraced.set(EventMetas.causedBy(noTrace, "lighthouse.AlertRaised", "lighthouse", clock));
    });

    // Then the event caused by the deployment stays in the deployment's trace, under its producer;
    // what the processor decides, or derives from an event without a trace, is in the span's trace
    String spanTrace = exported.getFinishedSpanItems().get(0).getTraceId();
    assertEquals(CALLER, forDeployment.get().getTraceparent());
    assertEquals(spanTrace, Tracing.traceIdOf(decided.get().getTraceparent()));
    assertEquals(spanTrace, Tracing.traceIdOf(untraced.get().getTraceparent()));
    assertEquals(Tracing.traceIdOf(OTHER), spanTrace);
  }

  @Test
  void shouldStartANewTraceForARecordWithoutOneAndTakeTheHeaderWhenTheMetaHasNone() {
    // Given one record with no trace at all, and one whose producer set only the Kafka header
    InstanceEvent none = event(EventMetas.first("depths.ServiceRegistered", "bench", "bench", null, clock));
    RecordHeaders headers = new RecordHeaders();
    headers.add(Tracing.HEADER, CALLER.getBytes(StandardCharsets.UTF_8));

    // When both are processed
    tracing.process("depths", null, new Record<>("a", none, 0L), () -> { });
    tracing.process("depths", null, new Record<>("b", none, 0L, headers), () -> { });

    // Then the first starts a trace of its own, the second continues the header's
    List<SpanData> spans = exported.getFinishedSpanItems();
    assertFalse(spans.get(0).getParentSpanContext().isValid(), "a root span");
    assertNotEquals(TRACE, spans.get(0).getTraceId());
    assertEquals(TRACE, spans.get(1).getTraceId());
    assertEquals("00f067aa0ba902b7", spans.get(1).getParentSpanId());
  }

  @Test
  void shouldMarkAFailedProcessingSpanAndRethrow() {
    InstanceEvent input = event(EventMetas.first("depths.ServiceRegistered", "gateway", "ada", CALLER, clock));
    assertThrows(IllegalStateException.class, () -> tracing.process("depths", null, new Record<>("a", input, 0L),
        () -> {
          throw new IllegalStateException("rejected");
        }));
    SpanData span = exported.getFinishedSpanItems().get(0);
    assertEquals(StatusCode.ERROR, span.getStatus().getStatusCode());
    assertEquals(1, span.getEvents().size(), "the exception is recorded");
  }

  @Test
  void shouldContinueTheTraceATimerWasArmedInAndDecideInItsSpan() {
    AtomicReference<EventMeta> decided = new AtomicReference<>();
    tracing.timer("harbor", "d-1|dev|HEALTH_GATE", CALLER,
        () -> decided.set(EventMetas.decided("harbor.EnvironmentStepChanged", "harbor", "e-1", clock)));
    SpanData span = exported.getFinishedSpanItems().get(0);
    assertEquals("harbor timer", span.getName());
    assertEquals("00f067aa0ba902b7", span.getParentSpanId());
    assertEquals("00-" + TRACE + "-" + span.getSpanId() + "-01", decided.get().getTraceparent());
    assertEquals("e-1", decided.get().getCausationId());
  }

  @Test
  void shouldMakeIdsButRecordNothingWhenOff() {
    // Given tracing off (the default): a caller's trace still travels, and an event without one gets one
    AtomicReference<EventMeta> emitted = new AtomicReference<>();
    AtomicReference<String> fresh = new AtomicReference<>();
    InstanceEvent input = event(EventMetas.first("depths.ServiceRegistered", "gateway", "ada", CALLER, clock));
    Tracing.off().process("depths", null, new Record<>("a", input, 0L),
        () -> emitted.set(EventMetas.causedBy(input.getMeta(), "depths.InstanceRegistered", "depths", clock)));
    Tracing.off().timer("harbor", "t", null, () -> fresh.set(Tracing.current()));

    assertEquals(TRACE, Tracing.traceIdOf(emitted.get().getTraceparent()));
    assertNotEquals(CALLER, emitted.get().getTraceparent(), "a span id of its own");
    assertTrue(emitted.get().getTraceparent().endsWith("-00"), "not sampled: " + emitted.get().getTraceparent());
    assertTrue(Tracing.isValid(fresh.get()), "a new trace: " + fresh.get());
    assertNull(Tracing.current(), "no span outside");
  }

  @Test
  void shouldWriteTheMetasTraceparentAsKafkaHeaderReplacingACopiedOne() {
    // Given the serializer every topology and the gateway get, and headers copied from an input record
    Serializer<InstanceEvent> values = SerdeFactory.forTopologyTests().valueSerializer(InstanceEvent.class);
    RecordHeaders headers = new RecordHeaders();
    headers.add(Tracing.HEADER, OTHER.getBytes(StandardCharsets.UTF_8));
    InstanceEvent traced = event(EventMetas.first("depths.ServiceRegistered", "gateway", "ada", CALLER, clock));

    // When an event with a traceparent is written, then one without
    values.serialize("depths.registrations", headers, traced);
    assertEquals(CALLER, Tracing.header(headers));
    assertEquals(1, headers.toArray().length, "one traceparent header");
    RecordHeaders untouched = new RecordHeaders();
    values.serialize("depths.registrations", untouched,
        event(EventMetas.first("depths.ServiceRegistered", "bench", "bench", null, clock)));
    assertNull(Tracing.header(untouched));
    assertNotNull(SerdeFactory.forTopologyTests().anyValueSerializer().serialize("t", headers, traced));
  }

  @Test
  void shouldReadTraceIdsOfWellFormedTraceparentsOnly() {
    assertEquals(TRACE, Tracing.traceIdOf(CALLER));
    assertNull(Tracing.traceIdOf("00-abc-def-01"));
    assertNull(Tracing.traceIdOf(null));
    assertTrue(Tracing.isValid(CALLER));
    assertFalse(Tracing.isValid("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), "all-zero trace id");
    assertFalse(Tracing.isValid("d-1|dev|HEALTH_GATE"));
    assertEquals(Tracing.off(), Tracing.from(Map.of()));
    assertEquals(tracing, Tracing.from(Map.of(Tracing.APP_CONFIG, tracing)));
  }

  private static InstanceEvent event(EventMeta meta) {
    return new InstanceEvent(meta, ServiceRegistered.newBuilder().setService("payments").setInstanceId("i-1")
        .setHost("10.0.0.7").setPort(8443).setVersion("1.4.2").setMetadata(Map.of()).setTtlSeconds(30).build());
  }
}
