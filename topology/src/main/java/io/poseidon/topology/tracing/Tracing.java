package io.poseidon.topology.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.poseidon.schemas.common.EventMeta;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * OpenTelemetry for Poseidon, written once (docs/tracing.md, ADR 0019): the node's tracer, the W3C
 * {@code traceparent} as Poseidon carries it (in {@link EventMeta#getTraceparent()} and in the Kafka
 * header {@value #HEADER}), and the spans of the topologies — one per record a processor takes
 * ({@link #process}) and one per durable timer a saga fires ({@link #timer}). Inside such a span the
 * span is current, so {@code EventMetas} gives every event emitted there the span's context as its
 * traceparent: the next consumer's span is its child, and one trace runs from the HTTP request to the
 * last rollback.
 *
 * <p>Tracing is off unless the node is configured to export ({@code OTEL_TRACES_EXPORTER} or
 * {@code tracing.exporter}): {@link #off()} still makes span ids (an SDK whose sampler records
 * nothing), so every event carries a trace and a caller's trace id is kept end to end, but no span is
 * recorded or sent. The node hands its instance to each Kafka Streams client under {@link #APP_CONFIG};
 * a processor finds it with {@link #of(ProcessorContext)}.
 */
public final class Tracing implements AutoCloseable {

  /** The Kafka header and the HTTP header that carry the W3C trace context. */
  public static final String HEADER = "traceparent";
  /** The key of a Streams client's configs under which the node puts its {@code Tracing} instance. */
  public static final String APP_CONFIG = "poseidon.tracing";
  /** The instrumentation scope of Poseidon's spans. */
  public static final String SCOPE = "io.poseidon";

  static final AttributeKey<String> SERVICE = AttributeKey.stringKey("poseidon.service");
  static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("poseidon.event.type");
  static final AttributeKey<String> EVENT_ID = AttributeKey.stringKey("poseidon.event.id");
  static final AttributeKey<String> CORRELATION_ID = AttributeKey.stringKey("poseidon.correlation.id");
  static final AttributeKey<String> TIMER_ID = AttributeKey.stringKey("poseidon.timer.id");

  private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final TextMapGetter<Function<String, String>> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Function<String, String> carrier) {
      return List.of(HEADER, "tracestate");
    }

    @Override
    public String get(Function<String, String> carrier, String key) {
      return carrier == null ? null : carrier.apply(key);
    }
  };
  /**
   * A span processor that takes nothing. An SDK without any span processor hands out no-op tracers,
   * which make no ids (a request without a traceparent would get no trace, and a span would carry its
   * parent's id); with this one, an SDK that records nothing still makes ids.
   */
  private static final SpanProcessor KEEP_IDS = new SpanProcessor() {
    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {}

    @Override
    public boolean isStartRequired() {
      return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {}

    @Override
    public boolean isEndRequired() {
      return false;
    }
  };
  private static final Tracing OFF = new Tracing(OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.alwaysOff()).addSpanProcessor(KEEP_IDS).build())
      .build(), null);

  private final OpenTelemetry openTelemetry;
  private final Tracer tracer;
  private final AutoCloseable owned;

  private Tracing(OpenTelemetry openTelemetry, AutoCloseable owned) {
    this.openTelemetry = openTelemetry;
    this.tracer = openTelemetry.getTracer(SCOPE);
    this.owned = owned;
  }

  /** Ids but no recording: every event still carries a trace, nothing is exported. */
  public static Tracing off() {
    return OFF;
  }

  /** What an SDK that records nothing adds so that it still makes span and trace ids ({@link #off()} has it). */
  public static SpanProcessor keepingIds() {
    return KEEP_IDS;
  }

  /** Spans of {@code openTelemetry} (a test's SDK with an in-memory exporter); closing leaves it open. */
  public static Tracing of(OpenTelemetry openTelemetry) {
    return new Tracing(openTelemetry, null);
  }

  /** Spans of {@code sdk}, which {@link #close()} flushes and shuts down (the node's own SDK). */
  public static Tracing owning(OpenTelemetrySdk sdk) {
    return new Tracing(sdk, sdk);
  }

  /** The node's instance from a Streams client's configs ({@link #APP_CONFIG}), else {@link #off()}. */
  public static Tracing from(Map<String, ?> configs) {
    return configs != null && configs.get(APP_CONFIG) instanceof Tracing t ? t : OFF;
  }

  /** The node's instance for a processor ({@link #APP_CONFIG} of its Streams client), else {@link #off()}. */
  public static Tracing of(ProcessorContext<?, ?> context) {
    return from(context.appConfigs());
  }

  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  public Tracer tracer() {
    return tracer;
  }

  // --- the W3C traceparent -----------------------------------------------------------------------

  /** Whether {@code traceparent} is a well-formed W3C traceparent with a valid trace and span id. */
  public static boolean isValid(String traceparent) {
    return traceparent != null && TRACEPARENT.matcher(traceparent).matches()
        && Span.fromContext(parent(traceparent)).getSpanContext().isValid();
  }

  /** The trace id (32 hex digits) of a valid traceparent, else null. */
  public static String traceIdOf(String traceparent) {
    return traceparent != null && TRACEPARENT.matcher(traceparent).matches() ? traceparent.substring(3, 35) : null;
  }

  /** {@code 00-<trace id>-<span id>-<flags>} of a valid span context, else null. */
  public static String traceparent(SpanContext context) {
    return context == null || !context.isValid() ? null
        : "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + context.getTraceFlags().asHex();
  }

  /** The traceparent of the current span (the processing span around the code that calls it), or null. */
  public static String current() {
    return traceparent(Span.current().getSpanContext());
  }

  /** A context whose span is the remote parent {@code traceparent} names; the root context when it is absent or malformed. */
  public static Context parent(String traceparent) {
    return traceparent == null ? Context.root() : extract(key -> HEADER.equals(key) ? traceparent : null);
  }

  /** The remote parent in a set of headers ({@code traceparent}, {@code tracestate}); the root context when none. */
  public static Context extract(Function<String, String> headers) {
    return W3C.extract(Context.root(), headers, GETTER);
  }

  /** The traceparent of a Kafka record's {@value #HEADER} header (the last one), or null. */
  public static String header(Headers headers) {
    Header header = headers == null ? null : headers.lastHeader(HEADER);
    return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** The meta of an event envelope (a record whose first field is its {@link EventMeta}), or null. */
  public static EventMeta metaOf(Object value) {
    return value instanceof SpecificRecord record && record.getSchema().getFields().size() > 0
        && record.get(0) instanceof EventMeta meta ? meta : null;
  }

  // --- spans of the topologies -------------------------------------------------------------------

  /**
   * Runs {@code work} (a processor taking {@code record}) inside a CONSUMER span of {@code service},
   * child of the event's traceparent (its meta's, else the record's header; a new trace without
   * either), current while it runs; an exception marks the span as failed and goes on.
   */
  public void process(String service, ProcessorContext<?, ?> context, Record<?, ?> record, Runnable work) {
    EventMeta meta = metaOf(record.value());
    String traceparent = meta != null && meta.getTraceparent() != null ? meta.getTraceparent() : header(record.headers());
    Optional<RecordMetadata> source = context == null ? Optional.empty() : context.recordMetadata();
    String topic = source.map(RecordMetadata::topic).orElse(null);
    SpanBuilder builder = tracer.spanBuilder(service + " process" + (topic == null ? "" : " " + topic))
        .setParent(parent(traceparent))
        .setSpanKind(SpanKind.CONSUMER)
        .setAttribute(SERVICE, service)
        .setAttribute("messaging.system", "kafka")
        .setAttribute("messaging.operation.type", "process")
        .setAttribute("messaging.operation.name", "process");
    if (topic != null) {
      builder.setAttribute("messaging.destination.name", topic)
          .setAttribute("messaging.destination.partition.id", Integer.toString(source.get().partition()))
          .setAttribute("messaging.kafka.offset", source.get().offset());
    }
    if (context != null) {
      builder.setAttribute("messaging.consumer.group.name", context.applicationId());
    }
    if (record.key() instanceof String key) {
      builder.setAttribute("messaging.kafka.message.key", key);
    }
    if (meta != null) {
      builder.setAttribute(EVENT_TYPE, meta.getType())
          .setAttribute(EVENT_ID, meta.getEventId())
          .setAttribute(CORRELATION_ID, meta.getCorrelationId());
    }
    run(builder.startSpan(), work);
  }

  /**
   * Runs {@code work} (a saga deciding on a due timer) inside an INTERNAL span of {@code service},
   * child of the span that armed the timer ({@code traceparent}, kept in the timer index; a new trace
   * when unknown), current while it runs.
   */
  public void timer(String service, String timerId, String traceparent, Runnable work) {
    run(tracer.spanBuilder(service + " timer")
        .setParent(parent(traceparent))
        .setSpanKind(SpanKind.INTERNAL)
        .setAttribute(SERVICE, service)
        .setAttribute(TIMER_ID, timerId)
        .startSpan(), work);
  }

  private static void run(Span span, Runnable work) {
    try (Scope ignored = span.makeCurrent()) {
      work.run();
    } catch (RuntimeException | Error e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, String.valueOf(e.getMessage()));
      throw e;
    } finally {
      span.end();
    }
  }

  /** Flushes and shuts down the SDK this instance owns ({@link #owning}); nothing otherwise. */
  @Override
  public void close() {
    if (owned != null) {
      try {
        owned.close();
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(Tracing.class).warn("Tracing did not shut down cleanly: {}", e.toString());
      }
    }
  }
}
