package io.poseidon.gateway.http;

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
    if (ctx.response().ended()) {
      return;
    }
    JsonArray detailJson = new JsonArray();
    details.forEach(d -> detailJson.add(new JsonObject().put("field", d.field()).put("message", d.message())));
    JsonObject body = new JsonObject()
        .put("code", code)
        .put("message", message)
        .put("details", detailJson)
        .put("requestId", RequestIds.of(ctx));
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }
}
