package io.poseidon.processors.forge;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.forge.PipelineEvent;
import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.schemas.forge.StageCommand;
import io.poseidon.topology.events.Cause;
import io.poseidon.schemas.forge.PipelineStatus;
import io.poseidon.topology.saga.Table;
import io.poseidon.topology.saga.Tracked;
import io.poseidon.topology.saga.UnitOfWork;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;

/**
 * One unit of work of forge ({@link UnitOfWork}): the runs it read (as private copies), what it
 * changed, the timers it armed and what it emits, in order. {@link PipelineSaga} decides on it without
 * touching Kafka; {@link PipelineSagaProcessor} then applies it. Unit tests run the saga over a
 * map-backed table.
 *
 * <p>Every event and command emitted for a run gets the run's correlation id (the one of its
 * {@code PipelineRunRequested}) and an event of the run updates its {@code updatedAt}.
 */
final class PipelineChanges extends UnitOfWork {

  static final String SOURCE = "forge";

  private final Tracked<PipelineRun, PipelineRun.Builder> runs;

  /** @param runs runId → PipelineRun ({@code forge-run-store}, or a map in a unit test) */
  PipelineChanges(Table<PipelineRun> runs, Clock clock) {
    super(clock);
    this.runs = track(new Tracked<>(ForgeTopology.RUN_STORE, runs, PipelineRun::newBuilder, PipelineRun.Builder::build));
  }

  /** The run to change (a builder over a private copy), or null when unknown. */
  PipelineRun.Builder run(String runId) {
    return runs.get(runId);
  }

  /** A run new to forge (every field set). */
  void add(PipelineRun.Builder created) {
    runs.add(created.getRunId(), created);
  }

  /** Emits a fact about {@code run} to forge.pipeline-events. */
  EventMeta emit(PipelineRun.Builder run, Cause cause, SpecificRecord payload) {
    EventMeta meta = meta(run, cause, payload);
    output(ForgeTopology.PIPELINE_EVENTS_SINK, run.getRunId(), new PipelineEvent(meta, payload), meta);
    run.setUpdatedAt(meta.getTime());
    return meta;
  }

  /** Sends a stage command to the runners; results answer its eventId. */
  EventMeta send(PipelineRun.Builder run, Cause cause, SpecificRecord payload) {
    EventMeta meta = meta(run, cause, payload);
    output(ForgeTopology.STAGE_COMMANDS_SINK, run.getRunId(), new StageCommand(meta, payload), meta);
    return meta;
  }

  /** Arms a durable timer. */
  void schedule(PipelineTimers.Timer timer, Instant dueAt) {
    schedule(new TimerIndex.Timer(timer.id(), dueAt.toEpochMilli()));
  }

  /** Runs created or changed. */
  List<PipelineRun> changedRuns() {
    return List.copyOf(runs.changed().values());
  }

  /** When a run reached its terminal state; null while it runs. */
  static Instant finishedAt(PipelineRun run) {
    return run.getStatus() == PipelineStatus.RUNNING ? null : run.getUpdatedAt();
  }

  private EventMeta meta(PipelineRun.Builder run, Cause cause, SpecificRecord payload) {
    String type = SOURCE + "." + payload.getClass().getSimpleName();
    return cause.meta(type, SOURCE, run.getCorrelationId(), clock());
  }

}
