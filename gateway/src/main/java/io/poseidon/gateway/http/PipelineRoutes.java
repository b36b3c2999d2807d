package io.poseidon.gateway.http;

import io.poseidon.processors.forge.ForgeQueries;
import io.poseidon.processors.forge.ForgeValidation;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineRunRequested;
import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.events.EventMetas;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/** forge over HTTP: request and cancel pipeline runs, read a run with its stages. */
public final class PipelineRoutes {

  private final EventPublisher publisher;
  private final Responses responses;
  private final Supplier<ForgeQueries> queries;
  private final Clock clock;

  public PipelineRoutes(EventPublisher publisher, Responses responses, Supplier<ForgeQueries> queries, Clock clock) {
    this.publisher = publisher;
    this.responses = responses;
    this.queries = queries;
    this.clock = clock;
  }

  public void mount(Router router) {
    router.post("/api/v1/pipeline-runs").handler(this::request);
    router.get("/api/v1/pipeline-runs/:runId").handler(this::get);
    router.post("/api/v1/pipeline-runs/:runId/cancel").handler(this::cancel);
  }

  private void request(RoutingContext ctx) {
    JsonObject body = Commands.jsonBody(ctx);
    if (body == null) {
      return;
    }
    List<FieldError> errors = new ArrayList<>();
    if (body.containsKey("runId")) {
      errors.add(new FieldError("runId", "is assigned by the gateway; use an Idempotency-Key header to retry safely"));
    }
    String runId = IdempotentIds.id("forge.run", "run-", ctx, errors);
    PipelineRunRequested requested = AvroJson.toRecord(body.copy().put("runId", runId),
        PipelineRunRequested.getClassSchema(), errors);
    if (requested != null) {
      ForgeValidation.check(requested).forEach((f, m) -> errors.add(new FieldError(f, m)));
    }
    if (!errors.isEmpty()) {
      ApiError.send(ctx, 400, "validation_failed", "the pipeline run request is not valid", errors);
      return;
    }
    EventMeta meta = EventMetas.first("forge.PipelineRunRequested", "gateway", Commands.actor(ctx),
        Commands.traceparent(ctx), clock);
    responses.accepted(ctx, meta, publisher.publish(TopicCatalog.FORGE_PIPELINE_COMMANDS, runId,
        new PipelineCommand(meta, requested)), ack -> ack.put("runId", runId));
  }

  private void cancel(RoutingContext ctx) {
    String runId = ctx.pathParam("runId");
    JsonObject body = Commands.optionalJsonBody(ctx);
    if (body == null) {
      return;
    }
    String reason = body.getValue("reason") instanceof String r ? r : null;
    EventMeta meta = EventMetas.first("forge.PipelineRunCancelRequested", "gateway", Commands.actor(ctx),
        Commands.traceparent(ctx), clock);
    responses.accepted(ctx, meta, publisher.publish(TopicCatalog.FORGE_PIPELINE_COMMANDS, runId,
        new PipelineCommand(meta, new PipelineRunCancelRequested(runId, reason))), ack -> ack.put("runId", runId));
  }

  private void get(RoutingContext ctx) {
    String runId = ctx.pathParam("runId");
    responses.answerFound(ctx, queries.get().run(runId), "pipeline_run_not_found",
        "no pipeline run " + runId + " (it may take a moment to appear after the 202)", AvroJson::toJson);
  }
}
