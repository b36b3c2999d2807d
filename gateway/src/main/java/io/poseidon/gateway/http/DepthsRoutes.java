package io.poseidon.gateway.http;

import io.poseidon.processors.depths.DepthsConfig;
import io.poseidon.processors.depths.DepthsQueries;
import io.poseidon.processors.depths.DepthsValidation;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.InstanceHeartbeat;
import io.poseidon.schemas.depths.ServiceDeregistered;
import io.poseidon.schemas.depths.ServiceInstance;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.query.QueryResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** depths over HTTP: register, heartbeat, deregister, list. Paths and fields are in openapi.yaml. */
public final class DepthsRoutes {

  static final String BASE = "/api/v1/services/:service/instances";

  private final EventPublisher publisher;
  private final Responses responses;
  private final Supplier<DepthsQueries> queries;
  private final DepthsConfig config;
  private final Clock clock;

  public DepthsRoutes(EventPublisher publisher, Responses responses, Supplier<DepthsQueries> queries,
      DepthsConfig config, Clock clock) {
    this.publisher = publisher;
    this.responses = responses;
    this.queries = queries;
    this.config = config;
    this.clock = clock;
  }

  public void mount(Router router) {
    router.post(BASE).handler(this::register);
    router.get(BASE).handler(this::list);
    router.get(BASE + "/:instanceId").handler(this::get);
    router.post(BASE + "/:instanceId/heartbeat").handler(this::heartbeat);
    router.delete(BASE + "/:instanceId").handler(this::deregister);
  }

  private void register(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    JsonObject body = Commands.jsonBody(ctx);
    if (body == null) {
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    if (body.containsKey("service")) {
      errors.add(new FieldError("service", "comes from the path; remove it from the body"));
    }
    JsonObject command = body.copy().put("service", service);
    if (!command.containsKey("ttlSeconds")) {
      command.put("ttlSeconds", config.defaultTtlSeconds());
    }
    ServiceRegistered registered = AvroJson.toRecord(command, ServiceRegistered.getClassSchema(), errors);
    if (registered != null) {
      DepthsValidation.check(registered, config.maxTtlSeconds()).forEach((f, m) -> errors.add(new FieldError(f, m)));
    }
    if (!errors.isEmpty()) {
      ApiError.send(ctx, 400, "validation_failed", "the registration is not valid", errors);
      return;
    }
    publish(ctx, service, "depths.ServiceRegistered", registered);
  }

  private void heartbeat(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String instanceId = ctx.pathParam("instanceId");
    if (!validIds(ctx, service, instanceId)) {
      return;
    }
    // A heartbeat for an instance depths does not know is refused, so the client re-registers.
    QueryResult<Optional<ServiceInstance>> known = queries.get().instance(service, instanceId);
    if (known instanceof QueryResult.Local<Optional<ServiceInstance>> local && local.value().isEmpty()) {
      ApiError.send(ctx, 404, "instance_not_found", "instance " + instanceId + " of " + service
          + " is not registered (never registered, deregistered or expired): register it again");
      return;
    }
    if (!(known instanceof QueryResult.Local)) {
      responses.answer(ctx, known, ignored -> {
        throw new IllegalStateException("a local answer is handled above");
      });
      return;
    }
    publish(ctx, service, "depths.InstanceHeartbeat",
        InstanceHeartbeat.newBuilder().setService(service).setInstanceId(instanceId).build());
  }

  private void deregister(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String instanceId = ctx.pathParam("instanceId");
    if (!validIds(ctx, service, instanceId)) {
      return;
    }
    publish(ctx, service, "depths.ServiceDeregistered", ServiceDeregistered.newBuilder()
        .setService(service).setInstanceId(instanceId).setReason(ctx.queryParams().get("reason")).build());
  }

  private void list(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    if (!validIds(ctx, service, null)) {
      return;
    }
    Commands.blocking(ctx, () -> queries.get().instances(service), result ->
        responses.answer(ctx, result, instances -> {
          JsonArray list = new JsonArray();
          instances.forEach(i -> list.add(AvroJson.toJson(i)));
          return new JsonObject().put("service", service).put("instances", list);
        }));
  }

  private void get(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String instanceId = ctx.pathParam("instanceId");
    if (!validIds(ctx, service, instanceId)) {
      return;
    }
    responses.answerFound(ctx, queries.get().instance(service, instanceId), "instance_not_found",
        "instance " + instanceId + " of " + service + " is not registered", AvroJson::toJson);
  }

  private boolean validIds(RoutingContext ctx, String service, String instanceId) {
    Map<String, String> problems = new LinkedHashMap<>();
    DepthsValidation.checkIds(service, instanceId == null ? "x" : instanceId, problems);
    if (problems.isEmpty()) {
      return true;
    }
    List<FieldError> errors = new ArrayList<>();
    problems.forEach((f, m) -> errors.add(new FieldError(f, m)));
    ApiError.send(ctx, 400, "validation_failed", "invalid path parameter", errors);
    return false;
  }

  private void publish(RoutingContext ctx, String service, String type, Object payload) {
    EventMeta meta = EventMetas.first(type, "gateway", Commands.actor(ctx), Commands.traceparent(ctx), clock);
    InstanceEvent event = new InstanceEvent(meta, payload);
    responses.accepted(ctx, meta, publisher.publish(TopicCatalog.DEPTHS_REGISTRATIONS, service, event));
  }
}
