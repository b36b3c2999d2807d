package io.poseidon.processors.forge;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineRunRequested;
import io.poseidon.schemas.forge.StageFailed;
import io.poseidon.schemas.forge.StageResult;
import io.poseidon.schemas.forge.StageSucceeded;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The thin Processor-API adapter of {@link PipelineSaga}: reads pipeline commands and stage results
 * (both keyed by runId), lets the saga decide, then writes the changed runs, schedules the durable
 * timers and forwards facts and commands to their sinks. A wall-clock punctuator fires the due timers.
 * A record the saga rejects changes nothing and goes to forge.dlq (the saga decides before anything is
 * written).
 */
final class PipelineSagaProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {

  static final int TIMERS_PER_SCAN = 10_000;

  private final PipelineSaga saga;
  private final ForgeConfig config;
  private final Clock clock;
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, PipelineRun> runs;
  private TimerIndex timers;
  private PipelineChanges.State state;

  PipelineSagaProcessor(ForgeConfig config, Clock clock) {
    this.saga = new PipelineSaga(config);
    this.config = config;
    this.clock = clock;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.runs = context.getStateStore(ForgeTopology.RUN_STORE);
    this.timers = new TimerIndex(context.getStateStore(ForgeTopology.TIMER_STORE));
    this.state = runs::get;
    context.schedule(config.timerScanInterval(), PunctuationType.WALL_CLOCK_TIME, this::fireDueTimers);
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    SpecificRecord value = record.value();
    PipelineChanges changes = new PipelineChanges(state, clock);
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
    } else if (value == null) {
      throw new RejectedRecordException("empty value: forge reads PipelineCommand and StageResult records, never "
          + "tombstones");
    } else {
      throw new RejectedRecordException(value.getClass().getSimpleName() + " is not read by forge");
    }
    apply(changes);
  }

  /** Punctuator: fires every timer due at {@code wallClockMillis}, each in its own unit of work. */
  void fireDueTimers(long wallClockMillis) {
    for (TimerIndex.Timer timer : timers.due(wallClockMillis, TIMERS_PER_SCAN)) {
      timers.cancel(timer.id(), timer.dueAt());
      PipelineChanges changes = new PipelineChanges(state, clock);
      saga.onTimer(changes, timer.id(), timer.dueAt());
      apply(changes);
    }
  }

  private void apply(PipelineChanges changes) {
    for (TimerIndex.Timer t : changes.timersToSchedule()) {
      timers.schedule(t.id(), t.dueAt());
    }
    for (PipelineRun run : changes.changedRuns()) {
      runs.put(run.getRunId(), run);
    }
    for (PipelineChanges.Output out : changes.outputs()) {
      long time = out.meta().getTime().toEpochMilli();
      if (out instanceof PipelineChanges.Event event) {
        context.forward(new Record<>(event.key(), event.value(), time), ForgeTopology.PIPELINE_EVENTS_SINK);
      } else if (out instanceof PipelineChanges.Command command) {
        context.forward(new Record<>(command.key(), command.value(), time), ForgeTopology.STAGE_COMMANDS_SINK);
      }
    }
  }

  private static void checkKey(String key, String runId) {
    if (!Objects.equals(key, runId)) {
      throw new RejectedRecordException("record key '" + key + "' must be the runId '" + runId
          + "' (keeps every record of a run in order on one partition)");
    }
  }
}
