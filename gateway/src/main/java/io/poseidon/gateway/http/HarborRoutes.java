package io.poseidon.gateway.http;

import io.poseidon.processors.harbor.HarborQueries;
import io.poseidon.processors.harbor.HarborValidation;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.harbor.DeploymentCancelRequested;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.schemas.harbor.DeploymentRequested;
import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.events.EventMetas;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * harbor over HTTP: request and cancel deployments, read a deployment (state + history) and what
 * version runs where. A deployment id is {@code <service>.<uuid>}: the service part routes queries
 * to the node owning the service's partition. With an {@code Idempotency-Key} header the id is
 * derived from the key ({@link IdempotentIds}), so a retried POST names the same deployment and
 * harbor applies it once.
 */
public final class HarborRoutes {

  private final EventPublisher publisher;
  private final Responses responses;
  private final Supplier<HarborQueries> queries;
  private final Clock clock;

  public HarborRoutes(EventPublisher publisher, Responses responses, Supplier<HarborQueries> queries, Clock clock) {
    this.publisher = publisher;
    this.responses = responses;
    this.queries = queries;
    this.clock = clock;
  }

  public void mount(Router router) {
    router.post("/api/v1/deployments").handler(this::request);
    router.get("/api/v1/deployments/:deploymentId").handler(this::get);
    router.post("/api/v1/deployments/:deploymentId/cancel").handler(this::cancel);
    router.get("/api/v1/services/:service/versions").handler(this::versions);
  }

  /** The service a deployment id belongs to, or null when the id is not one of ours. */
  static String serviceOf(String deploymentId) {
    int dot = deploymentId.indexOf('.');
    if (dot <= 0) {
      return null;
    }
    String service = deploymentId.substring(0, dot);
    return HarborValidation.SERVICE_NAME.matcher(service).matches() ? service : null;
  }

  private void request(RoutingContext ctx) {
    JsonObject body = Commands.jsonBody(ctx);
    if (body == null) {
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    if (body.containsKey("deploymentId")) {
      errors.add(new FieldError("deploymentId", "is assigned by the gateway; use an Idempotency-Key header to retry safely"));
    }
    String service = body.getValue("service") instanceof String s ? s : null;
    JsonObject command = body.copy().put("deploymentId",
        service == null ? "" : IdempotentIds.id("harbor.deployment", service + ".", ctx, errors));
    if (command.getValue("strategy") instanceof String strategy) {
      command.put("strategy", strategy.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    }
    DeploymentRequested requested = AvroJson.toRecord(command, DeploymentRequested.getClassSchema(), errors);
    if (requested != null) {
      HarborValidation.check(requested).forEach((f, m) -> errors.add(new FieldError(f, m)));
    }
    if (!errors.isEmpty()) {
      ApiError.send(ctx, 400, "validation_failed", "the deployment request is not valid", errors);
      return;
    }
    EventMeta meta = EventMetas.first("harbor.DeploymentRequested", "gateway", Commands.actor(ctx),
        Commands.traceparent(ctx), clock);
    responses.accepted(ctx, meta, publisher.publish(TopicCatalog.HARBOR_DEPLOYMENT_COMMANDS, requested.getService(),
        new DeploymentCommand(meta, requested)), ack -> ack.put("deploymentId", requested.getDeploymentId()));
  }

  private void cancel(RoutingContext ctx) {
    String deploymentId = ctx.pathParam("deploymentId");
    String service = serviceOf(deploymentId);
    if (service == null) {
      notFound(ctx, deploymentId);
      return;
    }
    JsonObject body = Commands.optionalJsonBody(ctx);
    if (body == null) {
      return;
    }
    String reason = body.getValue("reason") instanceof String r ? r : null;
    EventMeta meta = EventMetas.first("harbor.DeploymentCancelRequested", "gateway", Commands.actor(ctx),
        Commands.traceparent(ctx), clock);
    responses.accepted(ctx, meta, publisher.publish(TopicCatalog.HARBOR_DEPLOYMENT_COMMANDS, service,
        new DeploymentCommand(meta, new DeploymentCancelRequested(deploymentId, service, reason))),
        ack -> ack.put("deploymentId", deploymentId));
  }

  private void get(RoutingContext ctx) {
    String deploymentId = ctx.pathParam("deploymentId");
    String service = serviceOf(deploymentId);
    if (service == null) {
      notFound(ctx, deploymentId);
      return;
    }
    responses.answerFound(ctx, queries.get().deployment(service, deploymentId), NOT_FOUND,
        notFoundMessage(deploymentId), AvroJson::toJson);
  }

  private void versions(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    if (!HarborValidation.SERVICE_NAME.matcher(service).matches()) {
      ApiError.send(ctx, 400, "validation_failed", "invalid path parameter",
          List.of(new FieldError("service", "must be lower-case kebab-case, 1-63 characters")));
      return;
    }
    responses.answer(ctx, queries.get().versions(service), versions -> new JsonObject()
        .put("service", service)
        .put("environments", new JsonObject(new java.util.TreeMap<String, Object>(versions))));
  }

  private static final String NOT_FOUND = "deployment_not_found";

  private static String notFoundMessage(String deploymentId) {
    return "no deployment " + deploymentId + " (it may take a moment to appear after the 202)";
  }

  private static void notFound(RoutingContext ctx, String deploymentId) {
    ApiError.send(ctx, 404, NOT_FOUND, notFoundMessage(deploymentId));
  }
}
