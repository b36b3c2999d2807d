package io.poseidon.processors.forge;

import io.poseidon.topology.catalog.TopicSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.testing.MutableClock;
import io.poseidon.processors.testing.TopologyHarness;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.forge.CancelStage;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineEvent;
import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineRunFinished;
import io.poseidon.schemas.forge.PipelineRunRequested;
import io.poseidon.schemas.forge.PipelineRunStarted;
import io.poseidon.schemas.forge.PipelineStatus;
import io.poseidon.schemas.forge.RunStage;
import io.poseidon.schemas.forge.StageCommand;
import io.poseidon.schemas.forge.StageFailed;
import io.poseidon.schemas.forge.StageResult;
import io.poseidon.schemas.forge.StageState;
import io.poseidon.schemas.forge.StageStatus;
import io.poseidon.schemas.forge.StageStatusChanged;
import io.poseidon.schemas.forge.StageSucceeded;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.streams.StreamsDefaults;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * forge through TopologyTestDriver: the very topology the node runs, with registry-less serdes. A small
 * fake CI runner ({@link Runner}) reads forge.stage-commands and answers on forge.stage-results;
 * wall-clock time moves the driver and the saga's clock together.
 */
class ForgeTopologyTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final String SERVICE = "checkout";
  private static final String COMMIT = "4d9bb9a95b985c6e";
  private static final int TIMEOUT_SECONDS = 60;

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(T0);
  private final ForgeConfig config = new ForgeConfig(ConfigSource.of(Map.of(
      ForgeConfig.TIMER_SCAN_INTERVAL_MS, "100",
      ForgeConfig.STAGE_TIMEOUT_SECONDS, Integer.toString(TIMEOUT_SECONDS),
      ForgeConfig.MAX_ATTEMPTS, "3",
      ForgeConfig.RETRY_BACKOFF_MS, "1000",
      ForgeConfig.DEFAULT_MIN_COVERAGE, "0.8",
      ForgeConfig.DEFAULT_MAX_CRITICAL_VULNERABILITIES, "0")));
  private TopologyHarness harness;
  private TopologyTestDriver driver;
  private TestInputTopic<String, PipelineCommand> commands;
  private TestInputTopic<byte[], byte[]> rawCommands;
  private TestInputTopic<String, StageResult> results;
  private TestOutputTopic<String, PipelineEvent> events;
  private TestOutputTopic<byte[], byte[]> deadLetters;
  private Runner runner;

  @BeforeEach
  void start() {
    harness = new TopologyHarness(ForgeModule.NAME, () -> ForgeTopology.build(serdes, config, clock), clock);
    openTopics();
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  // --- the run's paths -------------------------------------------------------------------------

  @Test
  void shouldRunBuildThenTestAndSecurityInParallelThenPublishAndSucceed() {
    // Given a commit of checkout
    PipelineCommand request = request("run-1");
    send(request);

    // When the runner finishes build
    StageCommand build = runner.next();
    assertEquals("run build #1", describe(build));
    assertTrue(runner.pending().isEmpty(), "nothing else starts before build completed");
    runner.succeed(build);

    // Then test and security are both commanded before either answers
    List<StageCommand> parallel = runner.pending();
    assertEquals(List.of("run test #1", "run security #1"), describeCommands(parallel));
    // And publish waits for both, whatever order they finish in
    runner.succeed(parallel.get(1));
    assertTrue(runner.pending().isEmpty(), "publish waits for test too");
    runner.succeed(parallel.get(0));
    StageCommand publish = runner.next();
    assertEquals("run publish #1", describe(publish));
    runner.succeed(publish);

    // Then the run succeeded, every transition is an event, in order
    List<PipelineEvent> out = events.readValuesToList();
    assertEquals(List.of(
        "Started [build, test, security, publish]",
        "build RUNNING #1", "build COMPLETED #1",
        "test RUNNING #1", "security RUNNING #1",
        "security COMPLETED #1", "test COMPLETED #1",
        "publish RUNNING #1", "publish COMPLETED #1",
        "Finished SUCCEEDED"), brief(out));
    assertEquals("test COMPLETED #1: by runner runner-1; coverage 0.90 >= 0.80", describe(out.get(6)));
    assertEquals("security COMPLETED #1: by runner runner-1; criticalVulnerabilities 0 <= 0", describe(out.get(5)));

    PipelineRun run = run("run-1");
    assertEquals(PipelineStatus.SUCCEEDED, run.getStatus());
    assertEquals(List.of("build COMPLETED #1", "test COMPLETED #1", "security COMPLETED #1", "publish COMPLETED #1"),
        run.getStages().stream().map(s -> s.getStage() + " " + s.getStatus() + " #" + s.getAttempt()).toList());
    assertEquals(Map.of("coverage", 0.9), stage(run, "test").getMetrics());
    assertEquals(0.8, run.getMinCoverage(), "forge's default gate");
    assertEquals(0, run.getMaxCriticalVulnerabilities());
    assertEquals(request.getMeta().getCorrelationId(), run.getCorrelationId());
    assertNull(run.getReason());

    PipelineRunStarted started = (PipelineRunStarted) out.get(0).getPayload();
    assertEquals(SERVICE, started.getService());
    assertEquals(COMMIT, started.getCommit());
    assertEquals(request.getMeta().getEventId(), out.get(0).getMeta().getCausationId());
    assertEquals("forge.PipelineRunStarted", out.get(0).getMeta().getType());
    assertEquals("forge", out.get(0).getMeta().getSource());
    RunStage first = (RunStage) build.getPayload();
    assertEquals(SERVICE, first.getService());
    assertEquals(COMMIT, first.getCommit());
    assertEquals(TIMEOUT_SECONDS, first.getTimeoutSeconds());
    assertTrue(deadLetters.isEmpty());
  }

  @Test
  void shouldFailTheRunAndCancelSecurityWhenTheCoverageGateFails() {
    // Given build done, test and security running
    send(request("run-1"));
    runner.succeed(runner.next());
    List<StageCommand> parallel = runner.pending();
    events.readValuesToList();

    // When test reports 62% coverage while security still runs
    runner.succeed(parallel.get(0), Map.of("coverage", 0.62));

    // Then test failed its gate, security is cancelled (event and command), publish never starts
    assertEquals(List.of(
        "test FAILED #1: quality gate: coverage 0.62 < 0.80",
        "security CANCELLED #1: run failed: test stage failed: quality gate: coverage 0.62 < 0.80",
        "publish CANCELLED #0: run failed: test stage failed: quality gate: coverage 0.62 < 0.80",
        "Finished FAILED: test stage failed: quality gate: coverage 0.62 < 0.80"),
        describeEvents(events.readValuesToList()));
    assertEquals(List.of("cancel security #1"), describeCommands(runner.pending()));
    PipelineRun run = run("run-1");
    assertEquals(PipelineStatus.FAILED, run.getStatus());
    assertEquals("test stage failed: quality gate: coverage 0.62 < 0.80", run.getReason());
    assertEquals(Map.of("coverage", 0.62), stage(run, "test").getMetrics(), "the reported metrics are kept");

    // And security's late answer changes nothing
    runner.succeed(parallel.get(1));
    assertTrue(events.isEmpty());
    assertTrue(runner.pending().isEmpty());
  }

  @Test
  void shouldFailTheRunWhenSecurityReportsMoreCriticalVulnerabilitiesThanTheRequestAllows() {
    // Given a request that allows one critical vulnerability and asks for 50% coverage
    send(request("run-1", 0.5, 1));
    runner.succeed(runner.next());
    List<StageCommand> parallel = runner.pending();
    runner.succeed(parallel.get(0), Map.of("coverage", 0.62));
    events.readValuesToList();

    // When security reports two
    runner.succeed(parallel.get(1), Map.of("criticalVulnerabilities", 2.0));

    // Then the gate failed: the request's values are the gates in effect
    assertEquals(List.of(
        "security FAILED #1: quality gate: criticalVulnerabilities 2 > 1",
        "publish CANCELLED #0: run failed: security stage failed: quality gate: criticalVulnerabilities 2 > 1",
        "Finished FAILED: security stage failed: quality gate: criticalVulnerabilities 2 > 1"),
        describeEvents(events.readValuesToList()));
    assertEquals(StageStatus.COMPLETED, stage(run("run-1"), "test").getStatus(), "62% passed the 50% gate");
    assertTrue(runner.pending().isEmpty(), "nothing was running any more: nothing to cancel");
  }

  @Test
  void shouldFailTheGateWhenTheRunnerDoesNotReportTheMetric() {
    send(request("run-1"));
    runner.succeed(runner.next());
    List<StageCommand> parallel = runner.pending();
    events.readValuesToList();

    runner.succeed(parallel.get(0), Map.of());

    assertEquals("test FAILED #1: quality gate: coverage not reported (must be >= 0.80)",
        describeEvents(events.readValuesToList()).get(0));
    assertEquals(PipelineStatus.FAILED, run("run-1").getStatus());
  }

  @Test
  void shouldRetryARetryableFailureWithBackoffThenSucceed() {
    // Given a run whose build starts
    send(request("run-1"));
    StageCommand first = runner.next();

    // When the runner fails build twice with a retryable error
    runner.fail(first, "runner pool busy", true);
    assertTrue(runner.pending().isEmpty(), "no retry before the backoff");
    advance(Duration.ofMillis(900));
    assertTrue(runner.pending().isEmpty());
    advance(Duration.ofMillis(200)); // 1 s backoff over
    StageCommand second = runner.next();
    runner.fail(second, "runner pool busy", true);
    advance(Duration.ofMillis(1_100));
    assertTrue(runner.pending().isEmpty(), "the second backoff is twice as long");
    advance(Duration.ofMillis(1_000));
    StageCommand third = runner.next();
    // And succeeds on the third attempt; a late answer to the first attempt is ignored
    runner.succeed(third);
    runner.succeed(first);
    runner.pending();

    // Then build took three attempts and the pipeline went on
    assertEquals(List.of("run build #1", "run build #2", "run build #3", "run test #1", "run security #1"),
        describeCommands(runner.received));
    assertEquals(List.of(
        "Started [build, test, security, publish]",
        "build RUNNING #1", "build RETRYING #1: runner pool busy (attempt 1 of 3; next in 1000 ms)",
        "build RUNNING #2", "build RETRYING #2: runner pool busy (attempt 2 of 3; next in 2000 ms)",
        "build RUNNING #3", "build COMPLETED #3: by runner runner-1",
        "test RUNNING #1", "security RUNNING #1"), describeEvents(events.readValuesToList()));
    assertEquals(3, stage(run("run-1"), "build").getAttempt());
  }

  @Test
  void shouldFailTheRunAfterMaxAttempts() {
    send(request("run-1"));
    runner.fail(runner.next(), "runner pool busy", true);
    advance(Duration.ofSeconds(1));
    runner.fail(runner.next(), "runner pool busy", true);
    advance(Duration.ofSeconds(2));
    runner.fail(runner.next(), "runner pool busy", true);

    PipelineRun run = run("run-1");
    assertEquals(PipelineStatus.FAILED, run.getStatus());
    assertEquals("build stage failed: runner pool busy (gave up after 3 attempts)", run.getReason());
    assertEquals(3, runner.received.size());
    advance(Duration.ofSeconds(10));
    assertTrue(runner.pending().isEmpty());
  }

  @Test
  void shouldFailTheRunAtOnceOnANonRetryableFailure() {
    send(request("run-1"));
    runner.fail(runner.next(), "compiler error", false);

    assertEquals(List.of("Started [build, test, security, publish]", "build RUNNING #1",
        "build FAILED #1: compiler error",
        "test CANCELLED #0: run failed: build stage failed: compiler error",
        "security CANCELLED #0: run failed: build stage failed: compiler error",
        "publish CANCELLED #0: run failed: build stage failed: compiler error",
        "Finished FAILED: build stage failed: compiler error"), describeEvents(events.readValuesToList()));
  }

  @Test
  void shouldFailTheRunWhenAStageTimesOut() {
    // Given build done after 5 s (its own timeout, due at 60 s, is stale now), test and security running
    send(request("run-1"));
    advance(Duration.ofSeconds(5));
    runner.succeed(runner.next());
    List<StageCommand> parallel = runner.pending();
    // And security answered
    runner.succeed(parallel.get(1));
    events.readValuesToList();

    // When test does not answer within the stage timeout
    advance(Duration.ofSeconds(TIMEOUT_SECONDS - 1));
    assertTrue(events.isEmpty(), "not yet timed out");
    advance(Duration.ofSeconds(1));

    // Then test failed (not retried), the runner is told to stop it, and the run failed
    assertEquals(List.of(
        "test FAILED #1: timed out after 60s",
        "publish CANCELLED #0: run failed: test stage timed out after 60s",
        "Finished FAILED: test stage timed out after 60s"), describeEvents(events.readValuesToList()));
    assertEquals(List.of("cancel test #1"), describeCommands(runner.pending()));
    assertEquals("test stage timed out after 60s", run("run-1").getReason());

    // And the late answer to the timed-out stage changes nothing
    runner.succeed(parallel.get(0));
    assertTrue(events.isEmpty());
    assertEquals(PipelineStatus.FAILED, run("run-1").getStatus());
  }

  @Test
  void shouldCancelARunMidway() {
    // Given test running and security waiting to retry
    send(request("run-1"));
    runner.succeed(runner.next());
    List<StageCommand> parallel = runner.pending();
    runner.fail(parallel.get(1), "scanner db locked", true);
    events.readValuesToList();

    // When the run is cancelled
    send(cancel("run-1", "wrong commit"));

    // Then every stage not finished is cancelled; only the running one gets a CancelStage
    assertEquals(List.of(
        "test CANCELLED #1: cancelled: wrong commit",
        "security CANCELLED #1: cancelled: wrong commit",
        "publish CANCELLED #0: cancelled: wrong commit",
        "Finished CANCELLED: cancelled: wrong commit"), describeEvents(events.readValuesToList()));
    assertEquals(List.of("cancel test #1"), describeCommands(runner.pending()));
    PipelineRun run = run("run-1");
    assertEquals(PipelineStatus.CANCELLED, run.getStatus());
    assertEquals(StageStatus.COMPLETED, stage(run, "build").getStatus());

    // And neither the retry timer, a late answer nor a second cancel changes anything
    advance(Duration.ofSeconds(2));
    runner.succeed(parallel.get(0));
    send(cancel("run-1", "again"));
    assertTrue(events.isEmpty());
    assertTrue(runner.pending().isEmpty());
    assertEquals(run, run("run-1"));
  }

  @Test
  void shouldIgnoreACancelOfAnUnknownRun() {
    send(cancel("run-x", null));

    assertTrue(events.isEmpty());
    assertNull(runOrNull("run-x"));
    assertTrue(deadLetters.isEmpty());
  }

  @Test
  void shouldIgnoreADuplicateResult() {
    // Given build answered once
    send(request("run-1"));
    StageCommand build = runner.next();
    StageResult result = runner.succeed(build);
    List<String> afterOnce = brief(events.readValuesToList());
    List<StageCommand> afterOnceCommands = runner.pending();
    PipelineRun once = run("run-1");

    // When the result is delivered again, and a contradicting failure of the same attempt arrives
    results.pipeInput("run-1", result, result.getMeta().getTime());
    runner.fail(build, "late", false);

    // Then nothing more happened
    assertEquals(List.of("Started [build, test, security, publish]", "build RUNNING #1", "build COMPLETED #1",
        "test RUNNING #1", "security RUNNING #1"), afterOnce);
    assertEquals(2, afterOnceCommands.size());
    assertTrue(events.isEmpty());
    assertTrue(runner.pending().isEmpty());
    assertEquals(once, run("run-1"));
    assertTrue(deadLetters.isEmpty(), "a duplicate is not a bad record");
  }

  @Test
  void shouldIgnoreARepeatedRunRequest() {
    PipelineCommand request = request("run-1");
    send(request);
    events.readValuesToList();
    PipelineRun once = run("run-1");

    send(request);
    send(request("run-1", 0.1, 5));

    assertTrue(events.isEmpty());
    assertEquals(once, run("run-1"));
    assertEquals(1, runner.pending().size());
  }

  @Test
  void shouldSendAPoisonRecordAndAnInvalidRequestToTheDeadLetterTopic() {
    // When garbage bytes, invalid requests and a request keyed by another run arrive
    rawCommands.pipeInput("run-0".getBytes(StandardCharsets.UTF_8), "{\"broken\":".getBytes(StandardCharsets.UTF_8));
    send(command(PipelineRunRequested.newBuilder().setRunId("run-bad").setService("Checkout!").setCommit("xyz")
        .setBranch("").setMinCoverage(1.5).setMaxCriticalVulnerabilities(-1).build()));
    PipelineCommand misKeyed = request("run-2");
    commands.pipeInput("run-3", misKeyed, misKeyed.getMeta().getTime());
    // And then a good one, answered with a result for a stage the pipeline does not have
    send(request("run-1"));
    StageCommand build = runner.next();
    results.pipeInput("run-1", result(build, "forge.StageSucceeded", StageSucceeded.newBuilder().setRunId("run-1")
        .setStage("deploy").setAttempt(1).setRunnerId("runner-1").setMetrics(Map.of()).build()));

    // Then the bad ones are in forge.dlq with their reasons, and the good one runs
    List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
    assertEquals(4, dead.size());
    assertEquals("{\"broken\":", new String(dead.get(0).value(), StandardCharsets.UTF_8), "original bytes kept");
    assertEquals("deserialization", DeadLetters.header(dead.get(0).headers(), DeadLetters.HEADER_STAGE));
    assertEquals("forge.pipeline-commands", DeadLetters.header(dead.get(0).headers(), DeadLetters.HEADER_TOPIC));
    assertEquals("processing", DeadLetters.header(dead.get(1).headers(), DeadLetters.HEADER_STAGE));
    String invalid = DeadLetters.header(dead.get(1).headers(), DeadLetters.HEADER_REASON);
    for (String field : List.of("service must be", "commit must be", "branch must not be empty",
        "minCoverage must be between 0 and 1", "maxCriticalVulnerabilities must be 0 or more")) {
      assertTrue(invalid.contains(field), invalid);
    }
    assertTrue(DeadLetters.header(dead.get(2).headers(), DeadLetters.HEADER_REASON).contains("must be the runId"));
    assertTrue(DeadLetters.header(dead.get(3).headers(), DeadLetters.HEADER_REASON)
        .contains("'deploy' is not a pipeline stage"));
    assertNull(runOrNull("run-bad"));
    assertNull(runOrNull("run-2"));
    assertEquals(List.of("Started [build, test, security, publish]", "build RUNNING #1"),
        describeEvents(events.readValuesToList()));
    assertEquals(StageStatus.RUNNING, stage(run("run-1"), "build").getStatus());
  }

  @Test
  void shouldKeepTheRunsCorrelationIdOnEveryEventAndCommand() {
    // Given a request that is part of a commit workflow
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    EventMeta workflow = EventMetas.first("current.CommitPushed", "gateway", "ada", "00-" + trace + "-00f067aa0ba902b7-01",
        clock);
    PipelineCommand request = new PipelineCommand(EventMetas.causedBy(workflow, "forge.PipelineRunRequested",
        "current", clock), runRequest("run-1", null, null));
    send(request);
    String correlation = workflow.getCorrelationId();

    // When runners answer with their own correlation ids, a stage retries (timer) and another times out
    StageCommand build = runner.next();
    runner.answerWithForeignCorrelation(build);
    List<StageCommand> parallel = runner.pending();
    runner.fail(parallel.get(0), "flaky", true);
    advance(Duration.ofSeconds(1));
    StageCommand retry = runner.next();
    runner.succeed(retry);
    advance(Duration.ofSeconds(TIMEOUT_SECONDS));

    // Then every fact and every command carries the run's correlation id
    List<PipelineEvent> out = events.readValuesToList();
    runner.pending();
    assertEquals("Finished FAILED: security stage timed out after 60s", describe(out.get(out.size() - 1)));
    out.forEach(e -> assertEquals(correlation, e.getMeta().getCorrelationId(), "fact " + describe(e)));
    runner.received.forEach(c -> assertEquals(correlation, c.getMeta().getCorrelationId(), "command " + describe(c)));
    assertEquals(correlation, run("run-1").getCorrelationId());

    // And causation names the event that caused each transition
    assertEquals(request.getMeta().getEventId(), out.get(0).getMeta().getCausationId());
    // the trace goes on, through the retry (a timer) and the timeout (a timer) too (docs/tracing.md)
    out.forEach(e -> assertEquals(trace, io.poseidon.topology.tracing.Tracing.traceIdOf(e.getMeta().getTraceparent()),
        "trace of " + describe(e)));
    runner.received.forEach(c -> assertEquals(trace,
        io.poseidon.topology.tracing.Tracing.traceIdOf(c.getMeta().getTraceparent()), "trace of " + describe(c)));
    PipelineEvent retrying = find(out, "test RETRYING #1");
    PipelineEvent rerun = find(out, "test RUNNING #2");
    assertEquals(retrying.getMeta().getCausationId(), runner.lastResults.get(1).getMeta().getEventId());
    assertEquals(runner.lastResults.get(1).getMeta().getEventId(), rerun.getMeta().getCausationId(),
        "a retry is caused by the failure it retries");
    assertEquals(parallel.get(1).getMeta().getEventId(), find(out, "security FAILED #1").getMeta().getCausationId(),
        "a timeout is caused by the command that was not answered");
    assertEquals(rerun.getMeta().getCausationId(), retry.getMeta().getCausationId());
  }

  @Test
  void shouldResumeTimersAfterRestart() {
    // Given build running (its timeout is in forge-timer-store)
    send(request("run-1"));
    runner.next();
    advance(Duration.ofSeconds(20));
    events.readValuesToList();
    assertEquals(1, countEntries(ForgeTopology.TIMER_STORE), "one pending timer: build's timeout");

    // When forge restarts. TopologyTestDriver deletes its state directory on close, so the new driver
    // gets the stores' contents the way a restarted node gets them from the changelog topics.
    restart();
    advance(Duration.ofSeconds(TIMEOUT_SECONDS - 20));

    // Then the timeout fires on time, once
    assertEquals("build FAILED #1: timed out after 60s", describeEvents(events.readValuesToList()).get(0));
    assertEquals(PipelineStatus.FAILED, run("run-1").getStatus());
    assertEquals(List.of("~retention|forge-run-store|run-1"), harness.timerIds(ForgeTopology.TIMER_STORE),
        "no stage timer left behind, only the removal of the finished run after forge.retention");
  }

  @Test
  void shouldRemoveAFinishedRunFromItsStoreOnceTheRetentionIsOver() {
    // Given a run that succeeded
    send(request("run-1"));
    runner.succeed(runner.next());
    runner.pending().forEach(runner::succeed);
    runner.succeed(runner.next());
    Instant finished = run("run-1").getUpdatedAt();

    // When forge.retention (30 days) is not over, it is still there; once it is, the run is gone
    advance(Duration.between(clock.instant(), finished.plus(Duration.ofDays(30))).minusSeconds(1));
    assertNotNull(runOrNull("run-1"));
    advance(Duration.ofSeconds(1));
    assertNull(runOrNull("run-1"));
    List<TestRecord<String, byte[]>> changelog = harness.changelog("test-forge", ForgeTopology.RUN_STORE)
        .readRecordsToList();
    assertEquals("run-1", changelog.get(changelog.size() - 1).key());
    assertNull(changelog.get(changelog.size() - 1).value(), "a tombstone");
    assertEquals(0, countEntries(ForgeTopology.TIMER_STORE));
  }

  @Test
  void shouldLeaveNoTimerBehindOnceTheStaleOnesHaveFired() {
    send(request("run-1"));
    runner.succeed(runner.next());
    runner.pending().forEach(runner::succeed);
    runner.succeed(runner.next());
    assertEquals(PipelineStatus.SUCCEEDED, run("run-1").getStatus());
    events.readValuesToList();
    assertEquals(5, countEntries(ForgeTopology.TIMER_STORE),
        "the timeouts of the answered stages and the removal of the finished run");

    advance(Duration.ofSeconds(TIMEOUT_SECONDS));

    assertEquals(List.of("~retention|forge-run-store|run-1"), harness.timerIds(ForgeTopology.TIMER_STORE));
    assertTrue(events.isEmpty(), "stale timeouts change nothing");
    assertTrue(runner.pending().isEmpty());
  }

  // --- helpers -------------------------------------------------------------------------------

  private void openTopics() {
    driver = harness.driver();
    commands = harness.input(ForgeTopics.PIPELINE_COMMANDS, PipelineCommand.class);
    rawCommands = harness.rawInput(ForgeTopics.PIPELINE_COMMANDS);
    results = harness.input(ForgeTopics.STAGE_RESULTS, StageResult.class);
    events = harness.output(ForgeTopics.PIPELINE_EVENTS, PipelineEvent.class);
    deadLetters = harness.deadLetters();
    runner = new Runner(harness.output(ForgeTopics.STAGE_COMMANDS, StageCommand.class));
  }

  /** Closes the driver and starts a new one whose stores hold what the old ones held. */
  private void restart() {
    harness.restart(ForgeTopology.RUN_STORE, ForgeTopology.TIMER_STORE);
    openTopics();
  }

  private int countEntries(String store) {
    return harness.entries(store).size();
  }

  private void send(PipelineCommand command) {
    Object payload = command.getPayload();
    String key = payload instanceof PipelineRunRequested r ? r.getRunId() : ((PipelineRunCancelRequested) payload).getRunId();
    commands.pipeInput(key, command, command.getMeta().getTime());
  }

  private void advance(Duration d) {
    harness.advance(d);
  }

  private PipelineCommand request(String runId) {
    return command(runRequest(runId, null, null));
  }

  private PipelineCommand request(String runId, Double minCoverage, Integer maxCritical) {
    return command(runRequest(runId, minCoverage, maxCritical));
  }

  private static PipelineRunRequested runRequest(String runId, Double minCoverage, Integer maxCritical) {
    return PipelineRunRequested.newBuilder().setRunId(runId).setService(SERVICE).setCommit(COMMIT)
        .setBranch("main").setMinCoverage(minCoverage).setMaxCriticalVulnerabilities(maxCritical).build();
  }

  private PipelineCommand cancel(String runId, String reason) {
    return command(PipelineRunCancelRequested.newBuilder().setRunId(runId).setReason(reason).build());
  }

  private PipelineCommand command(Object payload) {
    String type = "forge." + payload.getClass().getSimpleName();
    return new PipelineCommand(EventMetas.first(type, "gateway", "ada", null, clock), payload);
  }

  private StageResult result(StageCommand command, String type, Object payload) {
    return new StageResult(EventMetas.causedBy(command.getMeta(), type, "runner-1", clock), payload);
  }

  private PipelineRun run(String runId) {
    PipelineRun run = runOrNull(runId);
    assertNotNull(run, "run " + runId);
    return run;
  }

  private PipelineRun runOrNull(String runId) {
    KeyValueStore<String, PipelineRun> store = driver.getKeyValueStore(ForgeTopology.RUN_STORE);
    return store.get(runId);
  }

  private static StageState stage(PipelineRun run, String stage) {
    return run.getStages().stream().filter(s -> s.getStage().equals(stage)).findFirst().orElseThrow();
  }

  private static PipelineEvent find(List<PipelineEvent> events, String prefix) {
    return events.stream().filter(e -> describe(e).startsWith(prefix)).findFirst()
        .orElseThrow(() -> new AssertionError("no event " + prefix + " in " + describeEvents(events)));
  }

  private static List<String> describeEvents(List<PipelineEvent> events) {
    return events.stream().map(ForgeTopologyTest::describe).toList();
  }

  /** The timeline without the details. */
  private static List<String> brief(List<PipelineEvent> events) {
    return events.stream().map(ForgeTopologyTest::describe).map(s -> s.replaceAll(":.*", "")).toList();
  }

  /** One line per fact: what a person reading the run's timeline sees. */
  static String describe(PipelineEvent event) {
    Object p = event.getPayload();
    if (p instanceof PipelineRunStarted s) {
      return "Started " + s.getStages();
    } else if (p instanceof StageStatusChanged c) {
      return c.getStage() + " " + c.getStatus() + " #" + c.getAttempt() + (c.getDetail() == null ? "" : ": " + c.getDetail());
    } else if (p instanceof PipelineRunFinished f) {
      return "Finished " + f.getStatus() + (f.getReason() == null ? "" : ": " + f.getReason());
    }
    throw new AssertionError("unexpected " + p);
  }

  private static List<String> describeCommands(List<StageCommand> commands) {
    return commands.stream().map(ForgeTopologyTest::describe).toList();
  }

  static String describe(StageCommand command) {
    if (command.getPayload() instanceof RunStage r) {
      return "run " + r.getStage() + " #" + r.getAttempt();
    }
    CancelStage c = (CancelStage) command.getPayload();
    return "cancel " + c.getStage() + " #" + c.getAttempt();
  }

  /** A fake CI runner: reads forge.stage-commands and answers the attempt each command names. */
  private final class Runner {
    private final TestOutputTopic<String, StageCommand> inbox;
    final List<StageCommand> received = new ArrayList<>();
    final List<StageResult> lastResults = new ArrayList<>();

    Runner(TestOutputTopic<String, StageCommand> inbox) {
      this.inbox = inbox;
    }

    /** The next command forge sent (fails when there is none). */
    StageCommand next() {
      assertFalse(inbox.isEmpty(), "forge sent no command to the runner");
      StageCommand command = inbox.readValue();
      received.add(command);
      return command;
    }

    /** Commands sent and not read yet (they are read by this call). */
    List<StageCommand> pending() {
      List<StageCommand> out = inbox.readValuesToList();
      received.addAll(out);
      return out;
    }

    /** Succeeds with metrics that pass the default gates. */
    StageResult succeed(StageCommand command) {
      RunStage r = (RunStage) command.getPayload();
      Map<String, Double> metrics = switch (r.getStage()) {
        case "test" -> Map.of("coverage", 0.9);
        case "security" -> Map.of("criticalVulnerabilities", 0.0);
        default -> Map.of();
      };
      return succeed(command, metrics);
    }

    StageResult succeed(StageCommand command, Map<String, Double> metrics) {
      RunStage r = (RunStage) command.getPayload();
      return answer(command, "forge.StageSucceeded", StageSucceeded.newBuilder().setRunId(r.getRunId())
          .setStage(r.getStage()).setAttempt(r.getAttempt()).setRunnerId("runner-1").setMetrics(metrics).build());
    }

    StageResult fail(StageCommand command, String reason, boolean retryable) {
      RunStage r = (RunStage) command.getPayload();
      return answer(command, "forge.StageFailed", StageFailed.newBuilder().setRunId(r.getRunId())
          .setStage(r.getStage()).setAttempt(r.getAttempt()).setRunnerId("runner-1").setReason(reason)
          .setRetryable(retryable).build());
    }

    /** A runner that starts its own chain: its result names another correlation id. */
    StageResult answerWithForeignCorrelation(StageCommand command) {
      RunStage r = (RunStage) command.getPayload();
      // its own correlation id, but the command's trace context, as the runner protocol asks
      EventMeta meta = EventMetas.first("forge.StageSucceeded", "runner-9", "runner-9",
          command.getMeta().getTraceparent(), clock);
      assertNotEquals(command.getMeta().getCorrelationId(), meta.getCorrelationId());
      StageResult result = new StageResult(meta, StageSucceeded.newBuilder().setRunId(r.getRunId())
          .setStage(r.getStage()).setAttempt(r.getAttempt()).setRunnerId("runner-9").setMetrics(Map.of()).build());
      return pipe(r.getRunId(), result);
    }

    private StageResult answer(StageCommand command, String type, Object payload) {
      return pipe(((RunStage) command.getPayload()).getRunId(), result(command, type, payload));
    }

    private StageResult pipe(String runId, StageResult result) {
      lastResults.add(result);
      results.pipeInput(runId, result, result.getMeta().getTime());
      return result;
    }
  }
}
