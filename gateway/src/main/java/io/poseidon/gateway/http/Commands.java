package io.poseidon.gateway.http;

import io.vertx.core.Handler;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/** Small helpers shared by the routes: JSON body, caller identity, trace context, blocking work. */
public final class Commands {

  private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

  private Commands() {}

  /** The body as a JSON object, or null after answering 400 (not JSON, not an object, empty). */
  public static JsonObject jsonBody(RoutingContext ctx) {
    String raw = ctx.body() == null ? null : ctx.body().asString();
    if (raw == null || raw.isBlank()) {
      ApiError.send(ctx, 400, "invalid_json", "the request body must be a JSON object",
          List.of(new FieldError("body", "is empty")));
      return null;
    }
    try {
      Object parsed = io.vertx.core.json.Json.decodeValue(raw);
      if (parsed instanceof JsonObject obj) {
        return obj;
      }
      ApiError.send(ctx, 400, "invalid_json", "the request body must be a JSON object",
          List.of(new FieldError("body", "is a JSON " + (parsed == null ? "null" : parsed.getClass().getSimpleName()))));
    } catch (DecodeException e) {
      ApiError.send(ctx, 400, "invalid_json", "the request body is not valid JSON",
          List.of(new FieldError("body", e.getMessage())));
    }
    return null;
  }

  /** An optional body (a cancel's reason): an empty object when there is none, null after answering 400. */
  public static JsonObject optionalJsonBody(RoutingContext ctx) {
    return ctx.body() == null || ctx.body().length() == 0 ? new JsonObject() : jsonBody(ctx);
  }

  /** Who is calling. Until authentication lands this is the X-Poseidon-Actor header, or anonymous. */
  public static String actor(RoutingContext ctx) {
    String actor = ctx.request().getHeader("X-Poseidon-Actor");
    return actor == null || actor.isBlank() || actor.length() > 128 ? "anonymous" : actor;
  }

  /** The caller's W3C traceparent when well-formed, so the trace continues through Kafka. */
  public static String traceparent(RoutingContext ctx) {
    String tp = ctx.request().getHeader("traceparent");
    return tp != null && TRACEPARENT.matcher(tp).matches() ? tp : null;
  }

  /** Runs {@code work} off the event loop (store scans), then {@code then} back on it. */
  public static <T> void blocking(RoutingContext ctx, Callable<T> work, Handler<T> then) {
    ctx.vertx().<T>executeBlocking(work, false)
        .onSuccess(then)
        .onFailure(ctx::fail);
  }
}
