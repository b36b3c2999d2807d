package io.poseidon.gateway;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What the operations commands ({@link OpsCommands}) share to talk to a gateway: where it is, the API key
 * ({@link ClientCredentials}), GET and POST with JSON (a 503 retried after its Retry-After), and the errors
 * as {@link Failure}s that carry the exit code ({@link ClientCommands#EXIT_REJECTED} ...).
 */
final class CliHttp {

  private static final int MAX_RETRIES = 5;

  final String base;
  final Optional<String> apiKey;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  CliHttp(String url, String apiKey) {
    String u = url != null ? url : System.getenv().getOrDefault("POSEIDON_URL", "http://localhost:8080");
    this.base = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    this.apiKey = ClientCredentials.apiKey(apiKey);
  }

  /** An answer: status, body and headers. */
  record Answer(int status, String body, HttpHeaders headers) {
    JsonObject json() {
      return parse(body);
    }

    Optional<String> header(String name) {
      return headers.firstValue(name);
    }

    /** Who answered a store query: {@code Poseidon-Served-By}, {@code -Replica}, {@code -Lag} (those sent). */
    JsonObject meta() {
      JsonObject meta = new JsonObject();
      header("Poseidon-Served-By").ifPresent(v -> meta.put("servedBy", v));
      header("Poseidon-Replica").ifPresent(v -> meta.put("replica", v));
      header("Poseidon-Lag").ifPresent(v -> {
        try {
          meta.put("lag", Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
          meta.put("lag", v);
        }
      });
      return meta;
    }
  }

  /** A command that cannot go on: the message to print and the exit code. */
  static final class Failure extends RuntimeException {
    final int exit;

    Failure(int exit, String message) {
      super(message, null, false, false);
      this.exit = exit;
    }
  }

  Failure unreachable() {
    return new Failure(ClientCommands.EXIT_UNREACHABLE, "cannot reach the gateway at " + base
        + " (is a node running? ./poseidon dev starts one; --url or POSEIDON_URL for another)");
  }

  HttpRequest.Builder request(String path) {
    return ClientCredentials.with(HttpRequest.newBuilder(URI.create(base + path)), apiKey);
  }

  Answer get(String path) throws InterruptedException {
    return send(request(path).timeout(Duration.ofSeconds(40)).GET().build());
  }

  Answer post(String path, JsonObject body, Map<String, String> headers) throws InterruptedException {
    HttpRequest.Builder request = request(path).timeout(Duration.ofSeconds(40)).header("Content-Type", "application/json");
    headers.forEach(request::header);
    return send(request.POST(HttpRequest.BodyPublishers.ofString(body.encode())).build());
  }

  /** Sends, retrying a 503 after Retry-After (Kafka busy, a store rebalancing); the last answer. */
  Answer send(HttpRequest request) throws InterruptedException {
    HttpResponse<String> response = null;
    for (int attempt = 0; attempt <= MAX_RETRIES; attempt++) {
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (ConnectException | HttpConnectTimeoutException e) {
        throw unreachable();
      } catch (IOException e) {
        if (e.getCause() instanceof ConnectException) {
          throw unreachable();
        }
        throw new Failure(ClientCommands.EXIT_UNREACHABLE, "the gateway at " + base + " did not answer: " + e);
      }
      if (response.statusCode() != 503 || attempt == MAX_RETRIES) {
        break;
      }
      long wait = response.headers().firstValue("Retry-After").map(CliHttp::seconds).orElse(1L);
      Thread.sleep(Math.min(wait * 1000L, 5_000L));
    }
    return new Answer(response.statusCode(), response.body(), response.headers());
  }

  private static long seconds(String value) {
    try {
      return Math.max(0, Long.parseLong(value.trim()));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  /**
   * The failure for an answer that is not what the command needs: the gateway's message and each field
   * error on a line of its own; a 4xx is a refusal (1), a 400 a usage error (2), a 504 position not reached
   * (4), a 5xx the gateway not able to answer (3).
   */
  static Failure failure(String what, Answer answer) {
    JsonObject error = answer.json();
    StringBuilder message = new StringBuilder(what).append(": HTTP ").append(answer.status());
    if (error.getString("code") != null) {
      message.append(' ').append(error.getString("code"));
    }
    message.append(": ").append(error.getString("message", answer.body().isBlank() ? "(no body)" : answer.body()));
    message.append(fieldErrors(error));
    int status = answer.status();
    int exit = status == 400 ? ClientCommands.EXIT_USAGE
        : status == 504 ? ClientCommands.EXIT_TIMEOUT
        : status >= 500 ? ClientCommands.EXIT_UNREACHABLE
        : ClientCommands.EXIT_REJECTED;
    return new Failure(exit, message.toString());
  }

  /** The error's details, one {@code field: message} a line. */
  static String fieldErrors(JsonObject error) {
    Object details = error.getValue("details");
    if (!(details instanceof JsonArray list) || list.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    for (Object d : list) {
      if (d instanceof JsonObject detail) {
        out.append("\n  ").append(detail.getString("field", "?")).append(": ").append(detail.getString("message", ""));
      }
    }
    return out.toString();
  }

  static JsonObject parse(String body) {
    try {
      return body == null || body.isBlank() ? new JsonObject() : new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject();
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** A path segment: anything but unreserved characters escaped. */
  static String seg(String s) {
    return enc(s).replace("+", "%20");
  }
}
