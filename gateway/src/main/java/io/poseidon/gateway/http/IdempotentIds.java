package io.poseidon.gateway.http;

import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * Ids of new entities (deployments, runs, workflows). Without an {@code Idempotency-Key} header a new
 * random id; with one, a name-based UUID of the key, so a retried POST names the same entity and the
 * service, which applies a request once per id, starts nothing new. The gateway keeps no state.
 */
public final class IdempotentIds {

  public static final String HEADER = "Idempotency-Key";

  private IdempotentIds() {}

  /**
   * @param kind what the id is for (part of the name hashed: keys of different kinds never collide)
   * @param prefix put in front of the UUID (e.g. {@code <service>.} for deployments)
   */
  public static String id(String kind, String prefix, RoutingContext ctx, List<FieldError> errors) {
    String key = ctx.request().getHeader(HEADER);
    if (key == null) {
      return prefix + UUID.randomUUID();
    }
    if (key.isBlank() || key.length() > 200) {
      errors.add(new FieldError(HEADER, "must be 1-200 characters"));
      return prefix + UUID.randomUUID();
    }
    return prefix + UUID.nameUUIDFromBytes((kind + "|" + prefix + "|" + key).getBytes(StandardCharsets.UTF_8));
  }
}
