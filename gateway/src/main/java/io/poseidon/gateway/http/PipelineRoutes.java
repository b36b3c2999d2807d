package io.poseidon.gateway.http;

import io.poseidon.processors.forge.ForgeQueries;
import io.poseidon.processors.forge.ForgeTopics;
import io.poseidon.processors.forge.ForgeValidation;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineRunRequested;
import io.poseidon.topology.events.EventMetas;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** forge over HTTP (operations of openapi/forge.yaml): request and cancel pipeline runs, read a run. */
public final class PipelineRoutes implements ServiceRoutes {

  private final RouteContext<ForgeQueries> context;

  public PipelineRoutes(RouteContext<ForgeQueries> context) {
    this.context = context;
  }

  @Override
  public void bind(Operations operations) {
    operations.on("requestPipelineRun", this::request);
    operations.on("getPipelineRun", this::get);
    operations.on("cancelPipelineRun", this::cancel);
  }

  private void request(RoutingContext ctx) {
    JsonObject body = Commands.body(ctx);
    List<FieldError> errors = new ArrayList<>();
    if (body.containsKey("runId")) {
      errors.add(new FieldError("runId", "is assigned by the gateway; use an Idempotency-Key header to retry safely"));
    }
    String runId = IdempotentIds.id("forge.run", "run-", ctx, errors);
    PipelineRunRequested requested = AvroJson.toRecord(body.copy().put("runId", runId),
        PipelineRunRequested.getClassSchema(), errors);
    if (requested != null) {
      errors.addAll(Commands.errors(ForgeValidation.check(requested)));
    }
    if (!Commands.valid(ctx, "the pipeline run request", errors)) {
      return;
    }
    EventMeta meta = EventMetas.first("forge.PipelineRunRequested", "gateway", Commands.actor(ctx),
        Commands.traceparent(ctx), context.clock());
    context.responses().accepted(ctx, meta, context.publisher().publish(ForgeTopics.PIPELINE_COMMANDS, runId,
        new PipelineCommand(meta, requested)), ack -> ack.put("runId", runId));
  }

  /** 404 for a run forge does not know, 409 for one that finished; else the cancel goes to forge. */
  private void cancel(RoutingContext ctx) {
    String runId = ctx.pathParam("runId");
    if (!validId(ctx, runId)) {
      return;
    }
    String reason = Commands.body(ctx).getString("reason");
    context.responses().onOwner(ctx, () -> context.queries().get().run(runId), found -> {
      if (found.isEmpty()) {
        ApiError.send(ctx, 404, "pipeline_run_not_found", notFoundMessage(runId));
      } else if (ForgeQueries.isFinished(found.get())) {
        ApiError.send(ctx, 409, "pipeline_run_finished", "pipeline run " + runId + " already finished "
            + found.get().getStatus() + ": there is nothing to cancel",
            List.of(new FieldError("status", found.get().getStatus().name())));
      } else {
        EventMeta meta = EventMetas.first("forge.PipelineRunCancelRequested", "gateway", Commands.actor(ctx),
            Commands.traceparent(ctx), context.clock());
        context.responses().accepted(ctx, meta, context.publisher().publish(ForgeTopics.PIPELINE_COMMANDS, runId,
            new PipelineCommand(meta, new PipelineRunCancelRequested(runId, reason))), ack -> ack.put("runId", runId));
      }
    });
  }

  private void get(RoutingContext ctx) {
    String runId = ctx.pathParam("runId");
    if (validId(ctx, runId)) {
      context.responses().lookup(ctx, () -> context.queries().get().run(runId), "pipeline_run_not_found",
          notFoundMessage(runId), AvroJson::toJson);
    }
  }

  private static boolean validId(RoutingContext ctx, String runId) {
    Map<String, String> problems = new LinkedHashMap<>();
    ForgeValidation.checkRunId(runId, problems);
    return Commands.valid(ctx, "the path", Commands.errors(problems));
  }

  private static String notFoundMessage(String runId) {
    return "no pipeline run " + runId + " (it may take a moment to appear after the 202)";
  }
}
