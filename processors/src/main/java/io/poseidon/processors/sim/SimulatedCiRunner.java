package io.poseidon.processors.sim;

import io.poseidon.processors.forge.PipelineStages;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.forge.CancelStage;
import io.poseidon.schemas.forge.RunStage;
import io.poseidon.schemas.forge.StageCommand;
import io.poseidon.schemas.forge.StageFailed;
import io.poseidon.schemas.forge.StageResult;
import io.poseidon.schemas.forge.StageSucceeded;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.timers.TimerIndex;
import io.poseidon.topology.tracing.Tracing;
import java.time.Clock;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Carries out forge's stage commands after a configured time. Each {@code RunStage} is kept (keyed
 * {@code <runId>|<stage>|<attempt>}) until its timer fires, so a redelivered command is not answered
 * twice and a restart loses no stage; a {@code CancelStage} drops it, and it is never answered. The
 * answer is a {@code StageSucceeded} with the metrics forge's quality gates read (test:
 * {@code coverage}, security: {@code criticalVulnerabilities}), or a non-retryable
 * {@code StageFailed} where {@code sim.stage.failures} names {@code service@stage}.
 */
final class SimulatedCiRunner implements Processor<String, StageCommand, String, StageResult> {

  private final SimConfig config;
  private final Clock clock;
  private ProcessorContext<String, StageResult> context;
  private KeyValueStore<String, StageCommand> pending;
  private TimerIndex timers;
  private Tracing tracing = Tracing.off();

  SimulatedCiRunner(SimConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  @Override
  public void init(ProcessorContext<String, StageResult> context) {
    this.context = context;
    this.pending = context.getStateStore(SimTopology.RUNNER_PENDING_STORE);
    this.timers = new TimerIndex(context.getStateStore(SimTopology.RUNNER_TIMER_STORE));
    this.tracing = Tracing.of(context);
    context.schedule(config.timerScanInterval(), PunctuationType.WALL_CLOCK_TIME, this::fire);
  }

  @Override
  public void process(Record<String, StageCommand> record) {
    StageCommand command = record.value();
    if (command == null) {
      throw new RejectedRecordException("empty stage command");
    }
    if (command.getPayload() instanceof RunStage run) {
      String id = id(run.getRunId(), run.getStage(), run.getAttempt());
      if (pending.get(id) != null) {
        return; // redelivered: already scheduled
      }
      pending.put(id, command);
      timers.schedule(id, clock.millis() + config.stageDuration().toMillis(), Tracing.current());
    } else if (command.getPayload() instanceof CancelStage cancel) {
      // the timer stays; when it fires it finds nothing to answer
      pending.delete(id(cancel.getRunId(), cancel.getStage(), cancel.getAttempt()));
    }
  }

  void fire(long now) {
    for (TimerIndex.Due due : timers.dueWithTrace(now, 1_000)) {
      TimerIndex.Timer timer = due.timer();
      timers.cancel(timer.id(), timer.dueAt());
      StageCommand command = pending.get(timer.id());
      if (command != null) {
        pending.delete(timer.id());
        tracing.timer(SimModule.NAME, timer.id(), due.traceparent(), () -> answer(command));
      }
    }
  }

  private void answer(StageCommand command) {
    RunStage run = (RunStage) command.getPayload();
    SpecificRecord result;
    if (config.stageFailures().contains(run.getService() + "@" + run.getStage())) {
      result = new StageFailed(run.getRunId(), run.getStage(), run.getAttempt(), config.runnerId(),
          "simulated failure of " + run.getService() + " in stage " + run.getStage(), false);
    } else {
      result = new StageSucceeded(run.getRunId(), run.getStage(), run.getAttempt(), config.runnerId(),
          metrics(run.getStage()));
    }
    String type = "forge." + result.getClass().getSimpleName();
    EventMeta meta = EventMetas.causedBy(command.getMeta(), type, config.runnerId(), clock);
    context.forward(new Record<>(run.getRunId(), new StageResult(meta, result), clock.millis()),
        SimTopology.STAGE_RESULTS_SINK);
  }

  /** What a real runner would measure: coverage for test, critical vulnerabilities for security. */
  private Map<String, Double> metrics(String stage) {
    return switch (stage) {
      case PipelineStages.TEST -> Map.of(PipelineStages.COVERAGE_METRIC, config.coverage());
      case PipelineStages.SECURITY -> Map.of(PipelineStages.CRITICAL_VULNERABILITIES_METRIC,
          (double) config.criticalVulnerabilities());
      default -> Map.of();
    };
  }

  private static String id(String runId, String stage, int attempt) {
    return runId + '|' + stage + '|' + attempt;
  }
}
