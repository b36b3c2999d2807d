package io.poseidon.processors.forge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.testing.MutableClock;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.schemas.forge.PipelineRunRequested;
import io.poseidon.schemas.forge.PipelineStatus;
import io.poseidon.schemas.forge.StageFailed;
import io.poseidon.schemas.forge.StageState;
import io.poseidon.schemas.forge.StageStatus;
import io.poseidon.schemas.forge.StageSucceeded;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.saga.Table;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The saga's decisions without Kafka: runs in a map, outputs and timers read from {@link PipelineChanges}. */
class PipelineSagaTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

  private final MutableClock clock = new MutableClock(T0);
  private final PipelineSaga saga = new PipelineSaga(ForgeConfig.defaults());
  private final Map<String, PipelineRun> runs = new HashMap<>();

  @Test
  void shouldCreateTheRunWithDefaultGatesStartBuildAndArmItsTimeout() {
    EventMeta meta = meta("forge.PipelineRunRequested");

    PipelineChanges changes = apply(c -> saga.onRequested(c, meta, request(null)));

    assertEquals(List.of("Event forge.PipelineRunStarted", "Event forge.StageStatusChanged", "Command forge.RunStage"),
        kinds(changes));
    String command = changes.outputs().get(2).meta().getEventId();
    assertEquals(List.of(new TimerIndex.Timer("run-1|build|stage-timeout|1|" + command,
        T0.plusSeconds(60).toEpochMilli())), changes.timersToSchedule());
    PipelineRun run = runs.get("run-1");
    assertEquals(PipelineStatus.RUNNING, run.getStatus());
    assertEquals(0.8, run.getMinCoverage(), "forge's default");
    assertEquals(0, run.getMaxCriticalVulnerabilities(), "forge's default");
    assertEquals(List.of(StageStatus.RUNNING, StageStatus.PENDING, StageStatus.PENDING, StageStatus.PENDING),
        run.getStages().stream().map(StageState::getStatus).toList());
    assertEquals(meta.getCorrelationId(), run.getCorrelationId());
  }

  @Test
  void shouldArmARetryTimerCausedByTheFailure() {
    apply(c -> saga.onRequested(c, meta("forge.PipelineRunRequested"), request(null)));
    EventMeta failure = meta("forge.StageFailed");

    PipelineChanges changes = apply(c -> saga.onStageFailed(c, failure, failed("build", 1, true)));

    assertEquals(List.of(new TimerIndex.Timer("run-1|build|stage-retry|1|" + failure.getEventId(),
        T0.plusSeconds(1).toEpochMilli())), changes.timersToSchedule());
    assertEquals(StageStatus.RETRYING, stage("build").getStatus());
  }

  @Test
  void shouldIgnoreATimerWhoseStageMovedOn() {
    PipelineChanges started = apply(c -> saga.onRequested(c, meta("forge.PipelineRunRequested"), request(null)));
    TimerIndex.Timer timeout = started.timersToSchedule().get(0);
    apply(c -> saga.onStageSucceeded(c, meta("forge.StageSucceeded"), succeeded("build", 1, Map.of())));
    PipelineRun before = runs.get("run-1");
    clock.advance(Duration.ofSeconds(60));

    PipelineChanges changes = apply(c -> saga.onTimer(c, timeout.id(), timeout.dueAt()));

    assertTrue(changes.outputs().isEmpty());
    assertTrue(changes.changedRuns().isEmpty());
    assertEquals(before, runs.get("run-1"));
  }

  @Test
  void shouldTurnTheCoverageGateOffWithZero() {
    apply(c -> saga.onRequested(c, meta("forge.PipelineRunRequested"), request(0.0)));
    apply(c -> saga.onStageSucceeded(c, meta("forge.StageSucceeded"), succeeded("build", 1, Map.of())));

    apply(c -> saga.onStageSucceeded(c, meta("forge.StageSucceeded"), succeeded("test", 1, Map.of())));

    assertEquals(StageStatus.COMPLETED, stage("test").getStatus(), "no coverage needed with minCoverage 0");
    assertEquals("by runner r-1", stage("test").getDetail());
  }

  @Test
  void shouldNeverPassTheVulnerabilityGateWithoutTheMetric() {
    apply(c -> saga.onRequested(c, meta("forge.PipelineRunRequested"), request(0.0)));
    apply(c -> saga.onStageSucceeded(c, meta("forge.StageSucceeded"), succeeded("build", 1, Map.of())));

    apply(c -> saga.onStageSucceeded(c, meta("forge.StageSucceeded"), succeeded("security", 1, Map.of())));

    assertEquals(StageStatus.FAILED, stage("security").getStatus());
    assertEquals("quality gate: criticalVulnerabilities not reported (must be <= 0)", stage("security").getDetail());
    assertEquals(PipelineStatus.FAILED, runs.get("run-1").getStatus());
  }

  @Test
  void shouldRejectAResultForAStageThePipelineDoesNotHave() {
    apply(c -> saga.onRequested(c, meta("forge.PipelineRunRequested"), request(null)));

    RejectedRecordException e = assertThrows(RejectedRecordException.class,
        () -> saga.onStageSucceeded(changes(), meta("forge.StageSucceeded"), succeeded("lint", 1, Map.of())));
    assertTrue(e.getMessage().contains("'lint' is not a pipeline stage"), e.getMessage());
  }

  @Test
  void shouldRejectAnInvalidRequestWithoutCreatingTheRun() {
    PipelineChanges changes = changes();
    PipelineRunRequested bad = PipelineRunRequested.newBuilder(request(null)).setCommit("main").build();

    assertThrows(RejectedRecordException.class, () -> saga.onRequested(changes, meta("forge.PipelineRunRequested"), bad));
    assertTrue(changes.outputs().isEmpty());
    assertTrue(changes.changedRuns().isEmpty());
    assertNull(runs.get("run-1"));
  }

  // --- helpers -------------------------------------------------------------------------------

  private PipelineChanges changes() {
    return new PipelineChanges(Table.of(runs), clock);
  }

  /** Runs one unit of work and stores what it changed, as the processor does. */
  private PipelineChanges apply(Consumer<PipelineChanges> decision) {
    PipelineChanges changes = changes();
    decision.accept(changes);
    changes.changedRuns().forEach(r -> runs.put(r.getRunId(), r));
    return changes;
  }

  private StageState stage(String stage) {
    return runs.get("run-1").getStages().stream().filter(s -> s.getStage().equals(stage)).findFirst().orElseThrow();
  }

  private static List<String> kinds(PipelineChanges changes) {
    return changes.outputs().stream()
        .map(o -> (o.sink().equals(ForgeTopology.PIPELINE_EVENTS_SINK) ? "Event" : "Command") + " " + o.meta().getType())
        .toList();
  }

  private EventMeta meta(String type) {
    return EventMetas.first(type, "test", "ada", null, clock);
  }

  private static PipelineRunRequested request(Double minCoverage) {
    return PipelineRunRequested.newBuilder().setRunId("run-1").setService("checkout").setCommit("4d9bb9a")
        .setBranch("main").setMinCoverage(minCoverage).setMaxCriticalVulnerabilities(null).build();
  }

  private static StageSucceeded succeeded(String stage, int attempt, Map<String, Double> metrics) {
    return StageSucceeded.newBuilder().setRunId("run-1").setStage(stage).setAttempt(attempt).setRunnerId("r-1")
        .setMetrics(metrics).build();
  }

  private static StageFailed failed(String stage, int attempt, boolean retryable) {
    return StageFailed.newBuilder().setRunId("run-1").setStage(stage).setAttempt(attempt).setRunnerId("r-1")
        .setReason("boom").setRetryable(retryable).build();
  }
}
