package io.poseidon.gateway.http;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.topology.query.QueryResult;
import io.poseidon.topology.query.QueryScope;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How every route answers, written once. A command: 202 once Kafka acknowledged it, 413 when the event
 * is larger than Kafka takes, 503 with Retry-After when Kafka or the gateway cannot take it now. A
 * query: the store read and the Avro→JSON rendering run off the event loop on one bounded pool, then
 * 200 from the local store, the request forwarded to the owning node, or 503 with Retry-After while the
 * store is not queryable (the service is starting, rebalancing or restoring).
 */
public final class Responses {

  private static final Logger log = LoggerFactory.getLogger(Responses.class);

  private final String nodeId;
  private final QueryForwarder forwarder;
  private final OffLoop queries;

  public Responses(String nodeId, QueryForwarder forwarder, OffLoop queries) {
    this.nodeId = nodeId;
    this.forwarder = forwarder;
    this.queries = queries;
  }

  /**
   * 202 with the event id, the correlation id and the position of the event in Kafka once the
   * broker acknowledged it; nothing was written on any other answer.
   */
  public void accepted(RoutingContext ctx, EventMeta meta, Future<RecordMetadata> sent) {
    accepted(ctx, meta, sent, ack -> ack);
  }

  /** As {@link #accepted(RoutingContext, EventMeta, Future)}, with command-specific fields added. */
  public void accepted(RoutingContext ctx, EventMeta meta, Future<RecordMetadata> sent, UnaryOperator<JsonObject> extra) {
    sent.onSuccess(md -> {
      String position = ReadBound.format(md.topic(), md.partition(), md.offset());
      ctx.response().putHeader(ReadBound.HEADER, position); // pass it back to read this write (docs/live.md)
      json(ctx, 202, extra.apply(new JsonObject()
          .put("eventId", meta.getEventId())
          .put("correlationId", meta.getCorrelationId())
          .put("type", meta.getType())
          .put("position", new JsonObject()
              .put("topic", md.topic()).put("partition", md.partition()).put("offset", md.offset())
              .put("token", position))));
    })
        .onFailure(err -> notWritten(ctx, meta.getType() + " " + meta.getEventId(), err, "the event could not"));
  }

  /**
   * 202 with {@code body} once Kafka acknowledged every record of a batch ({@link EventPublisher#publishAll}:
   * each result a record's metadata or its error). When some were not written:
   * 413 or 503 as for one event, naming how many of them were; retrying the batch is safe for records a
   * consumer de-duplicates (tide: those with an id).
   */
  public void acceptedAll(RoutingContext ctx, String what, Future<List<Object>> sent, JsonObject body) {
    sent.onFailure(err -> notWritten(ctx, what, err, "the " + what + " could not"))
        .onSuccess(results -> {
          Throwable first = null;
          int written = 0;
          for (Object r : results) {
            if (r instanceof Throwable t) {
              first = first == null ? t : first;
            } else {
              written++;
            }
          }
          if (first == null) {
            json(ctx, 202, body);
          } else {
            notWritten(ctx, (results.size() - written) + " " + what, first, written + " of " + results.size() + " "
                + what + " were written; the others could not");
          }
        });
  }

  private static void notWritten(RoutingContext ctx, String what, Throwable err, String prefix) {
    if (causedBy(err, RecordTooLargeException.class)) {
      ApiError.send(ctx, 413, "event_too_large", prefix + " be written: larger than Kafka accepts ("
          + err.getMessage() + "); send less", List.of(new FieldError("body", "too large as an event")));
      return;
    }
    if (!(err instanceof OffLoop.OverloadedException)) {
      log.warn("Could not produce {}: {}", what, err.toString());
    }
    unavailable(ctx, err instanceof OffLoop.OverloadedException ? "overloaded" : "kafka_unavailable",
        prefix + " be written to Kafka: " + err.getMessage());
  }

  /** Answers a query: its read and rendering run off the event loop. */
  public <T> void query(RoutingContext ctx, Callable<QueryResult<T>> query, Function<T, JsonObject> render) {
    bounded(ctx, () -> rendered(ctx, query.call(), render), answer -> answer(ctx, answer));
  }

  /**
   * Runs {@code work} on the query pool inside the request's {@link QueryScope} (its read-your-writes
   * bound, {@link ReadBound}); while the store is behind that bound, again after 1, 2, 4, 8, then every 10 ms until the
   * request's timeout, then 504 with Retry-After. {@code done} gets the answer (null: not found).
   */
  private void bounded(RoutingContext ctx, Callable<Answer> work, Handler<Answer> done) {
    List<FieldError> errors = new java.util.ArrayList<>();
    ReadBound bound = ReadBound.of(ctx, errors);
    if (!errors.isEmpty()) {
      ApiError.send(ctx, 400, "validation_failed", "the read-your-writes position is not valid", errors);
      return;
    }
    attempt(ctx, bound, QueryForwarder.isStandbyRead(ctx), work, done, 0, System.nanoTime() + UNAVAILABLE_WAIT_NANOS);
  }

  /**
   * One try of {@code work}; {@code standby}: a standby replica here may answer (the active's node did
   * not, or another node asked this one as a standby).
   */
  /**
   * How long a query waits for a store that is not queryable on its node right now (Streams moving the
   * partition: a rebalance, a standby becoming active) before it answers 503 not_ready.
   */
  static final long UNAVAILABLE_WAIT_NANOS = java.time.Duration.ofSeconds(2).toNanos();

  private void attempt(RoutingContext ctx, ReadBound bound, boolean standby, Callable<Answer> work,
      Handler<Answer> done, int tries, long unavailableUntil) {
    queries.submit(() -> {
      try (QueryScope scope = QueryScope.open(bound == null ? null : bound.bound(), standby)) {
        Answer answer = work.call();
        return answer == null ? null : answer.freshness(scope.replica(), scope.lag())
            .retry(standby ? null : () -> attempt(ctx, bound, true, work, done, 0, unavailableUntil), standby);
      }
    }).onSuccess(answer -> {
      if (answer != null && answer.result() instanceof QueryResult.Behind<?> behind) {
        if (bound.expired()) {
          ctx.response().putHeader("Retry-After", "1");
          ApiError.send(ctx, 504, "position_not_reached", behind.reason() + " after " + bound.timeout().toMillis()
              + " ms (?timeout=); the command may still be waiting to be processed, or was refused (see its "
              + "service's dead-letter topic)");
        } else {
          // soon at first (a fresh write is usually processed within milliseconds), then every 10 ms
          ctx.vertx().setTimer(Math.min(10, 1L << Math.min(tries, 4)), t -> attempt(ctx, bound, standby, work, done,
              tries + 1, unavailableUntil));
        }
        return;
      }
      if (answer != null && answer.result() instanceof QueryResult.Unavailable<?>
          && System.nanoTime() - unavailableUntil < 0 && (bound == null || !bound.expired())) {
        // the store is between owners for a moment (a rebalance moving it here, a standby turning active):
        // ask again shortly rather than answer 503 for a transition that ends within a second or so
        ctx.vertx().setTimer(Math.min(50, 5L << Math.min(tries, 4)), t -> attempt(ctx, bound, standby, work, done,
            tries + 1, unavailableUntil));
        return;
      }
      done.handle(answer);
    }).onFailure(err -> failed(ctx, err));
  }

  /** As {@link #query}, for a lookup: 404 with {@code notFoundCode} when the owner has no such entity. */
  public <T> void lookup(RoutingContext ctx, Callable<QueryResult<Optional<T>>> query, String notFoundCode,
      String notFoundMessage, Function<T, JsonObject> render) {
    bounded(ctx, () -> {
      QueryResult<Optional<T>> result = query.call();
      if (result instanceof QueryResult.Local<Optional<T>> local && local.value().isEmpty()) {
        return null;
      }
      return rendered(ctx, result, found -> render.apply(found.get()));
    }, answer -> {
      if (answer == null) {
        ApiError.send(ctx, 404, notFoundCode, notFoundMessage);
      } else {
        answer(ctx, answer);
      }
    });
  }

  /**
   * For a command that depends on the owner's state (a heartbeat, a cancel): reads it off the event
   * loop; on the owner, {@code then} decides on the event loop; elsewhere the request is forwarded to
   * the owner; 503 while nobody can answer.
   */
  public <T> void onOwner(RoutingContext ctx, Callable<QueryResult<T>> query, Handler<T> then) {
    queries.submit(query).onSuccess(result -> {
      if (result instanceof QueryResult.Local<T> local) {
        then.handle(local.value());
      } else {
        answer(ctx, new Answer(result, null));
      }
    }).onFailure(err -> failed(ctx, err));
  }

  /**
   * The other nodes a scatter-gather asks ({@code hosts} without {@code self}): none for
   * {@code ?scope=local} or a request another node forwarded (it answers its own part only); null after
   * answering 503 when the service is not ready.
   */
  public static List<org.apache.kafka.streams.state.HostInfo> otherNodes(RoutingContext ctx,
      java.util.function.Supplier<List<org.apache.kafka.streams.state.HostInfo>> hosts,
      java.util.function.Supplier<org.apache.kafka.streams.state.HostInfo> self) {
    if ("local".equals(ctx.queryParams().get("scope")) || QueryForwarder.wasForwarded(ctx)) {
      return List.of();
    }
    try {
      org.apache.kafka.streams.state.HostInfo me = self.get();
      return hosts.get().stream().filter(h -> !h.equals(me)).toList();
    } catch (RouteContext.NotReadyException e) {
      unavailable(ctx, "not_ready", e.getMessage());
      return null;
    }
  }

  /**
   * Scatter-gather over the nodes that hold parts of a store (counters partitioned like their topic):
   * this node's part from {@code local}, every other node's from {@code uri} on it (which answers its
   * own part only), then {@code combine} of the parts that came. The answer names the nodes that did not
   * answer in {@code unreachable}: a dashboard shows what there is rather than nothing.
   */
  public <T> void gather(RoutingContext ctx, Callable<QueryResult<T>> local, Function<T, JsonObject> render,
      List<org.apache.kafka.streams.state.HostInfo> others, String uri, Function<List<JsonObject>, JsonObject> combine) {
    queries.submit(() -> {
      QueryResult<T> result = local.call();
      if (result instanceof QueryResult.Local<T> mine) {
        return render.apply(mine.value());
      }
      throw new RouteContext.NotReadyException(result instanceof QueryResult.Unavailable<T> u ? u.reason()
          : "this node's part is not local");
    }).onSuccess(mine -> {
      List<Future<JsonObject>> parts = new java.util.ArrayList<>();
      others.forEach(host -> parts.add(forwarder.fetch(ctx, host, uri)));
      Future.join(parts).onComplete(done -> {
        List<JsonObject> answered = new java.util.ArrayList<>();
        answered.add(mine);
        io.vertx.core.json.JsonArray unreachable = new io.vertx.core.json.JsonArray();
        for (int i = 0; i < parts.size(); i++) {
          if (parts.get(i).succeeded()) {
            answered.add(parts.get(i).result());
          } else {
            unreachable.add(others.get(i).host() + ":" + others.get(i).port());
          }
        }
        JsonObject combined;
        try {
          combined = combine.apply(answered);
        } catch (RuntimeException e) {
          ctx.fail(e); // a 500 with the request id, not a request left without an answer
          return;
        }
        ctx.response().putHeader(QueryForwarder.SERVED_BY, nodeId); // the node that gathered the parts
        json(ctx, 200, combined.put("nodes", answered.size()).put("unreachable", unreachable).put("servedBy", nodeId));
      });
    }).onFailure(err -> failed(ctx, err));
  }

  /**
   * The combine of a gathered list: every part's {@code field} array, concatenated (the page is cut by
   * {@link Paging}, which orders the items).
   */
  public static Function<List<JsonObject>, JsonObject> concat(String field) {
    return parts -> {
      io.vertx.core.json.JsonArray all = new io.vertx.core.json.JsonArray();
      parts.forEach(p -> p.getJsonArray(field, new io.vertx.core.json.JsonArray()).forEach(all::add));
      return new JsonObject().put(field, all);
    };
  }

  /**
   * The URI other nodes answer their part of this gathered request on: its path and query parameters
   * (the filters), without the page's ({@code limit}, {@code cursor}: the gathering node pages), with
   * {@code scope=local}.
   */
  public static String partUri(RoutingContext ctx) {
    StringBuilder uri = new StringBuilder(ctx.request().path()).append("?scope=local");
    ctx.queryParams().forEach((name, value) -> {
      if (!List.of("scope", "limit", "cursor").contains(name)) {
        uri.append('&').append(java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8)).append('=')
            .append(java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8));
      }
    });
    return uri.toString();
  }

  /**
   * A 202 for a change that the caller should see take effect (a rule, a policy): answers once the
   * event is written and {@code applied} holds on this node, or {@code timeout} passed; the answer says
   * which ({@code "applied": true|false}) beside what {@code extra} adds.
   */
  public void acceptedOnceApplied(RoutingContext ctx, EventMeta meta, Future<RecordMetadata> sent,
      Callable<Boolean> applied, java.time.Duration timeout, UnaryOperator<JsonObject> extra) {
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    Future<RecordMetadata> waited = sent.compose(md -> until(applied, timeout).map(ok -> {
      done.set(ok);
      return md;
    }));
    accepted(ctx, meta, waited, ack -> extra.apply(ack).put("applied", done.get()));
  }

  /**
   * Completes with true once {@code check} holds (read off the event loop, every 25 ms), or with false
   * after {@code timeout}: for a command whose effect the caller wants to see before the answer (a rule
   * that routes the next record).
   */
  public Future<Boolean> until(Callable<Boolean> check, java.time.Duration timeout) {
    io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
    io.vertx.core.Promise<Boolean> promise = io.vertx.core.Promise.promise();
    long deadline = System.nanoTime() + timeout.toNanos();
    poll(context, check, deadline, promise);
    return promise.future();
  }

  private void poll(io.vertx.core.Context context, Callable<Boolean> check, long deadline,
      io.vertx.core.Promise<Boolean> promise) {
    queries.submit(check).onComplete(done -> {
      if (done.succeeded() && Boolean.TRUE.equals(done.result())) {
        promise.complete(true);
      } else if (System.nanoTime() > deadline) {
        promise.complete(false);
      } else {
        context.owner().setTimer(25, t -> poll(context, check, deadline, promise));
      }
    });
  }

  /**
   * Runs {@code work} on the query pool (off the event loop): for a route that composes its own answer
   * from several parts (oracle's search gathers candidates, then ranks them).
   */
  public <T> Future<T> offLoop(Callable<T> work) {
    return queries.submit(work);
  }

  /** One part of a scatter-gather from {@code host} ({@link QueryForwarder#fetch}), failing after {@code timeout}. */
  public Future<JsonObject> fetch(RoutingContext ctx, org.apache.kafka.streams.state.HostInfo host, String uri,
      java.time.Duration timeout) {
    return forwarder.fetch(ctx, host, uri, timeout.toMillis());
  }

  /** 503 for a not-ready service or a full pool, else a 500: what a failed off-loop part answers. */
  public static void fail(RoutingContext ctx, Throwable err) {
    failed(ctx, err);
  }

  /**
   * A query's result, rendered when local (on the worker), with which replica answered and its lag;
   * {@code asStandby} runs the query again allowing a standby replica here (null: not for this query, or
   * it is that second try).
   */
  private record Answer(QueryResult<?> result, Buffer body, String replica, Long lag, Runnable asStandby,
      boolean standbyRound) {
    Answer(QueryResult<?> result, Buffer body) {
      this(result, body, null, null, null, false);
    }

    Answer freshness(String replica, Long lag) {
      return new Answer(result, body, replica, lag, asStandby, standbyRound);
    }

    Answer retry(Runnable asStandby, boolean standbyRound) {
      return new Answer(result, body, replica, lag, asStandby, standbyRound);
    }
  }

  private <T> Answer rendered(RoutingContext ctx, QueryResult<T> result, Function<T, JsonObject> render) {
    if (result instanceof QueryResult.Local<T> local) {
      return new Answer(result, Paging.apply(ctx, render.apply(local.value())).put("servedBy", nodeId).toBuffer());
    }
    return new Answer(result, null);
  }

  private void answer(RoutingContext ctx, Answer answer) {
    if (answer.result() instanceof QueryResult.Local<?>) {
      ctx.response().setStatusCode(200).putHeader(QueryForwarder.SERVED_BY, nodeId)
          .putHeader(QueryForwarder.REPLICA, answer.replica() == null ? "active" : answer.replica());
      if (answer.lag() != null) {
        ctx.response().putHeader(QueryForwarder.LAG, Long.toString(answer.lag()));
      }
      ctx.response().putHeader("Content-Type", "application/json").end(answer.body());
    } else if (answer.result() instanceof QueryResult.Remote<?> remote) {
      if (answer.standbyRound()) {
        // the active's node did not answer and no replica here can: another node's standby
        org.apache.kafka.streams.state.HostInfo standby = remote.standbys().stream()
            .filter(h -> !h.equals(remote.owner())).findFirst().orElse(null);
        if (standby == null || QueryForwarder.wasForwarded(ctx)) {
          unreachable(ctx, remote.owner(), null);
        } else {
          forwarder.forwardToStandby(ctx, standby, err -> unreachable(ctx, standby, err));
        }
        return;
      }
      forwarder.forward(ctx, remote.owner(), err -> {
        if (answer.asStandby() != null && !remote.standbys().isEmpty()) {
          answer.asStandby().run(); // a standby replica answers: this node's, else another node's
        } else {
          unreachable(ctx, remote.owner(), err);
        }
      });
    } else if (answer.result() instanceof QueryResult.Unavailable<?> unavailable) {
      unavailable(ctx, "not_ready", unavailable.reason());
    }
  }

  /** 503 with Retry-After: no replica of the key answers now (the owner crashed; reassignment follows). */
  private static void unreachable(RoutingContext ctx, org.apache.kafka.streams.state.HostInfo host, Throwable err) {
    unavailable(ctx, "owner_unreachable", "node " + host.host() + ":" + host.port() + " owning this key did not answer"
        + (err == null ? "" : " (" + err.getMessage() + ")") + " and no standby replica could; the key is "
        + "reassigned to a live node shortly");
  }

  private static void failed(RoutingContext ctx, Throwable err) {
    if (err instanceof RouteContext.NotReadyException) {
      unavailable(ctx, "not_ready", err.getMessage());
    } else if (err instanceof OffLoop.OverloadedException) {
      unavailable(ctx, "overloaded", err.getMessage());
    } else {
      ctx.fail(err);
    }
  }

  /** 503 with Retry-After: nothing happened, the same request may succeed in a moment. */
  public static void unavailable(RoutingContext ctx, String code, String message) {
    ctx.response().putHeader("Retry-After", "1");
    ApiError.send(ctx, 503, code, message);
  }

  /** Writes {@code body}; a 200 of a list is the page the request asked for ({@link Paging}). */
  public static void json(RoutingContext ctx, int status, JsonObject body) {
    if (status == 200) {
      body = Paging.apply(ctx, body);
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }
}
