package io.poseidon.gateway;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A client of the live stream ({@code GET /api/v1/stream}, Server-Sent Events; docs/live.md): reads
 * events until {@link #close}, and after a dropped connection (or an eviction as a slow client) connects
 * again with the last {@code id:} as {@code Last-Event-ID}, so no event is missed; an event at or before
 * the last offset seen of its partition is never delivered twice. Heartbeats are skipped; the server's
 * other comments ({@code evicted: ...}, {@code closed: ...}) go to the listener.
 */
final class EventStream implements AutoCloseable {

  /** One event: the SSE {@code id:} (the position), {@code event:} (the type) and the message. */
  record Event(String id, String type, JsonObject message) {
    JsonObject value() {
      return message.getJsonObject("value", new JsonObject());
    }

    /** The event's payload (the value's {@code payload}, or the value itself without an envelope). */
    JsonObject payload() {
      return value().getValue("payload") instanceof JsonObject p ? p : value();
    }
  }

  /** What a stream tells its user; called on the thread that runs {@link #run}. */
  interface Listener {
    /** The server took the stream (its {@code : connected} comment); again after each reconnect. */
    default void connected(boolean first) {}

    void event(Event event);

    /** A comment of the server other than heartbeats and {@code connected}, e.g. {@code evicted: slow consumer}. */
    default void comment(String text) {}

    /** The connection dropped; reconnecting from {@code lastId} (null: from the start asked for). */
    default void reconnecting(String lastId, String why) {}
  }

  private final CliHttp http;
  private final String query;
  private final Duration maxRetryWait;
  private volatile boolean closed;
  private volatile InputStream current;
  private volatile String lastId;
  private long retryMs = 2000;
  private final Map<String, Long> lastOffsets = new HashMap<>();
  private final CountDownLatch firstConnect = new CountDownLatch(1);

  /**
   * @param query the stream's query string without {@code from} ({@code topics=...&key=...})
   * @param from latest, earliest, a position, or null (latest)
   */
  EventStream(CliHttp http, String query, String from) {
    this(http, query, from, Duration.ofSeconds(5));
  }

  EventStream(CliHttp http, String query, String from, Duration maxRetryWait) {
    this.http = http;
    this.query = from == null || from.isBlank() ? query : query + "&from=" + CliHttp.enc(from);
    this.maxRetryWait = maxRetryWait;
  }

  /** The id of the last event delivered (what a reconnect resumes after). */
  String lastId() {
    return lastId;
  }

  /** Waits until the server took the stream for the first time: events from then on are delivered. */
  boolean awaitConnected(Duration timeout) throws InterruptedException {
    return firstConnect.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Reads until {@link #close} (or the thread is interrupted). The first connection's refusal is a
   * {@link CliHttp.Failure} (unreachable, 4xx); later ones are retried.
   */
  void run(Listener listener) throws InterruptedException {
    boolean first = true;
    boolean everConnected = false;
    while (!closed) {
      HttpRequest.Builder request = http.request("/api/v1/stream?" + query).header("Accept", "text/event-stream").GET();
      if (lastId != null) {
        request.header("Last-Event-ID", lastId);
      }
      String why;
      try {
        HttpResponse<InputStream> response = http.http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() == 200) {
          current = response.body();
          if (closed) {
            response.body().close();
            return;
          }
          boolean wasConnected = read(response.body(), listener, first);
          everConnected |= wasConnected;
          first &= !wasConnected;
          why = "the server ended the stream";
        } else {
          String body = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
          CliHttp.Answer answer = new CliHttp.Answer(response.statusCode(), body, response.headers());
          if (response.statusCode() != 503 && (!everConnected || response.statusCode() / 100 == 4)) {
            throw CliHttp.failure("the live stream (GET /api/v1/stream) was refused", answer);
          }
          why = "HTTP " + response.statusCode() + " " + answer.json().getString("message", "");
        }
      } catch (ConnectException | HttpConnectTimeoutException e) {
        if (!everConnected) {
          throw http.unreachable();
        }
        why = "cannot reach " + http.base;
      } catch (IOException e) {
        if (closed) {
          return;
        }
        if (!everConnected && e.getCause() instanceof ConnectException) {
          throw http.unreachable();
        }
        why = "connection lost (" + e.getMessage() + ")";
      }
      if (closed) {
        return;
      }
      listener.reconnecting(lastId, why);
      Thread.sleep(Math.min(retryMs, maxRetryWait.toMillis()));
    }
  }

  /** Reads one response; whether the server said it connected. */
  private boolean read(InputStream body, Listener listener, boolean first) throws IOException {
    boolean connected = false;
    BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    String id = null;
    String type = null;
    StringBuilder data = new StringBuilder();
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) {
        if (data.length() > 0) {
          deliver(id, type, data.toString(), listener);
        }
        id = null;
        type = null;
        data.setLength(0);
      } else if (line.startsWith(":")) {
        String text = line.substring(1).strip();
        if (text.startsWith("connected")) {
          connected = true;
          listener.connected(first);
          firstConnect.countDown();
        } else if (!text.equals("heartbeat")) {
          listener.comment(text);
        }
      } else {
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
          value = value.substring(1);
        }
        switch (field) {
          case "id" -> id = value;
          case "event" -> type = value;
          case "data" -> data.append(data.length() > 0 ? "\n" : "").append(value);
          case "retry" -> {
            try {
              retryMs = Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
              // keep the last one
            }
          }
          default -> { }
        }
      }
    }
    return connected;
  }

  private void deliver(String id, String type, String data, Listener listener) {
    JsonObject message = CliHttp.parse(data);
    String topic = message.getString("topic");
    Object offset = message.getValue("offset");
    if (topic != null && offset instanceof Number n) {
      String partition = topic + ":" + message.getValue("partition");
      Long seen = lastOffsets.get(partition);
      if (seen != null && n.longValue() <= seen) {
        return; // already delivered (a server resuming from an older position)
      }
      lastOffsets.put(partition, n.longValue());
    }
    if (id != null && !id.isBlank()) {
      lastId = id;
    }
    listener.event(new Event(id, type != null ? type : message.getString("type"), message));
  }

  /** Ends {@link #run}: the open response is closed. */
  @Override
  public void close() {
    closed = true;
    InputStream in = current;
    if (in != null) {
      try {
        in.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
