package io.poseidon.gateway.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The one error shape of the gateway: {@code {"code", "message", "details":[{"field","message"}],
 * "requestId"}}. Codes are stable snake_case words clients can switch on.
 */
public final class ApiError {

  private ApiError() {}

  public static void send(RoutingContext ctx, int status, String code, String message) {
    send(ctx, status, code, message, List.of());
  }

  public static void send(RoutingContext ctx, int status, String code, String message, List<FieldError> details) {
    send(ctx.response(), RequestIds.of(ctx), status, code, message, details);
  }

  /** For answers outside a route (the server's own: a request line too long, headers too large). */
  static void send(HttpServerResponse response, String requestId, int status, String code, String message,
      List<FieldError> details) {
    if (response.ended() || response.headWritten()) {
      return;
    }
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader(RequestIds.HEADER, requestId)
        .end(body(status, code, message, details, requestId).encode());
  }

  static JsonObject body(int status, String code, String message, List<FieldError> details, String requestId) {
    JsonArray detailJson = new JsonArray();
    details.forEach(d -> detailJson.add(new JsonObject().put("field", d.field()).put("message", d.message())));
    return new JsonObject()
        .put("code", code)
        .put("message", message)
        .put("details", detailJson)
        .put("requestId", requestId);
  }
}
