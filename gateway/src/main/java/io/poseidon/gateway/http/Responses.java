package io.poseidon.gateway.http;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.topology.query.QueryResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How every route answers a command (202 after Kafka acknowledged it) and a query (local, forward, 503). */
public final class Responses {

  private static final Logger log = LoggerFactory.getLogger(Responses.class);

  private final String nodeId;
  private final QueryForwarder forwarder;

  public Responses(String nodeId, QueryForwarder forwarder) {
    this.nodeId = nodeId;
    this.forwarder = forwarder;
  }

  /**
   * 202 with the event id, the correlation id and the position of the event in Kafka once the
   * broker acknowledged it; 503 when Kafka did not take it (nothing was written, safe to retry).
   */
  public void accepted(RoutingContext ctx, EventMeta meta, Future<RecordMetadata> sent) {
    accepted(ctx, meta, sent, ack -> ack);
  }

  /** As {@link #accepted(RoutingContext, EventMeta, Future)}, with command-specific fields added. */
  public void accepted(RoutingContext ctx, EventMeta meta, Future<RecordMetadata> sent,
      java.util.function.UnaryOperator<JsonObject> extra) {
    sent.onSuccess(md -> json(ctx, 202, extra.apply(new JsonObject()
            .put("eventId", meta.getEventId())
            .put("correlationId", meta.getCorrelationId())
            .put("type", meta.getType())
            .put("position", new JsonObject()
                .put("topic", md.topic()).put("partition", md.partition()).put("offset", md.offset())))))
        .onFailure(err -> {
          log.warn("Could not produce {} {}: {}", meta.getType(), meta.getEventId(), err.toString());
          ctx.response().putHeader("Retry-After", "1");
          ApiError.send(ctx, 503, "kafka_unavailable", "the event could not be written to Kafka: " + err.getMessage());
        });
  }

  /** Answers from the local store, forwards to the owning node, or 503 with Retry-After. */
  public <T> void answer(RoutingContext ctx, QueryResult<T> result, Function<T, JsonObject> render) {
    if (result instanceof QueryResult.Local<T> local) {
      ctx.response().putHeader(QueryForwarder.SERVED_BY, nodeId);
      json(ctx, 200, render.apply(local.value()).put("servedBy", nodeId));
    } else if (result instanceof QueryResult.Remote<T> remote) {
      forwarder.forward(ctx, remote.owner());
    } else if (result instanceof QueryResult.Unavailable<T> unavailable) {
      ctx.response().putHeader("Retry-After", "1");
      ApiError.send(ctx, 503, "not_ready", unavailable.reason());
    }
  }

  /** As {@link #answer}, for a lookup: 404 with {@code notFoundCode} when the owner has no such entity. */
  public <T> void answerFound(RoutingContext ctx, QueryResult<java.util.Optional<T>> result, String notFoundCode,
      String notFoundMessage, Function<T, JsonObject> render) {
    if (result instanceof QueryResult.Local<java.util.Optional<T>> local && local.value().isEmpty()) {
      ApiError.send(ctx, 404, notFoundCode, notFoundMessage);
      return;
    }
    answer(ctx, result, found -> render.apply(found.get()));
  }

  public static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
