package io.poseidon.topology.events;

import io.poseidon.schemas.common.EventMeta;
import java.time.Clock;
import java.time.Instant;

/**
 * What caused a saga's transition: an input event (its actor and trace are kept, the causation is its
 * id), or the saga itself (a timer fired, the deployment ahead finished; {@code causationId} is the
 * last relevant event). Every saga (harbor, forge, current) makes the meta of what it emits here.
 */
public record Cause(EventMeta input, String causationId) {

  public static Cause of(EventMeta input) {
    return new Cause(input, input.getEventId());
  }

  public static Cause decided(String causationId) {
    return new Cause(null, causationId);
  }

  /**
   * Meta of an event emitted for this cause. The correlation id is always the saga's (an input such as
   * an agent result or a cancel may carry another one), and the time is cut to the millisecond the
   * schema keeps, so state rebuilt from the changelog reads the same after a restart.
   */
  public EventMeta meta(String type, String source, String correlationId, Clock clock) {
    EventMeta meta = input != null
        ? EventMetas.causedBy(input, type, source, clock)
        : EventMeta.newBuilder(EventMetas.decided(type, source, causationId, clock)).build();
    return EventMeta.newBuilder(meta)
        .setCorrelationId(correlationId)
        .setTime(Instant.ofEpochMilli(meta.getTime().toEpochMilli()))
        .build();
  }
}
