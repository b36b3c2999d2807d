package io.poseidon.gateway.http;

import io.poseidon.processors.harbor.HarborQueries;
import io.poseidon.processors.harbor.HarborTopics;
import io.poseidon.processors.harbor.HarborValidation;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.harbor.DeploymentCancelRequested;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.schemas.harbor.DeploymentRequested;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.validation.Ids;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * harbor over HTTP (operations of openapi/harbor.yaml): request and cancel deployments, read a
 * deployment (state + history) and what version runs where. A deployment id is
 * {@code <service>.<uuid>}: the service part routes queries and cancels to the node owning the
 * service's partition. With an {@code Idempotency-Key} header the id is derived from the key
 * ({@link IdempotentIds}), so a retried POST names the same deployment and harbor applies it once.
 */
public final class HarborRoutes implements ServiceRoutes {

  private static final String NOT_FOUND = "deployment_not_found";

  private final RouteContext<HarborQueries> context;

  public HarborRoutes(RouteContext<HarborQueries> context) {
    this.context = context;
  }

  @Override
  public void bind(Operations operations) {
    operations.on("requestDeployment", this::request);
    operations.on("getDeployment", this::get);
    operations.on("listDeployments", this::list);
    operations.on("cancelDeployment", this::cancel);
    operations.on("getServiceVersions", this::versions);
  }

  /** The service a deployment id belongs to, or null when the id is not one of ours. */
  static String serviceOf(String deploymentId) {
    int dot = deploymentId.indexOf('.');
    if (dot <= 0 || !Ids.isId(deploymentId)) {
      return null;
    }
    String service = deploymentId.substring(0, dot);
    return Ids.isName(service) ? service : null;
  }

  private void request(RoutingContext ctx) {
    JsonObject body = Commands.body(ctx);
    List<FieldError> errors = new ArrayList<>();
    if (body.containsKey("deploymentId")) {
      errors.add(new FieldError("deploymentId", "is assigned by the gateway; use an Idempotency-Key header to retry safely"));
    }
    String service = body.getString("service");
    JsonObject command = body.copy().put("deploymentId", IdempotentIds.id("harbor.deployment", service + ".", ctx, errors))
        // the contract's lower-case kebab strategies (rolling, blue-green) as the schema's symbols
        .put("strategy", body.getString("strategy").toUpperCase(Locale.ROOT).replace('-', '_'));
    DeploymentRequested requested = AvroJson.toRecord(command, DeploymentRequested.getClassSchema(), errors);
    if (requested != null) {
      errors.addAll(Commands.errors(HarborValidation.check(requested)));
    }
    if (!Commands.valid(ctx, "the deployment request", errors)) {
      return;
    }
    EventMeta meta = EventMetas.first("harbor.DeploymentRequested", "gateway", Commands.actor(ctx),
        Commands.traceparent(ctx), context.clock());
    context.responses().accepted(ctx, meta, context.publisher().publish(HarborTopics.DEPLOYMENT_COMMANDS,
        requested.getService(), new DeploymentCommand(meta, requested)),
        ack -> ack.put("deploymentId", requested.getDeploymentId()));
  }

  /** 404 for a deployment harbor does not know, 409 for one that finished; else the cancel goes to harbor. */
  private void cancel(RoutingContext ctx) {
    String deploymentId = ctx.pathParam("deploymentId");
    String service = serviceOf(deploymentId);
    if (!validId(ctx, deploymentId, service)) {
      return;
    }
    String reason = Commands.body(ctx).getString("reason");
    context.responses().onOwner(ctx, () -> context.queries().get().deployment(service, deploymentId), found -> {
      if (found.isEmpty()) {
        notFound(ctx, deploymentId);
      } else if (HarborQueries.isFinished(found.get())) {
        ApiError.send(ctx, 409, "deployment_finished", "deployment " + deploymentId + " already finished "
            + found.get().getStatus() + ": there is nothing to cancel",
            List.of(new FieldError("status", found.get().getStatus().name())));
      } else {
        EventMeta meta = EventMetas.first("harbor.DeploymentCancelRequested", "gateway", Commands.actor(ctx),
            Commands.traceparent(ctx), context.clock());
        context.responses().accepted(ctx, meta, context.publisher().publish(HarborTopics.DEPLOYMENT_COMMANDS, service,
            new DeploymentCommand(meta, new DeploymentCancelRequested(deploymentId, service, reason))),
            ack -> ack.put("deploymentId", deploymentId));
      }
    });
  }

  private void get(RoutingContext ctx) {
    String deploymentId = ctx.pathParam("deploymentId");
    String service = serviceOf(deploymentId);
    if (validId(ctx, deploymentId, service)) {
      context.responses().lookup(ctx, () -> context.queries().get().deployment(service, deploymentId), NOT_FOUND,
          notFoundMessage(deploymentId), AvroJson::toJson);
    }
  }

  /** Deployments a node reads for a list at most: the list pages over them (a node's part of the gather). */
  static final int MAX_LISTED = 10_000;
  private static final java.util.Set<String> ACTIVE = java.util.Set.of("QUEUED", "RUNNING", "ROLLING_BACK");

  /** Every node's deployments (harbor keeps them in the service's partition), filtered, newest first. */
  private void list(RoutingContext ctx) {
    String service = ctx.queryParams().get("service");
    String status = ctx.queryParams().get("status");
    boolean active = "true".equals(ctx.queryParams().get("active"));
    List<org.apache.kafka.streams.state.HostInfo> others = Responses.otherNodes(ctx,
        () -> context.queries().get().deploymentHosts(), () -> context.queries().get().self());
    if (others == null) {
      return;
    }
    context.responses().gather(ctx, () -> context.queries().get().localDeployments(MAX_LISTED), deployments -> {
      io.vertx.core.json.JsonArray list = new io.vertx.core.json.JsonArray();
      for (io.poseidon.schemas.harbor.Deployment d : deployments) {
        String s = d.getStatus().name();
        if ((service == null || service.equals(d.getService())) && (status == null || status.equals(s))
            && (!active || ACTIVE.contains(s))) {
          list.add(AvroJson.toJson(d)); // requestedAt included: the list's order
        }
      }
      return new JsonObject().put("deployments", list);
    }, others, Responses.partUri(ctx), Responses.concat("deployments"));
  }

  private void versions(RoutingContext ctx) {
    String service = ctx.pathParam("service");
    Map<String, String> problems = new LinkedHashMap<>();
    Ids.checkService("service", service, problems);
    if (Commands.valid(ctx, "the path", Commands.errors(problems))) {
      context.responses().query(ctx, () -> context.queries().get().versions(service), versions -> new JsonObject()
          .put("service", service)
          .put("environments", new JsonObject(new TreeMap<String, Object>(versions))));
    }
  }

  /** harbor's id rules behind the contract's: {@code <service>.<id>}. */
  private static boolean validId(RoutingContext ctx, String deploymentId, String service) {
    return service != null || Commands.valid(ctx, "the path", List.of(new FieldError("deploymentId",
        "must be <service>.<id>: a service name, a dot, then " + Ids.ID_RULE.replace("must be ", ""))));
  }

  private static String notFoundMessage(String deploymentId) {
    return "no deployment " + deploymentId + " (it may take a moment to appear after the 202)";
  }

  private static void notFound(RoutingContext ctx, String deploymentId) {
    ApiError.send(ctx, 404, NOT_FOUND, notFoundMessage(deploymentId));
  }
}
