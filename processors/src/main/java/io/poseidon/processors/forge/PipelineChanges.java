package io.poseidon.processors.forge;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.forge.PipelineEvent;
import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.schemas.forge.StageCommand;
import io.poseidon.topology.events.Cause;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * One unit of work of forge: the runs it read (as private copies), what it changed, the timers it
 * armed and what it emits, in order. {@link PipelineSaga} decides on it without touching Kafka;
 * {@link PipelineSagaProcessor} then writes the changed runs, schedules the timers and forwards the
 * outputs. Unit tests run the saga over a map-backed {@link State}.
 *
 * <p>Every event and command emitted for a run gets the run's correlation id (the one of its
 * {@code PipelineRunRequested}) and an event of the run updates its {@code updatedAt}.
 */
final class PipelineChanges {

  static final String SOURCE = "forge";

  /** Where the saga reads the runs it changes (the store, or a map in a unit test). */
  interface State {
    PipelineRun run(String runId);
  }

  /** A record to forward: a fact for forge.pipeline-events or a command for forge.stage-commands. */
  sealed interface Output permits Event, Command {
    String key();

    EventMeta meta();
  }

  record Event(String key, PipelineEvent value) implements Output {
    @Override
    public EventMeta meta() {
      return value.getMeta();
    }
  }

  record Command(String key, StageCommand value) implements Output {
    @Override
    public EventMeta meta() {
      return value.getMeta();
    }
  }

  private final State state;
  private final Clock clock;
  private final Map<String, PipelineRun> runsAsRead = new LinkedHashMap<>();
  private final Map<String, PipelineRun.Builder> runs = new LinkedHashMap<>();
  private final List<TimerIndex.Timer> timers = new ArrayList<>();
  private final List<Output> outputs = new ArrayList<>();

  PipelineChanges(State state, Clock clock) {
    this.state = state;
    this.clock = clock;
  }

  /** Now, at the millisecond precision the schemas keep. */
  Instant now() {
    return Instant.ofEpochMilli(clock.millis());
  }

  /** The run to change (a builder over a private copy), or null when unknown. */
  PipelineRun.Builder run(String runId) {
    PipelineRun.Builder run = runs.get(runId);
    if (run == null && !runsAsRead.containsKey(runId)) {
      PipelineRun stored = state.run(runId);
      if (stored != null) {
        runsAsRead.put(runId, stored);
        run = PipelineRun.newBuilder(stored); // deep copy
        runs.put(runId, run);
      }
    }
    return run;
  }

  /** A run new to forge (every field set). */
  void add(PipelineRun.Builder created) {
    runsAsRead.put(created.getRunId(), null);
    runs.put(created.getRunId(), created);
  }

  /** Emits a fact about {@code run} to forge.pipeline-events. */
  EventMeta emit(PipelineRun.Builder run, Cause cause, SpecificRecord payload) {
    EventMeta meta = meta(run, cause, payload);
    outputs.add(new Event(run.getRunId(), new PipelineEvent(meta, payload)));
    run.setUpdatedAt(meta.getTime());
    return meta;
  }

  /** Sends a stage command to the runners; results answer its eventId. */
  EventMeta send(PipelineRun.Builder run, Cause cause, SpecificRecord payload) {
    EventMeta meta = meta(run, cause, payload);
    outputs.add(new Command(run.getRunId(), new StageCommand(meta, payload)));
    return meta;
  }

  /** Arms a durable timer. */
  void schedule(PipelineTimers.Timer timer, Instant dueAt) {
    timers.add(new TimerIndex.Timer(timer.id(), dueAt.toEpochMilli()));
  }

  List<Output> outputs() {
    return outputs;
  }

  /** Runs created or changed. */
  List<PipelineRun> changedRuns() {
    return runs.values().stream()
        .map(PipelineRun.Builder::build)
        .filter(r -> !r.equals(runsAsRead.get(r.getRunId())))
        .toList();
  }

  /** Timers armed in this unit of work. */
  List<TimerIndex.Timer> timersToSchedule() {
    return timers;
  }

  private EventMeta meta(PipelineRun.Builder run, Cause cause, SpecificRecord payload) {
    String type = SOURCE + "." + payload.getClass().getSimpleName();
    return cause.meta(type, SOURCE, run.getCorrelationId(), clock);
  }

}
