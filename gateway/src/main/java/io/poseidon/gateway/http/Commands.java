package io.poseidon.gateway.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Small helpers shared by the routes: the JSON body, the caller's identity and trace context, field errors. */
public final class Commands {

  private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

  private Commands() {}

  /**
   * The request's JSON object body, already checked (strict JSON, application/json) and validated
   * against the contract; an empty object when the request had none (an optional body).
   */
  public static JsonObject body(RoutingContext ctx) {
    return Bodies.parsed(ctx) instanceof JsonObject obj ? obj : new JsonObject();
  }

  /** Who is calling, as access control established it: what events record as their actor. */
  public static String actor(RoutingContext ctx) {
    return io.poseidon.gateway.http.auth.Principal.of(ctx).actor();
  }

  /**
   * The traceparent of the request's server span ({@link HttpTracing}: a child of the caller's
   * {@code traceparent}, or the root of a new trace), so the trace continues through Kafka; without a
   * server span, the caller's header when well-formed.
   */
  public static String traceparent(RoutingContext ctx) {
    String own = HttpTracing.traceparent(ctx);
    if (own != null) {
      return own;
    }
    String tp = ctx.request().getHeader("traceparent");
    return tp != null && TRACEPARENT.matcher(tp).matches() ? tp : null;
  }

  /** Field errors from a {@code field → problem} map (the processors' validation rules). */
  public static List<FieldError> errors(Map<String, String> problems) {
    List<FieldError> errors = new ArrayList<>();
    problems.forEach((f, m) -> errors.add(new FieldError(f, m)));
    return errors;
  }

  /** 400 validation_failed when there are errors; true when the request may go on. */
  public static boolean valid(RoutingContext ctx, String what, List<FieldError> errors) {
    if (errors.isEmpty()) {
      return true;
    }
    ApiError.send(ctx, 400, "validation_failed", what + " is not valid", errors);
    return false;
  }
}
