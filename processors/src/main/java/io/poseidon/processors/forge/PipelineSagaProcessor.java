package io.poseidon.processors.forge;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineRunRequested;
import io.poseidon.schemas.forge.PipelineStatus;
import io.poseidon.schemas.forge.StageFailed;
import io.poseidon.schemas.forge.StageResult;
import io.poseidon.schemas.forge.StageSucceeded;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.saga.Retention;
import io.poseidon.topology.saga.SagaProcessor;
import io.poseidon.topology.saga.SagaStates;
import io.poseidon.topology.saga.Table;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * forge on the shared saga adapter ({@link SagaProcessor}): reads pipeline commands and stage results
 * (both keyed by runId) and hands each to {@link PipelineSaga}; the adapter applies the unit of work,
 * fires the durable timers and removes finished runs after {@code forge.retention}.
 */
final class PipelineSagaProcessor extends SagaProcessor<PipelineChanges> {

  private final PipelineSaga saga;
  private final ForgeConfig config;
  private final Clock clock;
  private Table<PipelineRun> runs;

  PipelineSagaProcessor(ForgeConfig config, Clock clock) {
    super(ForgeModule.NAME, ForgeTopology.TIMER_STORE, config.timerScanInterval());
    this.saga = new PipelineSaga(config);
    this.config = config;
    this.clock = clock;
  }

  @Override
  protected List<Retention<?>> open(ProcessorContext<String, SpecificRecord> context) {
    KeyValueStore<String, PipelineRun> store = context.getStateStore(ForgeTopology.RUN_STORE);
    runs = Table.of(store);
    return List.of(new Retention<>(ForgeTopology.RUN_STORE, config.retention(), PipelineChanges::finishedAt,
        List.of(runs)));
  }

  /** Pipeline runs in flight (RUNNING); finished ones by how they ended. */
  @Override
  protected List<SagaStates.Counted<?>> counted() {
    return List.of(new SagaStates.Counted<PipelineRun>(ForgeTopology.RUN_STORE, r -> r.getStatus().name(),
        PipelineChanges::finishedAt, List.of(PipelineStatus.RUNNING.name()), List.of(PipelineStatus.SUCCEEDED.name(),
            PipelineStatus.FAILED.name(), PipelineStatus.CANCELLED.name())));
  }

  @Override
  protected PipelineChanges begin(String key) {
    return new PipelineChanges(runs, clock);
  }

  @Override
  protected PipelineChanges beginTimer(TimerIndex.Timer timer) {
    return new PipelineChanges(runs, clock);
  }

  @Override
  protected void decideTimer(PipelineChanges changes, TimerIndex.Timer timer) {
    saga.onTimer(changes, timer.id(), timer.dueAt());
  }

  @Override
  protected void decide(PipelineChanges changes, Record<String, SpecificRecord> record) {
    SpecificRecord value = record.value();
    if (value instanceof PipelineCommand command) {
      EventMeta meta = command.getMeta();
      if (command.getPayload() instanceof PipelineRunRequested requested) {
        checkKey(record.key(), requested.getRunId());
        saga.onRequested(changes, meta, requested);
      } else if (command.getPayload() instanceof PipelineRunCancelRequested cancel) {
        checkKey(record.key(), cancel.getRunId());
        saga.onCancelRequested(changes, meta, cancel);
      }
    } else if (value instanceof StageResult result) {
      if (result.getPayload() instanceof StageSucceeded succeeded) {
        checkKey(record.key(), succeeded.getRunId());
        saga.onStageSucceeded(changes, result.getMeta(), succeeded);
      } else if (result.getPayload() instanceof StageFailed failed) {
        checkKey(record.key(), failed.getRunId());
        saga.onStageFailed(changes, result.getMeta(), failed);
      }
    } else {
      throw new RejectedRecordException(value.getClass().getSimpleName() + " is not read by forge");
    }
  }

  private static void checkKey(String key, String runId) {
    if (!Objects.equals(key, runId)) {
      throw new RejectedRecordException("record key '" + key + "' must be the runId '" + runId
          + "' (keeps every record of a run in order on one partition)");
    }
  }
}
