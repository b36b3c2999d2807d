package io.poseidon.processors.forge;

import io.poseidon.topology.validation.Ids;
import io.poseidon.topology.events.Cause;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.forge.CancelStage;
import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineRunFinished;
import io.poseidon.schemas.forge.PipelineRunRequested;
import io.poseidon.schemas.forge.PipelineRunStarted;
import io.poseidon.schemas.forge.PipelineStatus;
import io.poseidon.schemas.forge.RunStage;
import io.poseidon.schemas.forge.StageFailed;
import io.poseidon.schemas.forge.StageState;
import io.poseidon.schemas.forge.StageStatus;
import io.poseidon.schemas.forge.StageStatusChanged;
import io.poseidon.schemas.forge.StageSucceeded;
import io.poseidon.topology.errors.RejectedRecordException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * forge's decisions for one pipeline run: given what happened (a command, a runner's result, a timer),
 * which stages change status, which facts are emitted and which commands are sent. It reads and writes
 * only through {@link PipelineChanges}, so it runs without Kafka in unit tests. The states and
 * transitions are described in {@code package-info.java}.
 *
 * <p>Everything that does not answer a stage attempt in progress (an unknown run, another attempt, a
 * duplicate, a result after the run ended, a stale timer) changes nothing: redeliveries and late
 * answers are harmless.
 */
final class PipelineSaga {

  private static final Logger log = LoggerFactory.getLogger(PipelineSaga.class);

  private final ForgeConfig config;

  PipelineSaga(ForgeConfig config) {
    this.config = config;
  }

  // --- commands ---------------------------------------------------------------------------------

  void onRequested(PipelineChanges changes, EventMeta meta, PipelineRunRequested r) {
    Map<String, String> problems = ForgeValidation.check(r);
    if (!problems.isEmpty()) {
      throw new RejectedRecordException(Ids.describe(problems));
    }
    if (changes.run(r.getRunId()) != null) {
      log.debug("Run {} already requested; request {} changes nothing", r.getRunId(), meta.getEventId());
      return;
    }
    List<StageState> stages = new ArrayList<>();
    for (String stage : PipelineStages.ALL) {
      stages.add(StageState.newBuilder().setStage(stage).setStatus(StageStatus.PENDING).setAttempt(0)
          .setDetail(null).setMetrics(new LinkedHashMap<>()).build());
    }
    PipelineRun.Builder run = PipelineRun.newBuilder()
        .setRunId(r.getRunId())
        .setService(r.getService())
        .setCommit(r.getCommit())
        .setBranch(r.getBranch())
        .setStatus(PipelineStatus.RUNNING)
        .setStages(stages)
        .setMinCoverage(r.getMinCoverage() != null ? r.getMinCoverage() : config.defaultMinCoverage())
        .setMaxCriticalVulnerabilities(r.getMaxCriticalVulnerabilities() != null ? r.getMaxCriticalVulnerabilities()
            : config.defaultMaxCriticalVulnerabilities())
        .setReason(null)
        .setCorrelationId(meta.getCorrelationId())
        .setRequestedAt(Instant.ofEpochMilli(meta.getTime().toEpochMilli()))
        .setUpdatedAt(changes.now());
    changes.add(run);
    Cause cause = Cause.of(meta);
    changes.emit(run, cause, new PipelineRunStarted(run.getRunId(), run.getService(), run.getCommit(),
        new ArrayList<>(PipelineStages.ALL)));
    startReadyStages(changes, run, cause);
  }

  void onCancelRequested(PipelineChanges changes, EventMeta meta, PipelineRunCancelRequested c) {
    Map<String, String> problems = ForgeValidation.check(c);
    if (!problems.isEmpty()) {
      throw new RejectedRecordException(Ids.describe(problems));
    }
    PipelineRun.Builder run = changes.run(c.getRunId());
    if (run == null || run.getStatus() != PipelineStatus.RUNNING) {
      log.debug("Cancel of run {} ({}) changes nothing", c.getRunId(), run == null ? "unknown" : run.getStatus());
      return;
    }
    String reason = "cancelled" + (c.getReason() == null || c.getReason().isBlank() ? "" : ": " + c.getReason());
    end(changes, run, Cause.of(meta), PipelineStatus.CANCELLED, reason, reason);
  }

  // --- runner results ---------------------------------------------------------------------------

  void onStageSucceeded(PipelineChanges changes, EventMeta meta, StageSucceeded s) {
    PipelineRun.Builder run = awaiting(changes, s.getRunId(), s.getStage(), s.getAttempt());
    if (run == null) {
      return;
    }
    Cause cause = Cause.of(meta);
    String stage = s.getStage();
    Map<String, Double> metrics = new LinkedHashMap<>(s.getMetrics());
    String gateFailure = qualityGateFailure(run, stage, metrics);
    if (gateFailure != null) {
      changeStage(changes, run, cause, stage, StageStatus.FAILED, s.getAttempt(), gateFailure, metrics);
      end(changes, run, cause, PipelineStatus.FAILED, stage + " stage failed: " + gateFailure, null);
      return;
    }
    String passed = qualityGatePassed(run, stage, metrics);
    changeStage(changes, run, cause, stage, StageStatus.COMPLETED, s.getAttempt(),
        "by runner " + s.getRunnerId() + (passed == null ? "" : "; " + passed), metrics);
    if (run.getStages().stream().allMatch(st -> st.getStatus() == StageStatus.COMPLETED)) {
      run.setStatus(PipelineStatus.SUCCEEDED);
      changes.emit(run, cause, new PipelineRunFinished(run.getRunId(), run.getService(), run.getCommit(),
          PipelineStatus.SUCCEEDED, null));
    } else {
      startReadyStages(changes, run, cause);
    }
  }

  void onStageFailed(PipelineChanges changes, EventMeta meta, StageFailed f) {
    PipelineRun.Builder run = awaiting(changes, f.getRunId(), f.getStage(), f.getAttempt());
    if (run == null) {
      return;
    }
    Cause cause = Cause.of(meta);
    int attempt = f.getAttempt();
    if (f.getRetryable() && attempt < config.maxAttempts()) {
      Duration backoff = config.retryBackoff(attempt);
      changeStage(changes, run, cause, f.getStage(), StageStatus.RETRYING, attempt, f.getReason() + " (attempt "
          + attempt + " of " + config.maxAttempts() + "; next in " + backoff.toMillis() + " ms)", null);
      changes.schedule(new PipelineTimers.Timer(run.getRunId(), f.getStage(), PipelineTimers.Kind.STAGE_RETRY,
          attempt, meta.getEventId()), changes.now().plus(backoff));
      return;
    }
    String why = f.getReason() + (f.getRetryable() ? " (gave up after " + attempt + " attempts)" : "");
    changeStage(changes, run, cause, f.getStage(), StageStatus.FAILED, attempt, why, null);
    end(changes, run, cause, PipelineStatus.FAILED, f.getStage() + " stage failed: " + why, null);
  }

  // --- timers -----------------------------------------------------------------------------------

  /** A durable timer fired. It acts only when its stage is still in the state that armed it. */
  void onTimer(PipelineChanges changes, String timerId, long dueAt) {
    PipelineTimers.Timer timer = PipelineTimers.parse(timerId);
    if (timer == null) {
      log.warn("Timer {} is not a forge timer; ignored", timerId);
      return;
    }
    PipelineRun.Builder run = changes.run(timer.runId());
    StageState stage = run == null ? null : stage(run, timer.stage());
    StageStatus armedIn = timer.kind() == PipelineTimers.Kind.STAGE_TIMEOUT ? StageStatus.RUNNING : StageStatus.RETRYING;
    if (stage == null || run.getStatus() != PipelineStatus.RUNNING || stage.getStatus() != armedIn
        || stage.getAttempt() != timer.attempt()) {
      log.debug("Stale timer {} ignored", timerId);
      return;
    }
    Cause cause = Cause.decided(timer.causationId());
    switch (timer.kind()) {
      case STAGE_TIMEOUT -> {
        String timedOut = "timed out after " + config.stageTimeoutSeconds() + "s";
        changeStage(changes, run, cause, timer.stage(), StageStatus.FAILED, timer.attempt(), timedOut, null);
        // the runner may still be working on it: tell it to stop (its late answer is ignored anyway)
        changes.send(run, cause, new CancelStage(run.getRunId(), timer.stage(), timer.attempt()));
        end(changes, run, cause, PipelineStatus.FAILED, timer.stage() + " stage " + timedOut, null);
      }
      case STAGE_RETRY -> runStage(changes, run, cause, timer.stage(), timer.attempt() + 1);
    }
  }

  // --- transitions ------------------------------------------------------------------------------

  /** Starts every PENDING stage whose needs have all COMPLETED, in pipeline order. */
  private void startReadyStages(PipelineChanges changes, PipelineRun.Builder run, Cause cause) {
    for (StageState stage : List.copyOf(run.getStages())) {
      if (stage.getStatus() == StageStatus.PENDING && PipelineStages.needs(stage.getStage()).stream()
          .allMatch(need -> stage(run, need).getStatus() == StageStatus.COMPLETED)) {
        runStage(changes, run, cause, stage.getStage(), 1);
      }
    }
  }

  private void runStage(PipelineChanges changes, PipelineRun.Builder run, Cause cause, String stage, int attempt) {
    changeStage(changes, run, cause, stage, StageStatus.RUNNING, attempt, null, null);
    int timeout = config.stageTimeoutSeconds();
    EventMeta command = changes.send(run, cause, RunStage.newBuilder()
        .setRunId(run.getRunId())
        .setStage(stage)
        .setService(run.getService())
        .setCommit(run.getCommit())
        .setAttempt(attempt)
        .setTimeoutSeconds(timeout)
        .build());
    changes.schedule(new PipelineTimers.Timer(run.getRunId(), stage, PipelineTimers.Kind.STAGE_TIMEOUT, attempt,
        command.getEventId()), changes.now().plusSeconds(timeout));
  }

  /**
   * Terminal state: every stage not finished ends CANCELLED (a stage a runner works on also gets a
   * {@code CancelStage}), then the run is announced finished.
   *
   * @param stageDetail detail of the CANCELLED stages; null for "run failed: <reason>"
   */
  private void end(PipelineChanges changes, PipelineRun.Builder run, Cause cause, PipelineStatus status,
      String reason, String stageDetail) {
    String detail = stageDetail != null ? stageDetail : "run failed: " + reason;
    for (StageState stage : List.copyOf(run.getStages())) {
      StageStatus was = stage.getStatus();
      if (was == StageStatus.RUNNING || was == StageStatus.RETRYING || was == StageStatus.PENDING) {
        changeStage(changes, run, cause, stage.getStage(), StageStatus.CANCELLED, stage.getAttempt(), detail, null);
        if (was == StageStatus.RUNNING) {
          changes.send(run, cause, new CancelStage(run.getRunId(), stage.getStage(), stage.getAttempt()));
        }
      }
    }
    run.setStatus(status);
    run.setReason(reason);
    changes.emit(run, cause, new PipelineRunFinished(run.getRunId(), run.getService(), run.getCommit(), status, reason));
  }

  /** Sets a stage's status, attempt, detail (and metrics when given) and emits the change. */
  private static void changeStage(PipelineChanges changes, PipelineRun.Builder run, Cause cause, String stage,
      StageStatus status, int attempt, String detail, Map<String, Double> metrics) {
    List<StageState> stages = new ArrayList<>(run.getStages());
    for (int i = 0; i < stages.size(); i++) {
      StageState s = stages.get(i);
      if (s.getStage().equals(stage)) {
        StageState.Builder changed = StageState.newBuilder(s).setStatus(status).setAttempt(attempt).setDetail(detail);
        if (metrics != null) {
          changed.setMetrics(metrics);
        }
        stages.set(i, changed.build());
      }
    }
    run.setStages(stages);
    changes.emit(run, cause, StageStatusChanged.newBuilder()
        .setRunId(run.getRunId())
        .setStage(stage)
        .setStatus(status)
        .setAttempt(attempt)
        .setDetail(detail)
        .build());
  }

  // --- quality gates ----------------------------------------------------------------------------

  /**
   * Why a succeeded stage fails its quality gate, or null when it passes (or has none). test: the
   * {@code coverage} metric must reach {@code minCoverage} (0 turns the gate off); security: the
   * {@code criticalVulnerabilities} metric must not exceed {@code maxCriticalVulnerabilities}. A metric
   * a gate needs and the runner did not report fails the gate.
   */
  static String qualityGateFailure(PipelineRun.Builder run, String stage, Map<String, Double> metrics) {
    if (PipelineStages.TEST.equals(stage) && run.getMinCoverage() > 0.0) {
      Double coverage = metrics.get(PipelineStages.COVERAGE_METRIC);
      if (coverage == null) {
        return "quality gate: coverage not reported (must be >= " + ratio(run.getMinCoverage()) + ")";
      }
      if (!(coverage >= run.getMinCoverage())) {
        return "quality gate: coverage " + ratio(coverage) + " < " + ratio(run.getMinCoverage());
      }
    } else if (PipelineStages.SECURITY.equals(stage)) {
      Double critical = metrics.get(PipelineStages.CRITICAL_VULNERABILITIES_METRIC);
      if (critical == null) {
        return "quality gate: criticalVulnerabilities not reported (must be <= "
            + run.getMaxCriticalVulnerabilities() + ")";
      }
      if (!(critical <= run.getMaxCriticalVulnerabilities())) {
        return "quality gate: criticalVulnerabilities " + count(critical) + " > " + run.getMaxCriticalVulnerabilities();
      }
    }
    return null;
  }

  /** The gate a stage passed, for the COMPLETED detail; null when it has none. */
  private static String qualityGatePassed(PipelineRun.Builder run, String stage, Map<String, Double> metrics) {
    if (PipelineStages.TEST.equals(stage) && run.getMinCoverage() > 0.0) {
      return "coverage " + ratio(metrics.get(PipelineStages.COVERAGE_METRIC)) + " >= " + ratio(run.getMinCoverage());
    }
    if (PipelineStages.SECURITY.equals(stage)) {
      return "criticalVulnerabilities " + count(metrics.get(PipelineStages.CRITICAL_VULNERABILITIES_METRIC)) + " <= "
          + run.getMaxCriticalVulnerabilities();
    }
    return null;
  }

  private static String ratio(double value) {
    return String.format(Locale.ROOT, "%.2f", value);
  }

  private static String count(double value) {
    return value == Math.rint(value) && !Double.isInfinite(value) ? Long.toString((long) value) : Double.toString(value);
  }

  // --- helpers ----------------------------------------------------------------------------------

  /**
   * The run whose stage attempt in progress a result answers, or null (logged at debug) when the result
   * answers anything else: unknown run, a run that ended, another attempt, a stage that is not waiting
   * for a runner (pending, retry backoff, finished).
   */
  private static PipelineRun.Builder awaiting(PipelineChanges changes, String runId, String stage, int attempt) {
    if (!PipelineStages.isStage(stage)) {
      throw new RejectedRecordException("'" + stage + "' is not a pipeline stage (" + String.join(", ",
          PipelineStages.ALL) + ")");
    }
    PipelineRun.Builder run = changes.run(runId);
    if (run == null) {
      log.debug("Result for unknown run {} ignored", runId);
      return null;
    }
    StageState state = stage(run, stage);
    if (run.getStatus() != PipelineStatus.RUNNING || state.getStatus() != StageStatus.RUNNING
        || state.getAttempt() != attempt) {
      log.debug("Result {} attempt {} for run {} ignored: not the attempt in progress (run {}, stage {} attempt {})",
          stage, attempt, runId, run.getStatus(), state.getStatus(), state.getAttempt());
      return null;
    }
    return run;
  }

  static StageState stage(PipelineRun.Builder run, String stage) {
    for (StageState s : run.getStages()) {
      if (s.getStage().equals(stage)) {
        return s;
      }
    }
    return null;
  }
}
