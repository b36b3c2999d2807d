package io.poseidon.gateway.http;

import io.poseidon.gateway.http.auth.Principal;
import io.poseidon.gateway.http.auth.Role;
import io.poseidon.gateway.live.LiveClient;
import io.poseidon.gateway.live.LiveHub;
import io.poseidon.gateway.live.LiveMessage;
import io.poseidon.gateway.live.StreamFilter;
import io.poseidon.gateway.live.StreamPosition;
import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.catalog.TopicSpec;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/stream}: live events of public topics as Server-Sent Events ({@code Accept:
 * text/event-stream}) or over a WebSocket (an upgrade request), filtered by key, type and value fields,
 * resumable from a position ({@code Last-Event-ID} or {@code ?from=}) without gaps or duplicates. The
 * events come from the node's {@link LiveHub}: one consumer per topic, whatever the number of clients.
 * See docs/live.md.
 */
public final class StreamRoutes implements ServiceRoutes {

  private static final Logger log = LoggerFactory.getLogger(StreamRoutes.class);
  public static final int MAX_TOPICS = 20;
  static final String OWNER_NEEDING_ADMIN = "anchor";

  /** How streams behave (http.stream.* settings). */
  public record Settings(int clientBuffer, long heartbeatMs) {}

  private final Vertx vertx;
  private final LiveHub hub;
  private final TopicCatalog catalog;
  private final OffLoop workers;
  private final Settings settings;
  private final String nodeId;

  public StreamRoutes(Vertx vertx, LiveHub hub, TopicCatalog catalog, OffLoop workers, Settings settings, String nodeId) {
    this.vertx = vertx;
    this.hub = hub;
    this.catalog = catalog;
    this.workers = workers;
    this.settings = settings;
    this.nodeId = nodeId;
  }

  @Override
  public void bind(Operations operations) {
    operations.on("stream", this::stream);
  }

  /** What a request asked for, once checked. */
  record Request(Set<String> topics, StreamFilter filter, LiveHub.Start start) {}

  private void stream(RoutingContext ctx) {
    boolean websocket = "websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"));
    String accept = ctx.request().getHeader("Accept");
    if (!websocket && (accept == null || !accept.contains("text/event-stream"))) {
      ApiError.send(ctx, 406, "not_acceptable", "the stream is Server-Sent Events (send Accept: text/event-stream) "
          + "or a WebSocket (an upgrade request); see docs/live.md");
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    Request request = parse(ctx, errors);
    if (!errors.isEmpty()) {
      ApiError.send(ctx, 400, "validation_failed", "the stream request is not valid", errors);
      return;
    }
    String refused = refusal(Principal.of(ctx), request);
    if (refused != null) {
      ApiError.send(ctx, 403, "forbidden", refused);
      return;
    }
    if (websocket) {
      webSocket(ctx, request);
    } else {
      serverSentEvents(ctx, request);
    }
  }

  Request parse(RoutingContext ctx, List<FieldError> errors) {
    Set<String> topics = new LinkedHashSet<>();
    for (String topic : values(ctx, "topics")) {
      java.util.Optional<TopicSpec> spec = catalog.byName(topic);
      if (spec.isEmpty() || spec.get().valueSchema() == null) {
        errors.add(new FieldError("topics", topic + " is not a public topic (GET /api/v1/topics lists them)"));
      } else {
        topics.add(topic);
      }
    }
    if (topics.isEmpty() && errors.isEmpty()) {
      errors.add(new FieldError("topics", "name at least one topic, e.g. topics=harbor.deployment-events"));
    }
    if (topics.size() > MAX_TOPICS) {
      errors.add(new FieldError("topics", "at most " + MAX_TOPICS + " topics per stream"));
    }
    List<StreamFilter.Field> fields = List.of();
    try {
      fields = StreamFilter.fields(ctx.queryParam("filter"));
    } catch (IllegalArgumentException e) {
      errors.add(new FieldError("filter", e.getMessage()));
    }
    StreamFilter filter = new StreamFilter(Set.copyOf(values(ctx, "key")), Set.copyOf(values(ctx, "type")), fields);
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    String from = lastEventId != null && !lastEventId.isBlank() ? lastEventId : ctx.queryParams().get("from");
    String fromField = lastEventId != null && !lastEventId.isBlank() ? "Last-Event-ID" : "from";
    LiveHub.Start start = new LiveHub.Start.Latest();
    if (from != null && !from.isBlank() && !"latest".equals(from)) {
      if ("earliest".equals(from)) {
        start = new LiveHub.Start.Earliest();
      } else {
        try {
          StreamPosition position = StreamPosition.parse(from);
          Set<String> others = new java.util.TreeSet<>(position.topics());
          others.removeAll(topics);
          if (!others.isEmpty()) {
            errors.add(new FieldError(fromField, "names topics the stream does not read: " + others));
          }
          start = new LiveHub.Start.From(position);
        } catch (IllegalArgumentException e) {
          errors.add(new FieldError(fromField, "latest, earliest or a position (topic:partition:offset,...): "
              + e.getMessage()));
        }
      }
    }
    return new Request(topics, filter, start);
  }

  /** Comma-separated values of every occurrence of query parameter {@code name}. */
  private static List<String> values(RoutingContext ctx, String name) {
    List<String> out = new ArrayList<>();
    for (String value : ctx.queryParam(name)) {
      for (String part : value.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    }
    return out;
  }

  /**
   * Why {@code principal} may not read the stream, or null: anchor's topics are for admins (configuration
   * may be sensitive); a principal limited to some services names one of them in {@code filter=service:...}.
   */
  String refusal(Principal principal, Request request) {
    for (String topic : request.topics()) {
      TopicSpec spec = catalog.byName(topic).orElseThrow();
      if (OWNER_NEEDING_ADMIN.equals(spec.owner()) && !principal.role().covers(Role.ADMIN)) {
        return topic + " is anchor's: streaming it needs the admin role";
      }
    }
    if (!principal.services().isEmpty()) {
      boolean limited = !request.filter().fields().isEmpty() && request.filter().fields().stream()
          .anyMatch(f -> f.path().length == 1 && f.path()[0].equals("service") && principal.services().contains(f.value()));
      if (!limited) {
        return principal.name() + " may only stream events of " + new java.util.TreeSet<>(principal.services())
            + ": add filter=service:<one of them>";
      }
    }
    return null;
  }

  private void serverSentEvents(RoutingContext ctx, Request request) {
    HttpServerResponse response = ctx.response();
    response.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Content-Encoding", "identity") // never compressed: each event must leave at once
        .putHeader("X-Accel-Buffering", "no")
        .putHeader(QueryForwarder.SERVED_BY, nodeId);
    Context context = vertx.getOrCreateContext();
    SseSink sink = new SseSink(response);
    LiveClient client = new LiveClient(context, sink, request.filter(), settings.clientBuffer(), request.topics());
    sink.client = client;
    admit(client, request.start(), () -> {
      if (!response.closed()) {
        response.write("retry: 2000\n: connected to " + nodeId + "\n\n");
      }
    }, err -> {
      if (!response.headWritten()) {
        response.setChunked(false).headers().remove("Content-Encoding");
        fail(ctx, err);
      } else {
        response.end(": closed: " + err.getMessage() + "\n\n");
      }
    });
    long heartbeat = vertx.setPeriodic(settings.heartbeatMs(), t -> client.heartbeat());
    response.closeHandler(v -> {
      vertx.cancelTimer(heartbeat);
      hub.unsubscribe(client, sink.evicted);
    });
    response.endHandler(v -> {
      vertx.cancelTimer(heartbeat);
      hub.unsubscribe(client, sink.evicted);
    });
  }

  private void webSocket(RoutingContext ctx, Request request) {
    ctx.request().toWebSocket().onFailure(err -> {
      if (!ctx.response().ended()) {
        ApiError.send(ctx, 400, "bad_request", "the WebSocket upgrade failed: " + err.getMessage());
      }
    }).onSuccess(socket -> {
      Context context = vertx.getOrCreateContext();
      WebSocketSink sink = new WebSocketSink(socket);
      LiveClient client = new LiveClient(context, sink, request.filter(), settings.clientBuffer(), request.topics());
      socket.textMessageHandler(text -> { }); // the stream takes no messages; frame and message sizes are limited
      socket.binaryMessageHandler(bytes -> { });
      long heartbeat = vertx.setPeriodic(settings.heartbeatMs(), t -> client.heartbeat());
      socket.closeHandler(v -> {
        vertx.cancelTimer(heartbeat);
        hub.unsubscribe(client, sink.evicted);
      });
      admit(client, request.start(), () -> { }, err -> {
        if (!socket.isClosed()) {
          socket.close((short) (err instanceof LiveHub.BusyException ? 1013 : 1011), reason(err.getMessage()));
        }
      });
    });
  }

  /** Subscribes off the event loop (starting a feed reads Kafka metadata), then runs one of the two on the loop. */
  private void admit(LiveClient client, LiveHub.Start start, Runnable admitted,
      java.util.function.Consumer<Throwable> refused) {
    workers.submit(() -> {
      hub.subscribe(client, start);
      return null;
    }).onSuccess(v -> admitted.run()).onFailure(err -> {
      client.close();
      hub.unsubscribe(client, false);
      if (!(err instanceof LiveHub.BusyException) && !(err instanceof OffLoop.OverloadedException)) {
        log.warn("Could not start a live stream of {}: {}", client.topics(), err.toString());
      }
      refused.accept(err);
    });
  }

  private static void fail(RoutingContext ctx, Throwable err) {
    if (err instanceof LiveHub.BusyException || err instanceof OffLoop.OverloadedException) {
      Responses.unavailable(ctx, "overloaded", err.getMessage());
    } else if (err instanceof IllegalStateException) {
      Responses.unavailable(ctx, "not_ready", err.getMessage());
    } else {
      ctx.fail(err);
    }
  }

  /** A WebSocket close reason fits in 123 bytes. */
  static String reason(String message) {
    String m = message == null ? "" : message;
    return m.length() > 120 ? m.substring(0, 117) + "..." : m;
  }

  /** Events as SSE: {@code id:} the position, {@code event:} the type, {@code data:} the message. */
  private static final class SseSink implements LiveClient.Sink {
    private final HttpServerResponse response;
    private final StringBuilder pending = new StringBuilder();
    LiveClient client;
    volatile boolean evicted;

    SseSink(HttpServerResponse response) {
      this.response = response;
    }

    @Override
    public void write(LiveMessage message, String position) {
      pending.append("id: ").append(position).append("\nevent: ").append(message.type())
          .append("\ndata: ").append(message.withPosition(position)).append("\n\n");
    }

    @Override
    public void flush() {
      if (!pending.isEmpty() && !response.closed()) {
        response.write(pending.toString());
      }
      pending.setLength(0);
    }

    @Override
    public boolean writeQueueFull() {
      // a closed response throws on writeQueueFull(); its client is being removed: nothing waits for it
      return !response.closed() && response.writeQueueFull();
    }

    @Override
    public void onDrain(Runnable drained) {
      response.drainHandler(v -> drained.run());
    }

    @Override
    public void heartbeat() {
      if (!response.closed()) {
        response.write(": heartbeat\n\n");
      }
    }

    @Override
    public void evict(String reason) {
      evicted = true;
      if (!response.closed()) {
        response.end(": evicted: " + reason + "\n\n");
      }
    }
  }

  /** Events over a WebSocket: one text frame each. */
  private static final class WebSocketSink implements LiveClient.Sink {
    private final ServerWebSocket socket;
    volatile boolean evicted;

    WebSocketSink(ServerWebSocket socket) {
      this.socket = socket;
    }

    @Override
    public void write(LiveMessage message, String position) {
      if (!socket.isClosed()) {
        socket.writeTextMessage(message.withPosition(position));
      }
    }

    @Override
    public void flush() {
    }

    @Override
    public boolean writeQueueFull() {
      // a closed socket throws on writeQueueFull() ("WebSocket is closed", unhandled on the event loop);
      // its client is being removed: nothing waits for it
      return !socket.isClosed() && socket.writeQueueFull();
    }

    @Override
    public void onDrain(Runnable drained) {
      socket.drainHandler(v -> drained.run());
    }

    @Override
    public void heartbeat() {
      if (!socket.isClosed()) {
        socket.writePing(Buffer.buffer("heartbeat"));
      }
    }

    @Override
    public void evict(String reason) {
      evicted = true;
      if (!socket.isClosed()) {
        socket.close((short) 1008, reason(reason));
      }
    }
  }
}
