package io.poseidon.topology.events;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.topology.tracing.Tracing;
import java.time.Clock;
import java.util.UUID;

/**
 * Makes the {@link EventMeta} of new events, the same way in the gateway and in every service.
 *
 * <p>The traceparent of a new event is the context of the span it is emitted in (docs/tracing.md):
 * inside a topology's processing span ({@link Tracing#process}) or a saga's timer span
 * ({@link Tracing#timer}) that span is current, so what a processor emits is a child of its processing
 * and the next consumer's span a child of that — producer → consumer, one trace. An event caused by a
 * record of another trace than the one being processed (lighthouse's health report for a deployment,
 * decided while it reads a metric batch) keeps its cause's traceparent instead: it belongs to its
 * cause's trace.
 */
public final class EventMetas {

  private EventMetas() {}

  /**
   * Meta of an event that starts a new chain (a command from a person or an outside system), in the
   * trace {@code traceparent} names (the gateway's server span); when null, in the current span's.
   */
  public static EventMeta first(String type, String source, String actor, String traceparent, Clock clock) {
    String id = newId();
    return EventMeta.newBuilder()
        .setEventId(id)
        .setType(type)
        .setSource(source)
        .setTime(clock.instant())
        .setCorrelationId(id)
        .setCausationId(null)
        .setActor(actor)
        .setTraceparent(traceparent != null ? traceparent : Tracing.current())
        .build();
  }

  /**
   * Meta of an event caused by {@code cause}: same correlation id and trace, causation = cause's id.
   * Its traceparent is the current span's when that span is in the cause's trace (the processing of
   * the cause) or the cause has none; otherwise the cause's own.
   */
  public static EventMeta causedBy(EventMeta cause, String type, String source, Clock clock) {
    return EventMeta.newBuilder()
        .setEventId(newId())
        .setType(type)
        .setSource(source)
        .setTime(clock.instant())
        .setCorrelationId(cause.getCorrelationId())
        .setCausationId(cause.getEventId())
        .setActor(cause.getActor())
        .setTraceparent(traceparentAfter(cause.getTraceparent()))
        .build();
  }

  /**
   * Meta of an event a service decides on its own (a timer fired): a new correlation id, caused by
   * the last event that touched the entity ({@code causationId}, may be null), in the current span's
   * trace (a saga's timer span continues the trace of the unit of work that armed the timer).
   */
  public static EventMeta decided(String type, String service, String causationId, Clock clock) {
    return EventMeta.newBuilder(first(type, service, service, null, clock)).setCausationId(causationId).build();
  }

  /** The traceparent of an event whose cause carried {@code inherited}: see {@link #causedBy}. */
  static String traceparentAfter(String inherited) {
    SpanContext current = Span.current().getSpanContext();
    if (!current.isValid()) {
      return inherited;
    }
    String inheritedTrace = Tracing.traceIdOf(inherited);
    return inheritedTrace == null || inheritedTrace.equals(current.getTraceId()) ? Tracing.traceparent(current)
        : inherited;
  }

  public static String newId() {
    return UUID.randomUUID().toString();
  }
}
