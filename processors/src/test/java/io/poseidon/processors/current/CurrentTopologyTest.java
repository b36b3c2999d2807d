package io.poseidon.processors.current;

import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.processors.forge.ForgeTopics;
import io.poseidon.processors.harbor.HarborTopics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.testing.MutableClock;
import io.poseidon.processors.testing.TopologyHarness;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.current.CommitPushed;
import io.poseidon.schemas.current.Timeline;
import io.poseidon.schemas.current.TimelineEntry;
import io.poseidon.schemas.current.Workflow;
import io.poseidon.schemas.current.WorkflowCommand;
import io.poseidon.schemas.current.WorkflowCompleted;
import io.poseidon.schemas.current.WorkflowEvent;
import io.poseidon.schemas.current.WorkflowFailed;
import io.poseidon.schemas.current.WorkflowStarted;
import io.poseidon.schemas.current.WorkflowStatus;
import io.poseidon.schemas.current.WorkflowStep;
import io.poseidon.schemas.current.WorkflowStepChanged;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineEvent;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineRunFinished;
import io.poseidon.schemas.forge.PipelineRunRequested;
import io.poseidon.schemas.forge.PipelineRunStarted;
import io.poseidon.schemas.forge.PipelineStatus;
import io.poseidon.schemas.forge.StageStatus;
import io.poseidon.schemas.forge.StageStatusChanged;
import io.poseidon.schemas.harbor.DeploymentCancelRequested;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.harbor.DeploymentFinished;
import io.poseidon.schemas.harbor.DeploymentRequested;
import io.poseidon.schemas.harbor.DeploymentStarted;
import io.poseidon.schemas.harbor.DeploymentStatus;
import io.poseidon.schemas.harbor.DeploymentStrategy;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.harbor.StepAction;
import io.poseidon.schemas.harbor.StepStatus;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.streams.StreamsDefaults;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * current through TopologyTestDriver: the very topology the node runs, with registry-less serdes.
 * The test plays forge and harbor by hand: it reads the commands current sends and pipes back the
 * facts those services would emit, with the request's correlation id, as their contract says.
 */
class CurrentTopologyTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final String SERVICE = "checkout";
  private static final String COMMIT = "3f2a9c1be0d4471a8c6e5f0b9a7d2c1e4f6a8b0c";
  private static final List<String> THREE_ENVS = List.of("dev", "staging", "prod");

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(T0);
  private TopologyHarness harness;
  private TopologyTestDriver driver;
  private TestInputTopic<String, WorkflowCommand> commands;
  private TestInputTopic<byte[], byte[]> rawCommands;
  private TestInputTopic<String, PipelineEvent> pipelineEvents;
  private TestInputTopic<byte[], byte[]> rawPipelineEvents;
  private TestInputTopic<String, DeploymentEvent> deploymentEvents;
  private TestOutputTopic<String, WorkflowEvent> events;
  private TestOutputTopic<String, PipelineCommand> pipelineCommands;
  private TestOutputTopic<String, DeploymentCommand> deploymentCommands;
  private TestOutputTopic<byte[], byte[]> deadLetters;

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  // --- the workflow's paths ----------------------------------------------------------------------

  @Test
  void shouldRemoveAFinishedWorkflowAndItsTimelineOnceTheRetentionIsOver() {
    start(Map.of(CurrentConfig.RETENTION, "7d"));
    // Given a workflow that completed
    WorkflowCommand push = push(SERVICE, COMMIT, "main", List.of("dev"));
    String workflowId = push.getMeta().getCorrelationId();
    send(push);
    new Forge(pipelineCommands.readValue()).finished(PipelineStatus.SUCCEEDED, null);
    new Harbor(deploymentCommands.readValue()).finished(DeploymentStatus.SUCCEEDED, null);
    Instant finished = workflow(workflowId).getUpdatedAt();

    // When current.retention (7 days here) is not over, workflow and timeline are there; then both go
    advance(Duration.between(clock.instant(), finished.plus(Duration.ofDays(7))).minusSeconds(1));
    assertNotNull(workflowOrNull(workflowId));
    assertNotNull(timelineOrNull(workflowId));
    advance(Duration.ofSeconds(1));
    assertNull(workflowOrNull(workflowId));
    assertNull(timelineOrNull(workflowId));
    for (String store : List.of(CurrentTopology.WORKFLOW_STORE, CurrentTopology.TIMELINE_STORE)) {
      List<TestRecord<String, byte[]>> changelog = harness.changelog("test-current", store).readRecordsToList();
      assertEquals(workflowId, changelog.get(changelog.size() - 1).key(), store);
      assertNull(changelog.get(changelog.size() - 1).value(), "a tombstone in " + store);
    }
  }

  @Test
  void shouldRunACommitThroughQualityChecksPipelineAndDeploymentToCompletion() {
    start(Map.of());
    // Given a commit pushed to main
    WorkflowCommand push = push(SERVICE, COMMIT, "main", THREE_ENVS);
    String workflowId = push.getMeta().getCorrelationId();
    send(push);

    // Then current asks forge for a pipeline run of the commit, in the workflow's correlation
    TestRecord<String, PipelineCommand> runRecord = pipelineCommands.readRecord();
    PipelineRunRequested run = (PipelineRunRequested) runRecord.value().getPayload();
    assertTrue(run.getRunId().startsWith("run-"), run.getRunId());
    assertEquals(run.getRunId(), runRecord.key(), "forge.pipeline-commands is keyed by runId");
    assertEquals(List.of(SERVICE, COMMIT, "main"), List.of(run.getService(), run.getCommit(), run.getBranch()));
    EventMeta runMeta = runRecord.value().getMeta();
    assertEquals(workflowId, runMeta.getCorrelationId());
    assertEquals("forge.PipelineRunRequested", runMeta.getType());
    assertEquals("current", runMeta.getSource());
    assertEquals("ada", runMeta.getActor(), "the pusher stays the actor of what follows");
    assertEquals(WorkflowStep.PIPELINE, workflow(workflowId).getStep());

    // When forge runs it and succeeds
    Forge forge = new Forge(runRecord.value());
    forge.started();
    forge.stage("build", StageStatus.COMPLETED, null);
    forge.finished(PipelineStatus.SUCCEEDED, null);

    // Then current asks harbor to deploy the commit everywhere, in the same correlation
    TestRecord<String, DeploymentCommand> deployRecord = deploymentCommands.readRecord();
    DeploymentRequested deploy = (DeploymentRequested) deployRecord.value().getPayload();
    assertEquals(SERVICE, deployRecord.key(), "harbor.deployment-commands is keyed by service");
    assertTrue(deploy.getDeploymentId().startsWith(SERVICE + "."), "harbor's id form <service>.<uuid>");
    assertEquals(COMMIT.substring(0, 12), deploy.getVersion());
    assertEquals(THREE_ENVS, deploy.getEnvironments());
    assertEquals(DeploymentStrategy.ROLLING, deploy.getStrategy());
    assertEquals(workflowId, deployRecord.value().getMeta().getCorrelationId());
    assertEquals("harbor.DeploymentRequested", deployRecord.value().getMeta().getType());

    // When harbor deploys it and succeeds
    Harbor harbor = new Harbor(deployRecord.value());
    harbor.started();
    harbor.step("dev", StepAction.DEPLOY, StepStatus.COMPLETED, null);
    harbor.finished(DeploymentStatus.SUCCEEDED, null);

    // Then the workflow completed, and every fact of it is in its correlation
    List<WorkflowEvent> out = events.readValuesToList();
    assertEquals(List.of(
        "Started",
        "QUALITY_CHECKS COMPLETED",
        "PIPELINE RUNNING " + run.getRunId(),
        "PIPELINE COMPLETED " + run.getRunId(),
        "DEPLOYMENT RUNNING " + deploy.getDeploymentId(),
        "DEPLOYMENT COMPLETED " + deploy.getDeploymentId(),
        "Completed " + deploy.getDeploymentId()), brief(out));
    out.forEach(e -> assertEquals(workflowId, e.getMeta().getCorrelationId()));
    Workflow w = workflow(workflowId);
    assertEquals(WorkflowStatus.COMPLETED, w.getStatus());
    assertEquals(run.getRunId(), w.getPipelineRunId());
    assertEquals(deploy.getDeploymentId(), w.getDeploymentId());
    assertNull(w.getCause());
    assertTrue(pipelineCommands.isEmpty());
    assertTrue(deploymentCommands.isEmpty());
    assertTrue(deadLetters.isEmpty());
  }

  @Test
  void shouldFailAtPipelineWhenTheRunFails() {
    start(Map.of());
    WorkflowCommand push = push(SERVICE, COMMIT, "main", THREE_ENVS);
    String workflowId = push.getMeta().getCorrelationId();
    send(push);

    // When forge's run fails its quality gate
    Forge forge = new Forge(pipelineCommands.readValue());
    forge.started();
    forge.stage("test", StageStatus.FAILED, "coverage 0.61 below 0.80");
    forge.finished(PipelineStatus.FAILED, "stage test failed: coverage 0.61 below 0.80");

    // Then the workflow failed at PIPELINE with forge's reason, and nothing is deployed
    assertEquals(List.of("Started", "QUALITY_CHECKS COMPLETED", "PIPELINE RUNNING " + forge.runId,
        "PIPELINE FAILED " + forge.runId + ": pipeline FAILED: stage test failed: coverage 0.61 below 0.80",
        "Failed PIPELINE: pipeline FAILED: stage test failed: coverage 0.61 below 0.80"),
        brief(events.readValuesToList()));
    Workflow w = workflow(workflowId);
    assertEquals(WorkflowStatus.FAILED, w.getStatus());
    assertEquals(WorkflowStep.PIPELINE, w.getStep());
    assertEquals("pipeline FAILED: stage test failed: coverage 0.61 below 0.80", w.getCause());
    assertTrue(deploymentCommands.isEmpty(), "a failed pipeline is not deployed");
  }

  @Test
  void shouldFailAtDeploymentWithTheCauseWhenHarborRollsBack() {
    start(Map.of());
    WorkflowCommand push = push(SERVICE, COMMIT, "main", THREE_ENVS);
    String workflowId = push.getMeta().getCorrelationId();
    send(push);
    new Forge(pipelineCommands.readValue()).finished(PipelineStatus.SUCCEEDED, null);

    // When prod fails and harbor rolls staging and dev back
    Harbor harbor = new Harbor(deploymentCommands.readValue());
    harbor.started();
    harbor.step("prod", StepAction.DEPLOY, StepStatus.FAILED, "simulated failure");
    harbor.step("staging", StepAction.ROLLBACK, StepStatus.COMPLETED, null);
    harbor.step("dev", StepAction.ROLLBACK, StepStatus.COMPLETED, null);
    harbor.finished(DeploymentStatus.ROLLED_BACK, "deploy to prod failed: simulated failure");

    // Then the workflow failed at DEPLOYMENT, saying why
    String cause = "deployment ROLLED_BACK: deploy to prod failed: simulated failure";
    List<String> out = brief(events.readValuesToList());
    assertEquals("DEPLOYMENT FAILED " + harbor.deploymentId + ": " + cause, out.get(out.size() - 2));
    assertEquals("Failed DEPLOYMENT: " + cause, out.get(out.size() - 1));
    Workflow w = workflow(workflowId);
    assertEquals(WorkflowStatus.FAILED, w.getStatus());
    assertEquals(WorkflowStep.DEPLOYMENT, w.getStep());
    assertEquals(cause, w.getCause());
  }

  @Test
  void shouldShowAnAlertOfTheDeploymentInTheTimelineBetweenTheDeployAndTheRollback() {
    start(Map.of());
    TestInputTopic<String, io.poseidon.schemas.lighthouse.AlertEvent> alerts = harness.input(
        io.poseidon.processors.lighthouse.LighthouseTopics.ALERTS, io.poseidon.schemas.lighthouse.AlertEvent.class);
    WorkflowCommand push = push(SERVICE, COMMIT, "main", THREE_ENVS);
    String workflowId = push.getMeta().getCorrelationId();
    send(push);
    new Forge(pipelineCommands.readValue()).finished(PipelineStatus.SUCCEEDED, null);
    Harbor harbor = new Harbor(deploymentCommands.readValue());
    harbor.started();
    harbor.step("prod", StepAction.HEALTH_GATE, StepStatus.RUNNING, null);
    clock.advance(Duration.ofSeconds(1));
    // lighthouse: an alert of the deployment, caused by its step (so it carries the workflow's correlation)
    DeploymentEvent gate = harbor.fact(harbor.requestMeta, new EnvironmentStepChanged(harbor.deploymentId, SERVICE,
        "prod", StepAction.HEALTH_GATE, StepStatus.RUNNING, 1, null));
    io.poseidon.schemas.lighthouse.AlertRaised raised = io.poseidon.schemas.lighthouse.AlertRaised.newBuilder()
        .setAlertId("latency{environment=prod}").setRuleId("latency").setService(SERVICE).setEnvironment("prod")
        .setMetric("http.server.duration").setSeverity("critical").setStat("p99")
        .setOp(io.poseidon.schemas.lighthouse.AlertOp.GT).setThreshold(500).setValue(1900)
        .setActiveSince(clock.instant()).setDeploymentId(harbor.deploymentId).build();
    EventMeta alertMeta = EventMetas.causedBy(gate.getMeta(), "lighthouse.AlertRaised", "lighthouse", clock);
    alerts.pipeInput(SERVICE, new io.poseidon.schemas.lighthouse.AlertEvent(alertMeta, raised), clock.instant());
    // an alert of no deployment (or of another workflow) is not the workflow's
    io.poseidon.schemas.lighthouse.AlertRaised other = io.poseidon.schemas.lighthouse.AlertRaised.newBuilder(raised)
        .setDeploymentId(null).build();
    alerts.pipeInput(SERVICE, new io.poseidon.schemas.lighthouse.AlertEvent(EventMetas.first("lighthouse.AlertRaised",
        "lighthouse", null, null, clock), other), clock.instant());
    clock.advance(Duration.ofSeconds(1));
    harbor.step("prod", StepAction.HEALTH_GATE, StepStatus.FAILED, "unhealthy in prod");
    harbor.step("prod", StepAction.ROLLBACK, StepStatus.COMPLETED, null);
    harbor.finished(DeploymentStatus.ROLLED_BACK, "health gate in prod failed");

    List<String> summaries = harness.<io.poseidon.schemas.current.Timeline>store(CurrentTopology.TIMELINE_STORE)
        .get(workflowId).getEntries().stream().map(e -> e.getSummary()).toList();
    int alert = summaries.indexOf("alert latency FIRING (critical) in prod: p99 http.server.duration 1900 > 500");
    assertTrue(alert > 0, summaries.toString());
    assertTrue(summaries.indexOf("prod HEALTH_GATE RUNNING") < alert, summaries.toString());
    assertTrue(alert < summaries.indexOf("prod ROLLBACK COMPLETED"), summaries.toString());
    assertEquals(1, summaries.stream().filter(x -> x.startsWith("alert ")).count(), summaries.toString());
  }

  @Test
  void shouldFailAtQualityChecksWhenTheBranchIsNotAllowed() {
    start(Map.of(CurrentConfig.ALLOWED_BRANCHES, "main|release/.*"));
    WorkflowCommand push = push(SERVICE, COMMIT, "feature/shiny", THREE_ENVS);
    String workflowId = push.getMeta().getCorrelationId();
    send(push);

    String why = "branch feature/shiny is not allowed (current.allowed.branches = main|release/.*)";
    assertEquals(List.of("Started", "QUALITY_CHECKS FAILED: " + why, "Failed QUALITY_CHECKS: " + why),
        brief(events.readValuesToList()));
    assertEquals(WorkflowStatus.FAILED, workflow(workflowId).getStatus());
    assertTrue(pipelineCommands.isEmpty(), "no pipeline for a commit that fails the quality checks");

    // And a release branch passes
    send(push(SERVICE, COMMIT, "release/2.1", THREE_ENVS));
    assertFalse(pipelineCommands.isEmpty());
  }

  @Test
  void shouldFailAndCancelTheRunWhenForgeDoesNotFinishInTime() {
    start(Map.of(CurrentConfig.PIPELINE_TIMEOUT_MS, "60000"));
    WorkflowCommand push = push(SERVICE, COMMIT, "main", THREE_ENVS);
    String workflowId = push.getMeta().getCorrelationId();
    send(push);
    String runId = ((PipelineRunRequested) pipelineCommands.readValue().getPayload()).getRunId();
    events.readValuesToList();

    advance(Duration.ofSeconds(59));
    assertTrue(events.isEmpty(), "not before the timeout");
    advance(Duration.ofSeconds(2));

    String why = "pipeline run " + runId + " did not finish within 1m";
    assertEquals(List.of("PIPELINE FAILED " + runId + ": " + why, "Failed PIPELINE: " + why + "; cancel requested"),
        brief(events.readValuesToList()));
    TestRecord<String, PipelineCommand> cancel = pipelineCommands.readRecord();
    assertEquals(runId, cancel.key());
    assertEquals(runId, ((PipelineRunCancelRequested) cancel.value().getPayload()).getRunId());
    assertEquals(workflowId, cancel.value().getMeta().getCorrelationId());
    assertEquals(WorkflowStatus.FAILED, workflow(workflowId).getStatus());

    // And a late answer of forge is recorded but changes nothing
    new Forge(push, runId).finished(PipelineStatus.SUCCEEDED, null);
    assertTrue(deploymentCommands.isEmpty());
    assertTrue(events.isEmpty());
    assertEquals("pipeline run " + runId + " SUCCEEDED", last(timeline(workflowId)).getSummary());
  }

  @Test
  void shouldCancelTheDeploymentWhenHarborDoesNotFinishInTime() {
    start(Map.of(CurrentConfig.DEPLOYMENT_TIMEOUT_MS, "600000"));
    WorkflowCommand push = push(SERVICE, COMMIT, "main", THREE_ENVS);
    send(push);
    new Forge(pipelineCommands.readValue()).finished(PipelineStatus.SUCCEEDED, null);
    String deploymentId = ((DeploymentRequested) deploymentCommands.readValue().getPayload()).getDeploymentId();

    advance(Duration.ofMinutes(10).plusSeconds(1));

    TestRecord<String, DeploymentCommand> cancel = deploymentCommands.readRecord();
    assertEquals(SERVICE, cancel.key());
    DeploymentCancelRequested c = (DeploymentCancelRequested) cancel.value().getPayload();
    assertEquals(List.of(deploymentId, SERVICE), List.of(c.getDeploymentId(), c.getService()));
    Workflow w = workflow(push.getMeta().getCorrelationId());
    assertEquals(WorkflowStatus.FAILED, w.getStatus());
    assertEquals("deployment " + deploymentId + " did not finish within 10m; cancel requested", w.getCause());
  }

  @Test
  void shouldGiveEveryTimelineEntryTheTraceIdOfTheRequestEvenWhenATimerDecides() {
    // Given a commit pushed in the caller's trace (tracing off: ids only, nothing recorded)
    start(Map.of(CurrentConfig.DEPLOYMENT_TIMEOUT_MS, "60000"));
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    EventMeta meta = EventMetas.first("current.CommitPushed", "gateway", "ada", "00-" + trace + "-00f067aa0ba902b7-01",
        clock);
    WorkflowCommand push = new WorkflowCommand(meta, new CommitPushed(meta.getCorrelationId(), SERVICE, COMMIT, "main",
        "ada", new ArrayList<>(THREE_ENVS)));
    send(push);

    // When forge succeeds, harbor starts, and then the deployment times out (current's timer decides)
    new Forge(pipelineCommands.readValue()).finished(PipelineStatus.SUCCEEDED, null);
    TestRecord<String, DeploymentCommand> request = deploymentCommands.readRecord();
    new Harbor(request.value()).started();
    advance(Duration.ofSeconds(61));

    // Then every entry of the timeline — the command, current's own facts, forge's and harbor's, the
    // cancel a timer decided — has the caller's trace id
    List<TimelineEntry> entries = timeline(meta.getCorrelationId()).getEntries();
    List<String> types = entries.stream().map(TimelineEntry::getType).toList();
    assertTrue(types.containsAll(List.of("current.CommitPushed", "forge.PipelineRunFinished", "harbor.DeploymentStarted",
        "harbor.DeploymentCancelRequested", "current.WorkflowFailed")), types.toString());
    entries.forEach(e -> assertEquals(trace, e.getTraceId(), e.getType()));
    // and what current sends carries it in its meta and its Kafka header alike
    assertEquals(trace, io.poseidon.topology.tracing.Tracing.traceIdOf(request.value().getMeta().getTraceparent()));
    assertEquals(request.value().getMeta().getTraceparent(),
        io.poseidon.topology.tracing.Tracing.header(request.headers()));
  }

  @Test
  void shouldNotTimeOutAWorkflowThatFinished() {
    start(Map.of(CurrentConfig.PIPELINE_TIMEOUT_MS, "60000", CurrentConfig.DEPLOYMENT_TIMEOUT_MS, "60000"));
    WorkflowCommand push = push(SERVICE, COMMIT, "main", List.of("dev"));
    send(push);
    new Forge(pipelineCommands.readValue()).finished(PipelineStatus.SUCCEEDED, null);
    new Harbor(deploymentCommands.readValue()).finished(DeploymentStatus.SUCCEEDED, null);
    events.readValuesToList();

    advance(Duration.ofMinutes(5));

    assertTrue(events.isEmpty());
    assertTrue(pipelineCommands.isEmpty());
    assertTrue(deploymentCommands.isEmpty());
    assertEquals(WorkflowStatus.COMPLETED, workflow(push.getMeta().getCorrelationId()).getStatus());
    assertEquals(List.of("~retention|current-workflow-store|" + push.getMeta().getCorrelationId()),
        harness.timerIds(CurrentTopology.TIMER_STORE),
        "no step timer left behind, only the removal of the finished workflow after current.retention");
  }

  // --- the timeline --------------------------------------------------------------------------------

  @Test
  void shouldKeepTheTimelineInCausalOrderAcrossServicesWhateverTheirClocks() {
    start(Map.of());
    WorkflowCommand push = push(SERVICE, COMMIT, "main", List.of("staging", "prod"));
    String workflowId = push.getMeta().getCorrelationId();
    send(push);
    Forge forge = new Forge(pipelineCommands.readValue());
    // forge's clock is 2 s ahead, and its first stage fact arrives before the run's start, its cause,
    // which carries a later time
    forge.skew = Duration.ofSeconds(2);
    EventMeta startedMeta = EventMeta.newBuilder(forge.request.getMeta()).setEventId(EventMetas.newId()).build();
    PipelineEvent build = forge.fact(startedMeta, new StageStatusChanged(forge.runId, "build", StageStatus.COMPLETED,
        1, null));
    forge.pipe(build);
    clock.advance(Duration.ofSeconds(1));
    PipelineEvent fact = forge.fact(forge.request.getMeta(), new PipelineRunStarted(forge.runId, SERVICE, COMMIT,
        List.of("build", "test")));
    PipelineEvent started = new PipelineEvent(EventMeta.newBuilder(fact.getMeta())
        .setEventId(startedMeta.getEventId()).build(), fact.getPayload());
    assertTrue(started.getMeta().getTime().isAfter(build.getMeta().getTime()));
    forge.pipe(started);
    clock.advance(Duration.ofSeconds(5));
    forge.finished(PipelineStatus.SUCCEEDED, null);
    clock.advance(Duration.ofSeconds(5));
    // harbor's clock is a minute behind: its facts carry times before the request that caused them
    Harbor harbor = new Harbor(deploymentCommands.readValue());
    harbor.skew = Duration.ofMinutes(-1);
    harbor.started();
    harbor.step("staging", StepAction.DEPLOY, StepStatus.COMPLETED, null);
    harbor.step("prod", StepAction.DEPLOY, StepStatus.FAILED, "simulated outage");
    harbor.step("staging", StepAction.ROLLBACK, StepStatus.COMPLETED, null);
    harbor.finished(DeploymentStatus.ROLLED_BACK, "deploy to prod failed: simulated outage");

    List<TimelineEntry> entries = timeline(workflowId).getEntries();
    // Then no entry comes before its cause
    Map<String, Integer> position = new HashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      position.put(entries.get(i).getEventId(), i);
    }
    for (int i = 0; i < entries.size(); i++) {
      Integer cause = position.get(entries.get(i).getCausationId());
      assertTrue(cause == null || cause < i, "entry " + i + " (" + entries.get(i).getSummary() + ") before its cause");
    }
    // And the timeline reads as the story of the commit, across current, forge and harbor
    String deploymentId = harbor.deploymentId;
    assertEquals(List.of(
        "gateway current.CommitPushed: commit " + COMMIT + " of checkout pushed to main by ada",
        "current current.WorkflowStarted: workflow started for checkout " + COMMIT,
        "current current.WorkflowStepChanged: QUALITY_CHECKS COMPLETED",
        "current forge.PipelineRunRequested: pipeline run " + forge.runId + " requested for checkout " + COMMIT
            + " on main",
        "current current.WorkflowStepChanged: PIPELINE RUNNING (" + forge.runId + ")",
        "forge forge.PipelineRunStarted: pipeline run " + forge.runId + " started: build, test",
        "forge forge.StageStatusChanged: stage build COMPLETED",
        "forge forge.PipelineRunFinished: pipeline run " + forge.runId + " SUCCEEDED",
        "current current.WorkflowStepChanged: PIPELINE COMPLETED (" + forge.runId + ")",
        "current harbor.DeploymentRequested: deployment " + deploymentId + " requested: checkout "
            + COMMIT.substring(0, 12) + " to staging, prod (ROLLING)",
        "current current.WorkflowStepChanged: DEPLOYMENT RUNNING (" + deploymentId + ")",
        "harbor harbor.DeploymentStarted: deployment of checkout " + COMMIT.substring(0, 12) + " started: staging, prod",
        "harbor harbor.EnvironmentStepChanged: staging DEPLOY COMPLETED",
        "harbor harbor.EnvironmentStepChanged: prod DEPLOY FAILED: simulated outage",
        "harbor harbor.EnvironmentStepChanged: staging ROLLBACK COMPLETED",
        "harbor harbor.DeploymentFinished: deployment ROLLED_BACK: deploy to prod failed: simulated outage",
        "current current.WorkflowStepChanged: DEPLOYMENT FAILED (" + deploymentId
            + "): deployment ROLLED_BACK: deploy to prod failed: simulated outage",
        "current current.WorkflowFailed: workflow FAILED at DEPLOYMENT: deployment ROLLED_BACK: deploy to prod "
            + "failed: simulated outage"),
        entries.stream().map(e -> e.getSource() + " " + e.getType() + ": " + e.getSummary()).toList());
    assertEquals(push.getMeta().getEventId(), entries.get(0).getEventId());
    assertEquals(workflowId, timeline(workflowId).getCorrelationId());
  }

  @Test
  void shouldRecordAnEventDeliveredTwiceOnceAndActOnItOnce() {
    start(Map.of());
    WorkflowCommand push = push(SERVICE, COMMIT, "main", THREE_ENVS);
    String workflowId = push.getMeta().getCorrelationId();
    send(push);
    send(push); // the command itself, redelivered
    Forge forge = new Forge(pipelineCommands.readValue());
    PipelineEvent started = forge.started();
    forge.pipe(started);
    PipelineEvent finished = forge.finished(PipelineStatus.SUCCEEDED, null);
    forge.pipe(finished);

    List<TimelineEntry> entries = timeline(workflowId).getEntries();
    assertEquals(1, entries.stream().filter(e -> e.getEventId().equals(push.getMeta().getEventId())).count());
    assertEquals(1, entries.stream().filter(e -> e.getEventId().equals(started.getMeta().getEventId())).count());
    assertEquals(1, entries.stream().filter(e -> e.getEventId().equals(finished.getMeta().getEventId())).count());
    assertEquals(entries.size(), entries.stream().map(TimelineEntry::getEventId).distinct().count());
    assertEquals(1, deploymentCommands.readValuesToList().size(), "one deployment for one successful run");
    assertEquals(1, brief(events.readValuesToList()).stream().filter(s -> s.equals("Started")).count());
    assertTrue(deadLetters.isEmpty(), "a duplicate is not a bad record");
  }

  @Test
  void shouldIgnoreARepeatedCommitPushedForAKnownWorkflow() {
    start(Map.of());
    WorkflowCommand push = push(SERVICE, COMMIT, "main", THREE_ENVS);
    String workflowId = push.getMeta().getCorrelationId();
    send(push);
    Workflow once = workflow(workflowId);
    events.readValuesToList();
    pipelineCommands.readValuesToList();

    // a different push naming the same workflow
    EventMeta again = EventMeta.newBuilder(EventMetas.first("current.CommitPushed", "gateway", "bob", null, clock))
        .setCorrelationId(workflowId).build();
    send(new WorkflowCommand(again, new CommitPushed(workflowId, SERVICE, "abcdef1", "main", "bob", THREE_ENVS)));

    assertEquals(once, workflow(workflowId));
    assertTrue(events.isEmpty());
    assertTrue(pipelineCommands.isEmpty());
    assertFalse(Timelines.contains(timeline(workflowId).getEntries(), again.getEventId()));
  }

  @Test
  void shouldIgnoreFactsOfAnUnknownCorrelation() {
    start(Map.of());
    // forge and harbor work for someone else (the gateway, another tool)
    EventMeta foreign = EventMetas.first("forge.PipelineRunRequested", "gateway", "eve", null, clock);
    new Forge(foreign, "run-manual").started();
    new Forge(foreign, "run-manual").finished(PipelineStatus.SUCCEEDED, null);
    EventMeta foreignDeploy = EventMetas.first("harbor.DeploymentRequested", "gateway", "eve", null, clock);
    Harbor harbor = new Harbor(foreignDeploy, "checkout.manual", SERVICE);
    harbor.started();
    harbor.finished(DeploymentStatus.SUCCEEDED, null);

    assertTrue(events.isEmpty());
    assertTrue(pipelineCommands.isEmpty());
    assertTrue(deploymentCommands.isEmpty());
    assertTrue(deadLetters.isEmpty(), "other workflows' facts are not bad records");
    assertNull(timelineOrNull(foreign.getCorrelationId()), "no timeline for traffic that is not a workflow's");
    assertNull(timelineOrNull(foreignDeploy.getCorrelationId()));
  }

  // --- bad input ---------------------------------------------------------------------------------------

  @Test
  void shouldSendInvalidCommandsAndPoisonBytesToTheDeadLetterTopic() {
    start(Map.of());
    // garbage bytes on the command topic and on forge's facts
    rawCommands.pipeInput("w-1".getBytes(StandardCharsets.UTF_8), "{\"commit\":".getBytes(StandardCharsets.UTF_8));
    rawPipelineEvents.pipeInput("run-1".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
    // a commit that is not a hash, duplicate environments
    WorkflowCommand badCommit = push(SERVICE, "not-a-hash", "main", List.of("dev", "dev"));
    send(badCommit);
    // keyed by another id
    WorkflowCommand misKeyed = push(SERVICE, COMMIT, "main", THREE_ENVS);
    commands.pipeInput("someone-else", misKeyed, misKeyed.getMeta().getTime());
    // workflowId other than the correlation id
    EventMeta meta = EventMetas.first("current.CommitPushed", "gateway", "ada", null, clock);
    WorkflowCommand uncorrelated = new WorkflowCommand(meta, new CommitPushed("w-42", SERVICE, COMMIT, "main", "ada",
        THREE_ENVS));
    commands.pipeInput("w-42", uncorrelated, meta.getTime());
    // an empty author and no environment
    send(push(SERVICE, COMMIT, "main", List.of(), " "));

    List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
    assertEquals(6, dead.size());
    assertEquals("{\"commit\":", new String(dead.get(0).value(), StandardCharsets.UTF_8), "original bytes kept");
    assertEquals("deserialization", DeadLetters.header(dead.get(0).headers(), DeadLetters.HEADER_STAGE));
    assertEquals("current.workflow-commands", DeadLetters.header(dead.get(0).headers(), DeadLetters.HEADER_TOPIC));
    assertEquals("forge.pipeline-events", DeadLetters.header(dead.get(1).headers(), DeadLetters.HEADER_TOPIC));
    assertEquals("deserialization", DeadLetters.header(dead.get(1).headers(), DeadLetters.HEADER_STAGE));
    assertEquals("processing", DeadLetters.header(dead.get(2).headers(), DeadLetters.HEADER_STAGE));
    String reason = DeadLetters.header(dead.get(2).headers(), DeadLetters.HEADER_REASON);
    assertTrue(reason.contains("commit must be a commit hash"), reason);
    assertTrue(reason.contains("names dev twice"), reason);
    assertTrue(DeadLetters.header(dead.get(3).headers(), DeadLetters.HEADER_REASON).contains("must be the workflowId"));
    assertTrue(DeadLetters.header(dead.get(4).headers(), DeadLetters.HEADER_REASON)
        .contains("meta.correlationId '" + meta.getCorrelationId() + "' must be the workflowId 'w-42'"));
    reason = DeadLetters.header(dead.get(5).headers(), DeadLetters.HEADER_REASON);
    assertTrue(reason.contains("author must not be empty") && reason.contains("environments must name"), reason);

    assertTrue(events.isEmpty());
    assertTrue(pipelineCommands.isEmpty());
    assertNull(workflowOrNull(badCommit.getMeta().getCorrelationId()));
    assertNull(workflowOrNull("w-42"));
    assertNull(workflowOrNull("someone-else"));
  }

  @Test
  void shouldSendATombstoneAmongForgesFactsToTheDeadLetterTopic() {
    start(Map.of());
    pipelineEvents.pipeInput("run-1", null);

    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertEquals("forge.pipeline-events", DeadLetters.header(dead.headers(), DeadLetters.HEADER_TOPIC));
    assertTrue(DeadLetters.header(dead.headers(), DeadLetters.HEADER_REASON).contains("never tombstones"));
    assertTrue(deadLetters.isEmpty());
  }

  @Test
  void shouldNameEveryInternalTopicAndStore() {
    start(Map.of());
    String description = CurrentTopology.build(serdes, CurrentConfig.defaults(), clock).describe().toString();
    assertTrue(description.contains("current-pipeline-events-by-correlation-repartition"), description);
    assertTrue(description.contains("current-deployment-events-by-correlation-repartition"), description);
    for (String store : List.of(CurrentTopology.WORKFLOW_STORE, CurrentTopology.TIMELINE_STORE,
        CurrentTopology.TIMER_STORE)) {
      assertTrue(description.contains(store), store);
    }
    assertFalse(description.contains("KSTREAM-"), "no generated node names:\n" + description);
    assertFalse(description.contains("KTABLE-"), description);
  }

  // --- fixtures ----------------------------------------------------------------------------------------

  /** forge, as the test plays it: every fact of the run carries the request's correlation id. */
  private final class Forge {
    final PipelineCommand request;
    final String runId;
    Duration skew = Duration.ZERO;

    Forge(PipelineCommand request) {
      this.request = request;
      this.runId = ((PipelineRunRequested) request.getPayload()).getRunId();
    }

    /** A run requested by someone whose request had {@code meta}. */
    Forge(EventMeta meta, String runId) {
      this.request = new PipelineCommand(meta, new PipelineRunRequested(runId, SERVICE, COMMIT, "main", null, null));
      this.runId = runId;
    }

    Forge(WorkflowCommand push, String runId) {
      this(EventMeta.newBuilder(push.getMeta()).setEventId(EventMetas.newId()).build(), runId);
    }

    PipelineEvent started() {
      return pipe(fact(request.getMeta(), new PipelineRunStarted(runId, SERVICE, COMMIT,
          List.of("build", "test", "security", "publish"))));
    }

    /** A stage result from a runner (not in the timeline) caused the change. */
    PipelineEvent stage(String stage, StageStatus status, String detail) {
      EventMeta runnerResult = EventMeta.newBuilder(request.getMeta()).setEventId(EventMetas.newId()).build();
      return pipe(fact(runnerResult, new StageStatusChanged(runId, stage, status, 1, detail)));
    }

    PipelineEvent finished(PipelineStatus status, String reason) {
      EventMeta runnerResult = EventMeta.newBuilder(request.getMeta()).setEventId(EventMetas.newId()).build();
      return pipe(fact(runnerResult, new PipelineRunFinished(runId, SERVICE, COMMIT, status, reason)));
    }

    PipelineEvent fact(EventMeta cause, SpecificRecord payload) {
      EventMeta meta = EventMetas.causedBy(cause, WorkflowChanges.typeOf(payload), "forge",
          Clock.fixed(clock.instant().plus(skew), ZoneOffset.UTC));
      return new PipelineEvent(EventMeta.newBuilder(meta).setCorrelationId(request.getMeta().getCorrelationId())
          .build(), payload);
    }

    PipelineEvent pipe(PipelineEvent e) {
      pipelineEvents.pipeInput(runId, e, e.getMeta().getTime());
      return e;
    }
  }

  /** harbor, as the test plays it: every fact of the deployment carries the request's correlation id. */
  private final class Harbor {
    final EventMeta requestMeta;
    final String deploymentId;
    final String service;
    final String version;
    final List<String> environments;
    Duration skew = Duration.ZERO;

    Harbor(DeploymentCommand request) {
      DeploymentRequested r = (DeploymentRequested) request.getPayload();
      this.requestMeta = request.getMeta();
      this.deploymentId = r.getDeploymentId();
      this.service = r.getService();
      this.version = r.getVersion();
      this.environments = r.getEnvironments();
    }

    Harbor(EventMeta requestMeta, String deploymentId, String service) {
      this.requestMeta = requestMeta;
      this.deploymentId = deploymentId;
      this.service = service;
      this.version = "1.0.0";
      this.environments = List.of("dev");
    }

    void started() {
      pipe(fact(requestMeta, new DeploymentStarted(deploymentId, service, version, environments)));
    }

    void step(String env, StepAction action, StepStatus status, String detail) {
      EventMeta agentResult = EventMeta.newBuilder(requestMeta).setEventId(EventMetas.newId()).build();
      pipe(fact(agentResult, new EnvironmentStepChanged(deploymentId, service, env, action, status, 1, detail)));
    }

    void finished(DeploymentStatus status, String reason) {
      EventMeta agentResult = EventMeta.newBuilder(requestMeta).setEventId(EventMetas.newId()).build();
      pipe(fact(agentResult, new DeploymentFinished(deploymentId, service, version, status, reason)));
    }

    DeploymentEvent fact(EventMeta cause, SpecificRecord payload) {
      EventMeta meta = EventMetas.causedBy(cause, WorkflowChanges.typeOf(payload), "harbor",
          Clock.fixed(clock.instant().plus(skew), ZoneOffset.UTC));
      return new DeploymentEvent(EventMeta.newBuilder(meta).setCorrelationId(requestMeta.getCorrelationId()).build(),
          payload);
    }

    void pipe(DeploymentEvent e) {
      deploymentEvents.pipeInput(service, e, e.getMeta().getTime());
    }
  }

  private void start(Map<String, String> settings) {
    Map<String, String> all = new HashMap<>(Map.of(CurrentConfig.TIMER_SCAN_INTERVAL_MS, "100"));
    all.putAll(settings);
    CurrentConfig config = new CurrentConfig(ConfigSource.of(all));
    harness = new TopologyHarness(CurrentModule.NAME, () -> CurrentTopology.build(serdes, config, clock), clock);
    driver = harness.driver();
    commands = harness.input(CurrentTopics.WORKFLOW_COMMANDS, WorkflowCommand.class);
    rawCommands = harness.rawInput(CurrentTopics.WORKFLOW_COMMANDS);
    pipelineEvents = harness.input(ForgeTopics.PIPELINE_EVENTS, PipelineEvent.class);
    rawPipelineEvents = harness.rawInput(ForgeTopics.PIPELINE_EVENTS);
    deploymentEvents = harness.input(HarborTopics.DEPLOYMENT_EVENTS, DeploymentEvent.class);
    events = harness.output(CurrentTopics.WORKFLOW_EVENTS, WorkflowEvent.class);
    pipelineCommands = harness.output(ForgeTopics.PIPELINE_COMMANDS, PipelineCommand.class);
    deploymentCommands = harness.output(HarborTopics.DEPLOYMENT_COMMANDS, DeploymentCommand.class);
    deadLetters = harness.deadLetters();
  }

  private WorkflowCommand push(String service, String commit, String branch, List<String> environments) {
    return push(service, commit, branch, environments, "ada");
  }

  /** A CommitPushed as the gateway makes it: workflowId = the correlation id of a new chain. */
  private WorkflowCommand push(String service, String commit, String branch, List<String> environments,
      String author) {
    EventMeta meta = EventMetas.first("current.CommitPushed", "gateway", "ada", null, clock);
    return new WorkflowCommand(meta, new CommitPushed(meta.getCorrelationId(), service, commit, branch, author,
        new ArrayList<>(environments)));
  }

  private void send(WorkflowCommand command) {
    commands.pipeInput(((CommitPushed) command.getPayload()).getWorkflowId(), command, command.getMeta().getTime());
  }

  private void advance(Duration d) {
    harness.advance(d);
  }

  private Workflow workflow(String id) {
    Workflow w = workflowOrNull(id);
    assertNotNull(w, "workflow " + id);
    return w;
  }

  private Workflow workflowOrNull(String id) {
    KeyValueStore<String, Workflow> store = driver.getKeyValueStore(CurrentTopology.WORKFLOW_STORE);
    return store.get(id);
  }

  private Timeline timeline(String id) {
    Timeline t = timelineOrNull(id);
    assertNotNull(t, "timeline " + id);
    return t;
  }

  private Timeline timelineOrNull(String id) {
    KeyValueStore<String, Timeline> store = driver.getKeyValueStore(CurrentTopology.TIMELINE_STORE);
    return store.get(id);
  }

  private static TimelineEntry last(Timeline t) {
    return t.getEntries().get(t.getEntries().size() - 1);
  }

  private static List<String> brief(List<WorkflowEvent> events) {
    return events.stream().map(e -> {
      Object p = e.getPayload();
      if (p instanceof WorkflowStarted) {
        return "Started";
      } else if (p instanceof WorkflowStepChanged s) {
        return s.getStep() + " " + s.getStatus() + (s.getReference() == null ? "" : " " + s.getReference())
            + (s.getDetail() == null ? "" : ": " + s.getDetail());
      } else if (p instanceof WorkflowCompleted c) {
        return "Completed " + c.getDeploymentId();
      } else if (p instanceof WorkflowFailed f) {
        return "Failed " + f.getStep() + ": " + f.getCause();
      }
      return String.valueOf(p);
    }).toList();
  }
}
