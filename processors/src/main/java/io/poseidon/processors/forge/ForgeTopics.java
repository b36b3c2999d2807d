package io.poseidon.processors.forge;

import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineEvent;
import io.poseidon.schemas.forge.StageCommand;
import io.poseidon.schemas.forge.StageResult;
import io.poseidon.topology.catalog.TopicSpec;
import java.time.Duration;
import java.util.List;

/** The topics forge owns (its dead-letter topic {@code forge.dlq} comes with its module). */
public final class ForgeTopics {

  private ForgeTopics() {}

  public static final TopicSpec PIPELINE_COMMANDS = new TopicSpec(
      "forge.pipeline-commands", 3, "delete", Duration.ofDays(30),
      "runId (string)", PipelineCommand.class, ForgeModule.NAME,
      "Pipeline run requests and cancels (PipelineRunRequested | PipelineRunCancelRequested).");

  public static final TopicSpec STAGE_COMMANDS = new TopicSpec(
      "forge.stage-commands", 3, "delete", Duration.ofDays(7),
      "runId (string)", StageCommand.class, ForgeModule.NAME,
      "Stages forge asks runners to execute or stop (RunStage | CancelStage).");

  public static final TopicSpec STAGE_RESULTS = new TopicSpec(
      "forge.stage-results", 3, "delete", Duration.ofDays(7),
      "runId (string)", StageResult.class, ForgeModule.NAME,
      "What runners report back (StageSucceeded with metrics | StageFailed), one per stage attempt.");

  public static final TopicSpec PIPELINE_EVENTS = new TopicSpec(
      "forge.pipeline-events", 3, "delete", Duration.ofDays(30),
      "runId (string)", PipelineEvent.class, ForgeModule.NAME,
      "Every transition of every pipeline run (started, stage status changed, finished).");

  static final List<TopicSpec> OWNED = List.of(PIPELINE_COMMANDS, STAGE_COMMANDS, STAGE_RESULTS, PIPELINE_EVENTS);
}
