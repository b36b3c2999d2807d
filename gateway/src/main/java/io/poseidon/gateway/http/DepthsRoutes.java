package io.poseidon.gateway.http;

import io.poseidon.processors.depths.DepthsConfig;
import io.poseidon.processors.depths.DepthsQueries;
import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.processors.depths.DepthsValidation;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.InstanceHeartbeat;
import io.poseidon.schemas.depths.ServiceDeregistered;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.topology.events.EventMetas;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** depths over HTTP: register, heartbeat, deregister, list (operations of openapi/depths.yaml). */
public final class DepthsRoutes implements ServiceRoutes {

  private final RouteContext<DepthsQueries> context;
  private final DepthsConfig config;

  public DepthsRoutes(RouteContext<DepthsQueries> context) {
    this.context = context;
    this.config = new DepthsConfig(context.config());
  }

  @Override
  public void bind(Operations operations) {
    operations.on("registerInstance", this::register);
    operations.on("listInstances", this::list);
    operations.on("listAllInstances", this::listAll);
    operations.on("getInstance", this::get);
    operations.on("heartbeatInstance", this::heartbeat);
    operations.on("deregisterInstance", this::deregister);
  }

  private void register(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    JsonObject command = Commands.body(ctx).copy().put("service", service);
    if (!command.containsKey("ttlSeconds")) {
      command.put("ttlSeconds", config.defaultTtlSeconds());
    }
    List<FieldError> errors = new ArrayList<>();
    ServiceRegistered registered = AvroJson.toRecord(command, ServiceRegistered.getClassSchema(), errors);
    if (registered != null) {
      errors.addAll(Commands.errors(DepthsValidation.check(registered, config.maxTtlSeconds())));
    }
    if (Commands.valid(ctx, "the registration", errors)) {
      publish(ctx, service, "depths.ServiceRegistered", registered);
    }
  }

  /** A heartbeat for an instance depths does not know is refused (404), so the client registers again. */
  private void heartbeat(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String instanceId = ctx.pathParam("instanceId");
    if (!validIds(ctx, service, instanceId)) {
      return;
    }
    context.responses().onOwner(ctx, () -> context.queries().get().instance(service, instanceId), known -> {
      if (known.isEmpty()) {
        ApiError.send(ctx, 404, "instance_not_found", "instance " + instanceId + " of " + service
            + " is not registered (never registered, deregistered or expired): register it again");
      } else {
        publish(ctx, service, "depths.InstanceHeartbeat",
            InstanceHeartbeat.newBuilder().setService(service).setInstanceId(instanceId).build());
      }
    });
  }

  private void deregister(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String instanceId = ctx.pathParam("instanceId");
    if (validIds(ctx, service, instanceId)) {
      publish(ctx, service, "depths.ServiceDeregistered", ServiceDeregistered.newBuilder()
          .setService(service).setInstanceId(instanceId).setReason(ctx.queryParams().get("reason")).build());
    }
  }

  private void list(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    if (!validIds(ctx, service, null)) {
      return;
    }
    context.responses().query(ctx, () -> context.queries().get().instances(service), instances -> {
      JsonArray list = new JsonArray();
      instances.forEach(i -> list.add(AvroJson.toJson(i)));
      return new JsonObject().put("service", service).put("instances", list);
    });
  }

  /** Every service's live instances, from every node (each holds its partitions' services). */
  private void listAll(RoutingContext ctx) {
    List<org.apache.kafka.streams.state.HostInfo> others = Responses.otherNodes(ctx,
        () -> context.queries().get().hosts(), () -> context.queries().get().self());
    if (others == null) {
      return;
    }
    context.responses().gather(ctx, () -> context.queries().get().localInstances(10 * DepthsQueries.MAX_INSTANCES),
        instances -> {
          JsonArray list = new JsonArray();
          instances.forEach(i -> list.add(AvroJson.toJson(i)));
          return new JsonObject().put("instances", list);
        }, others, Responses.partUri(ctx), Responses.concat("instances"));
  }

  private void get(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    String instanceId = ctx.pathParam("instanceId");
    if (validIds(ctx, service, instanceId)) {
      context.responses().lookup(ctx, () -> context.queries().get().instance(service, instanceId),
          "instance_not_found", "instance " + instanceId + " of " + service + " is not registered", AvroJson::toJson);
    }
  }

  /** depths' own id rules, behind the contract's (the same rules the topology applies). */
  private static boolean validIds(RoutingContext ctx, String service, String instanceId) {
    Map<String, String> problems = new LinkedHashMap<>();
    DepthsValidation.checkIds(service, instanceId == null ? "x" : instanceId, problems);
    return Commands.valid(ctx, "the path", Commands.errors(problems));
  }

  private void publish(RoutingContext ctx, String service, String type, Object payload) {
    EventMeta meta = EventMetas.first(type, "gateway", Commands.actor(ctx), Commands.traceparent(ctx),
        context.clock());
    context.responses().accepted(ctx, meta, context.publisher().publish(DepthsTopics.REGISTRATIONS, service,
        new InstanceEvent(meta, payload)));
  }
}
