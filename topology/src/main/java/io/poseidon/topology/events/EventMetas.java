package io.poseidon.topology.events;

import io.poseidon.schemas.common.EventMeta;
import java.time.Clock;
import java.util.UUID;

/** Makes the {@link EventMeta} of new events, the same way in the gateway and in every service. */
public final class EventMetas {

  private EventMetas() {}

  /** Meta of an event that starts a new chain (a command from a person or an outside system). */
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
        .setTraceparent(traceparent)
        .build();
  }

  /** Meta of an event caused by {@code cause}: same correlation id and trace, causation = cause's id. */
  public static EventMeta causedBy(EventMeta cause, String type, String source, Clock clock) {
    return EventMeta.newBuilder()
        .setEventId(newId())
        .setType(type)
        .setSource(source)
        .setTime(clock.instant())
        .setCorrelationId(cause.getCorrelationId())
        .setCausationId(cause.getEventId())
        .setActor(cause.getActor())
        .setTraceparent(cause.getTraceparent())
        .build();
  }

  /**
   * Meta of an event a service decides on its own (a timer fired): a new correlation id, caused by
   * the last event that touched the entity ({@code causationId}, may be null).
   */
  public static EventMeta decided(String type, String service, String causationId, Clock clock) {
    return EventMeta.newBuilder(first(type, service, service, null, clock)).setCausationId(causationId).build();
  }

  public static String newId() {
    return UUID.randomUUID().toString();
  }
}
