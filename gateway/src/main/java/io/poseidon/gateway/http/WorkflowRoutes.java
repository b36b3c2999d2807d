package io.poseidon.gateway.http;

import io.poseidon.processors.current.CurrentQueries;
import io.poseidon.processors.current.CurrentTopics;
import io.poseidon.processors.current.CurrentValidation;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.current.CommitPushed;
import io.poseidon.schemas.current.TimelineEntry;
import io.poseidon.schemas.current.WorkflowCommand;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.validation.Ids;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * current over HTTP (operations of openapi/current.yaml): start a commit workflow, read it, read its
 * causal timeline. The workflow id is the correlation id every event of the workflow carries, across
 * services.
 */
public final class WorkflowRoutes implements ServiceRoutes {

  private final RouteContext<CurrentQueries> context;

  public WorkflowRoutes(RouteContext<CurrentQueries> context) {
    this.context = context;
  }

  @Override
  public void bind(Operations operations) {
    operations.on("startWorkflow", this::start);
    operations.on("getWorkflow", this::get);
    operations.on("getWorkflowTimeline", this::timeline);
  }

  private void start(RoutingContext ctx) {
    JsonObject body = Commands.body(ctx);
    List<FieldError> errors = new ArrayList<>();
    if (body.containsKey("workflowId")) {
      errors.add(new FieldError("workflowId", "is assigned by the gateway; use an Idempotency-Key header to retry safely"));
    }
    String workflowId = IdempotentIds.id("current.workflow", "", ctx, errors);
    CommitPushed pushed = AvroJson.toRecord(body.copy().put("workflowId", workflowId),
        CommitPushed.getClassSchema(), errors);
    if (pushed != null) {
      errors.addAll(Commands.errors(CurrentValidation.check(pushed)));
    }
    if (!Commands.valid(ctx, "the workflow request", errors)) {
      return;
    }
    EventMeta meta = EventMeta.newBuilder(EventMetas.first("current.CommitPushed", "gateway", Commands.actor(ctx),
        Commands.traceparent(ctx), context.clock())).setCorrelationId(workflowId).build();
    context.responses().accepted(ctx, meta, context.publisher().publish(CurrentTopics.WORKFLOW_COMMANDS, workflowId,
        new WorkflowCommand(meta, pushed)), ack -> ack.put("workflowId", workflowId));
  }

  private void get(RoutingContext ctx) {
    String id = ctx.pathParam("workflowId");
    if (validId(ctx, id)) {
      context.responses().lookup(ctx, () -> context.queries().get().workflow(id), "workflow_not_found",
          "no workflow " + id + " (it may take a moment to appear after the 202)", AvroJson::toJson);
    }
  }

  private void timeline(RoutingContext ctx) {
    String id = ctx.pathParam("workflowId");
    if (validId(ctx, id)) {
      context.responses().lookup(ctx, () -> context.queries().get().timeline(id), "workflow_not_found",
          "no timeline for " + id, timeline -> {
            JsonArray events = new JsonArray();
            for (TimelineEntry entry : timeline.getEntries()) {
              events.add(AvroJson.toJson(entry));
            }
            return new JsonObject().put("workflowId", id).put("events", events);
          });
    }
  }

  private static boolean validId(RoutingContext ctx, String workflowId) {
    Map<String, String> problems = new LinkedHashMap<>();
    Ids.checkId("workflowId", workflowId, problems);
    return Commands.valid(ctx, "the path", Commands.errors(problems));
  }
}
