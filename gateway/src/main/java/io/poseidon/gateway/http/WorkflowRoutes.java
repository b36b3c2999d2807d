package io.poseidon.gateway.http;

import io.poseidon.processors.current.CurrentQueries;
import io.poseidon.processors.current.CurrentValidation;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.current.CommitPushed;
import io.poseidon.schemas.current.TimelineEntry;
import io.poseidon.schemas.current.WorkflowCommand;
import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.events.EventMetas;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * current over HTTP: start a commit workflow, read it, read its causal timeline. The workflow id is
 * the correlation id every event of the workflow carries, across services.
 */
public final class WorkflowRoutes {

  private final EventPublisher publisher;
  private final Responses responses;
  private final Supplier<CurrentQueries> queries;
  private final Clock clock;

  public WorkflowRoutes(EventPublisher publisher, Responses responses, Supplier<CurrentQueries> queries, Clock clock) {
    this.publisher = publisher;
    this.responses = responses;
    this.queries = queries;
    this.clock = clock;
  }

  public void mount(Router router) {
    router.post("/api/v1/workflows").handler(this::start);
    router.get("/api/v1/workflows/:workflowId").handler(this::get);
    router.get("/api/v1/workflows/:workflowId/timeline").handler(this::timeline);
  }

  private void start(RoutingContext ctx) {
    JsonObject body = Commands.jsonBody(ctx);
    if (body == null) {
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    if (body.containsKey("workflowId")) {
      errors.add(new FieldError("workflowId", "is assigned by the gateway; use an Idempotency-Key header to retry safely"));
    }
    String workflowId = IdempotentIds.id("current.workflow", "", ctx, errors);
    CommitPushed pushed = AvroJson.toRecord(body.copy().put("workflowId", workflowId),
        CommitPushed.getClassSchema(), errors);
    if (pushed != null) {
      CurrentValidation.check(pushed).forEach((f, m) -> errors.add(new FieldError(f, m)));
    }
    if (!errors.isEmpty()) {
      ApiError.send(ctx, 400, "validation_failed", "the workflow request is not valid", errors);
      return;
    }
    EventMeta meta = EventMeta.newBuilder(EventMetas.first("current.CommitPushed", "gateway", Commands.actor(ctx),
        Commands.traceparent(ctx), clock)).setCorrelationId(workflowId).build();
    responses.accepted(ctx, meta, publisher.publish(TopicCatalog.CURRENT_WORKFLOW_COMMANDS, workflowId,
        new WorkflowCommand(meta, pushed)), ack -> ack.put("workflowId", workflowId));
  }

  private void get(RoutingContext ctx) {
    String id = ctx.pathParam("workflowId");
    responses.answerFound(ctx, queries.get().workflow(id), "workflow_not_found",
        "no workflow " + id + " (it may take a moment to appear after the 202)", AvroJson::toJson);
  }

  private void timeline(RoutingContext ctx) {
    String id = ctx.pathParam("workflowId");
    responses.answerFound(ctx, queries.get().timeline(id), "workflow_not_found", "no timeline for " + id, timeline -> {
      JsonArray events = new JsonArray();
      for (TimelineEntry entry : timeline.getEntries()) {
        events.add(AvroJson.toJson(entry));
      }
      return new JsonObject().put("workflowId", id).put("events", events);
    });
  }
}
