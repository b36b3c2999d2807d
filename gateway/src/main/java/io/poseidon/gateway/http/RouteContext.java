package io.poseidon.gateway.http;

import io.poseidon.topology.config.ConfigSource;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * What a service's routes get from the node: the publisher (commands to Kafka), the responses (the one
 * way to answer commands and queries), the service's query facade once its Streams client runs, the
 * node's configuration (routes read their service's keys from it) and the clock.
 *
 * @param queries answers the facade, or throws {@link NotReadyException} before the service started
 */
public record RouteContext<Q>(EventPublisher publisher, Responses responses, Supplier<Q> queries,
    ConfigSource config, Clock clock) {

  /** A query (or a command that needs a store) before its service runs: 503 with Retry-After. */
  public static final class NotReadyException extends RuntimeException {
    public NotReadyException(String message) {
      super(message, null, false, false);
    }
  }
}
