package io.poseidon.gateway.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Forwards a request to the node that owns the key (interactive queries: Kafka Streams'
 * {@code application.server} of that node) and relays its answer. The forwarded request keeps what
 * the caller said about itself — credentials (the owner authenticates and authorizes again), trace
 * context, request id, idempotency key — so the owner acts and logs exactly as if it had been called directly. It carries {@code X-Poseidon-Forwarded-By}; a
 * node that receives a forwarded request for a key it does not own answers 503 (ownership is moving)
 * rather than forwarding again, so requests never loop.
 */
public final class QueryForwarder {

  public static final String FORWARDED_BY = "X-Poseidon-Forwarded-By";
  /** The node whose store answered a query. */
  public static final String SERVED_BY = "Poseidon-Served-By";
  /** {@code active} or {@code standby}: which replica of the store answered. */
  public static final String REPLICA = "Poseidon-Replica";
  /** Records the answering replica was behind the end of its input or changelog, when known. */
  public static final String LAG = "Poseidon-Lag";

  /** Request headers that travel with a forwarded request. */
  static final List<String> FORWARDED_HEADERS = List.of("Authorization",
      io.poseidon.gateway.http.auth.AccessControl.API_KEY_HEADER, "traceparent", "tracestate",
      IdempotentIds.HEADER, "Content-Type", "Accept", "If-Match", ReadBound.HEADER);
  /** The caller's credentials: a part of a scatter-gather is asked with them. */
  static final List<String> CREDENTIAL_HEADERS = List.of("Authorization",
      io.poseidon.gateway.http.auth.AccessControl.API_KEY_HEADER);
  /** Response headers relayed back to the caller. */
  static final List<String> RELAYED_HEADERS = List.of("Content-Type", SERVED_BY, REPLICA, LAG, "Retry-After", "Allow",
      ReadBound.HEADER);

  private final HttpClient client;
  private final String nodeId;

  public QueryForwarder(Vertx vertx, String nodeId) {
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2_000).setIdleTimeout(30),
        new PoolOptions().setHttp1MaxSize(16));
    this.nodeId = nodeId;
  }

  /** Marks a forwarded query a standby of the key may answer (the active's node did not). */
  public static final String STANDBY_READ = "X-Poseidon-Standby-Read";

  /** Whether another node asked this one as a standby replica of the key. */
  public static boolean isStandbyRead(RoutingContext ctx) {
    return wasForwarded(ctx) && "true".equals(ctx.request().getHeader(STANDBY_READ));
  }

  public static boolean wasForwarded(RoutingContext ctx) {
    return ctx.request().getHeader(FORWARDED_BY) != null;
  }

  /** Forwards to {@code owner}; when it cannot be reached, 503 with Retry-After. */
  public void forward(RoutingContext ctx, HostInfo owner) {
    forward(ctx, owner, err -> {
      ctx.response().putHeader("Retry-After", "1");
      ApiError.send(ctx, 503, "owner_unreachable",
          "node " + owner.host() + ":" + owner.port() + " owning this key did not answer: " + err.getMessage());
    });
  }

  /** Forwards to {@code owner}; {@code unreachable} decides what to answer when it cannot be reached. */
  public void forward(RoutingContext ctx, HostInfo owner, io.vertx.core.Handler<Throwable> unreachable) {
    send(ctx, owner, false, unreachable);
  }

  /** Forwards to a node holding a standby replica of the key, which answers from it (marked {@code standby}). */
  public void forwardToStandby(RoutingContext ctx, HostInfo standby, io.vertx.core.Handler<Throwable> unreachable) {
    send(ctx, standby, true, unreachable);
  }

  private void send(RoutingContext ctx, HostInfo owner, boolean standby, io.vertx.core.Handler<Throwable> unreachable) {
    if (wasForwarded(ctx)) {
      ctx.response().putHeader("Retry-After", "1");
      ApiError.send(ctx, 503, "owner_moving", "the owner of this key is changing; retry shortly");
      return;
    }
    RequestOptions options = new RequestOptions()
        .setMethod(ctx.request().method())
        .setHost(owner.host())
        .setPort(owner.port())
        .setURI(ctx.request().uri())
        .setTimeout(timeoutOf(ctx))
        .putHeader(FORWARDED_BY, nodeId)
        .putHeader(RequestIds.HEADER, RequestIds.of(ctx));
    if (standby) {
      options.putHeader(STANDBY_READ, "true");
    }
    for (String header : FORWARDED_HEADERS) {
      String value = ctx.request().getHeader(header);
      if (value != null) {
        options.putHeader(header, value);
      }
    }
    String traceparent = HttpTracing.traceparent(ctx);
    if (traceparent != null) {
      options.putHeader(io.poseidon.topology.tracing.Tracing.HEADER, traceparent); // the owner's span: a child of ours
    }
    Buffer body = ctx.body() == null || ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
    client.request(options)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> relay(ctx, resp, b)))
        .onFailure(err -> {
          if (!ctx.response().headWritten()) {
            unreachable.handle(err);
          }
        });
  }

  /** 5 s, or a read-your-writes query's own ?timeout= and a second more. */
  private static long timeoutOf(RoutingContext ctx) {
    String timeout = ctx.queryParams().get("timeout");
    if (timeout != null) {
      try {
        return Math.max(5_000, io.poseidon.topology.config.DurationValidator.parse(timeout).toMillis() + 1_000);
      } catch (IllegalArgumentException e) {
        return 5_000;
      }
    }
    return 5_000;
  }

  /**
   * GET {@code uri} from {@code host} as part of a scatter-gather (marked forwarded, so that node answers
   * from its own stores): the JSON body of a 200, else a failed future naming the status.
   */
  public io.vertx.core.Future<io.vertx.core.json.JsonObject> fetch(RoutingContext ctx, HostInfo host, String uri) {
    return fetch(ctx, host, uri, 5_000);
  }

  /** As {@link #fetch(RoutingContext, HostInfo, String)}, failing after {@code timeoutMs}. */
  public io.vertx.core.Future<io.vertx.core.json.JsonObject> fetch(RoutingContext ctx, HostInfo host, String uri,
      long timeoutMs) {
    RequestOptions options = new RequestOptions()
        .setMethod(io.vertx.core.http.HttpMethod.GET)
        .setHost(host.host())
        .setPort(host.port())
        .setURI(uri)
        .setTimeout(timeoutMs)
        .putHeader(FORWARDED_BY, nodeId)
        .putHeader(RequestIds.HEADER, RequestIds.of(ctx));
    for (String header : CREDENTIAL_HEADERS) {
      String value = ctx.request().getHeader(header);
      if (value != null) {
        options.putHeader(header, value); // the other node authenticates the caller again
      }
    }
    return client.request(options)
        .compose(req -> req.send())
        .compose(resp -> resp.body().compose(b -> resp.statusCode() == 200
            ? io.vertx.core.Future.succeededFuture(b.toJsonObject())
            : io.vertx.core.Future.failedFuture(host.host() + ":" + host.port() + " answered " + resp.statusCode())));
  }

  private static Void relay(RoutingContext ctx, HttpClientResponse resp, Buffer body) {
    ctx.response().setStatusCode(resp.statusCode());
    for (String header : RELAYED_HEADERS) {
      String value = resp.getHeader(header);
      if (value != null) {
        ctx.response().putHeader(header, value);
      }
    }
    ctx.response().end(body);
    return null;
  }

  public void close() {
    client.close();
  }
}
