package io.poseidon.gateway.http;

import io.poseidon.topology.validation.Ids;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/** Every request gets an id: the caller's {@code X-Request-Id} when it is an id, else a new one; echoed back. */
public final class RequestIds {

  public static final String HEADER = "X-Request-Id";
  private static final String KEY = "requestId";

  private RequestIds() {}

  public static void assign(RoutingContext ctx) {
    ctx.put(KEY, idOf(ctx.request().getHeader(HEADER)));
    ctx.response().putHeader(HEADER, (String) ctx.get(KEY));
    ctx.next();
  }

  /** The caller's id when it follows the id rule, else a new one. */
  static String idOf(String given) {
    return Ids.isId(given) ? given : UUID.randomUUID().toString();
  }

  public static String of(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? "" : id;
  }
}
