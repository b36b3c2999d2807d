package io.poseidon.gateway.http.auth;

import io.poseidon.gateway.http.ApiError;
import io.poseidon.gateway.http.Commands;
import io.poseidon.gateway.http.EventPublisher;
import io.poseidon.gateway.http.Responses;
import io.poseidon.gateway.http.ServiceRoutes;
import io.poseidon.schemas.access.ApiKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's API key operations (admin only): create (the key answered once, its hash written to
 * {@value ApiKeyDirectory#TOPIC}), list, revoke. Each answers once this node's directory has read the
 * change back, so the key works (or stops working) here the moment the answer arrives; other nodes
 * follow within a second.
 */
public final class ApiKeyRoutes implements ServiceRoutes {

  private static final Logger log = LoggerFactory.getLogger(ApiKeyRoutes.class);
  private static final Duration APPLIED_WITHIN = Duration.ofSeconds(5);

  private final EventPublisher publisher;
  private final Responses responses;
  private final ApiKeys keys;
  private final Clock clock;

  public ApiKeyRoutes(EventPublisher publisher, Responses responses, ApiKeys keys, Clock clock) {
    this.publisher = publisher;
    this.responses = responses;
    this.keys = keys;
    this.clock = clock;
  }

  @Override
  public void bind(Operations operations) {
    operations.on("createApiKey", this::create);
    operations.on("listApiKeys", ctx -> {
      JsonArray list = new JsonArray();
      keys.all().forEach(k -> list.add(info(k)));
      Responses.json(ctx, 200, new JsonObject().put("keys", list));
    });
    operations.on("revokeApiKey", this::revoke);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Commands.body(ctx);
    List<String> services = new ArrayList<>();
    body.getJsonArray("services", new JsonArray()).forEach(s -> services.add((String) s));
    Role role = Role.parse(body.getString("role")).orElseThrow();
    ApiKeys.Created created = ApiKeys.create(body.getString("name"), role, services.stream().distinct().sorted().toList(),
        Commands.actor(ctx), clock.instant());
    publisher.publish(ApiKeyDirectory.SPEC, created.keyId(), created.record())
        .compose(md -> responses.until(() -> keys.get(created.keyId()).isPresent(), APPLIED_WITHIN))
        .onSuccess(applied -> {
          log.info("API key {} ({}, {}) created by {}", created.keyId(), created.record().getName(), role.id(),
              Commands.actor(ctx));
          Responses.json(ctx, 201, info(created.record()).put("key", created.key()).put("applied", applied));
        })
        .onFailure(err -> Responses.unavailable(ctx, "kafka_unavailable", "the key could not be written: "
            + err.getMessage()));
  }

  private void revoke(RoutingContext ctx) {
    String keyId = ctx.pathParam("keyId");
    ApiKey known = keys.get(keyId).orElse(null);
    if (known == null) {
      ApiError.send(ctx, 404, "api_key_not_found", "no API key " + keyId);
      return;
    }
    if (known.getRevokedAt() != null) {
      Responses.json(ctx, 200, info(known).put("applied", true));
      return;
    }
    ApiKey revoked = ApiKey.newBuilder(known).setRevokedAt(clock.instant()).setRevokedBy(Commands.actor(ctx)).build();
    publisher.publish(ApiKeyDirectory.SPEC, keyId, revoked)
        .compose(md -> responses.until(() -> keys.get(keyId).map(k -> k.getRevokedAt() != null).orElse(false),
            APPLIED_WITHIN))
        .onSuccess(applied -> {
          log.info("API key {} ({}) revoked by {}", keyId, known.getName(), Commands.actor(ctx));
          Responses.json(ctx, 200, info(revoked).put("applied", applied));
        })
        .onFailure(err -> Responses.unavailable(ctx, "kafka_unavailable", "the revocation could not be written: "
            + err.getMessage()));
  }

  static JsonObject info(ApiKey key) {
    return new JsonObject().put("keyId", key.getKeyId()).put("name", key.getName())
        .put("role", key.getRole().name().toLowerCase(java.util.Locale.ROOT))
        .put("services", new JsonArray(new ArrayList<>(key.getServices())))
        .put("createdAt", key.getCreatedAt().toString()).put("createdBy", key.getCreatedBy())
        .put("revokedAt", key.getRevokedAt() == null ? null : key.getRevokedAt().toString())
        .put("revokedBy", key.getRevokedBy());
  }
}
