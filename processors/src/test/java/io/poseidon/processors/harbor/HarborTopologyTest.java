package io.poseidon.processors.harbor;

import io.poseidon.processors.lighthouse.LighthouseTopics;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.testing.MutableClock;
import io.poseidon.processors.testing.TopologyHarness;
import io.poseidon.topology.saga.SagaStates;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.AgentResult;
import io.poseidon.schemas.harbor.AgentStepFailed;
import io.poseidon.schemas.harbor.AgentStepSucceeded;
import io.poseidon.schemas.harbor.DeployToEnvironment;
import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.DeploymentCancelRequested;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.harbor.DeploymentFinished;
import io.poseidon.schemas.harbor.DeploymentQueued;
import io.poseidon.schemas.harbor.DeploymentRequested;
import io.poseidon.schemas.harbor.DeploymentStarted;
import io.poseidon.schemas.harbor.DeploymentStatus;
import io.poseidon.schemas.harbor.DeploymentStrategy;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.harbor.HistoryEntry;
import io.poseidon.schemas.harbor.PinnedConfig;
import io.poseidon.processors.anchor.AnchorTopics;
import io.poseidon.schemas.anchor.ConfigEvent;
import io.poseidon.schemas.anchor.ConfigVersion;
import io.poseidon.schemas.harbor.RollbackEnvironment;
import io.poseidon.schemas.harbor.ServiceDeployments;
import io.poseidon.schemas.harbor.StepAction;
import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.schemas.lighthouse.ServiceHealthReported;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
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
 * harbor through TopologyTestDriver: the very topology the node runs, with registry-less serdes. A
 * small fake deploy agent ({@link Agent}) reads harbor.agent-commands and answers on
 * harbor.agent-results; wall-clock time moves the driver and the saga's clock together.
 */
class HarborTopologyTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final String SERVICE = "checkout";
  private static final int GATE_SECONDS = 10;
  private static final int STEP_TIMEOUT_SECONDS = 60;
  private static final List<String> THREE_ENVS = List.of("dev", "staging", "prod");

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(T0);
  private final HarborConfig config = new HarborConfig(ConfigSource.of(Map.of(
      HarborConfig.TIMER_SCAN_INTERVAL_MS, "100",
      HarborConfig.DEFAULT_HEALTH_GATE_SECONDS, Integer.toString(GATE_SECONDS),
      HarborConfig.DEFAULT_STEP_TIMEOUT_SECONDS, Integer.toString(STEP_TIMEOUT_SECONDS),
      HarborConfig.MAX_ATTEMPTS, "3",
      HarborConfig.RETRY_BACKOFF_MS, "1000")));
  private TopologyHarness harness;
  private TopologyTestDriver driver;
  private TestInputTopic<String, DeploymentCommand> commands;
  private TestInputTopic<byte[], byte[]> rawCommands;
  private TestInputTopic<String, AgentResult> results;
  private TestInputTopic<String, HealthEvent> health;
  private TestOutputTopic<String, DeploymentEvent> events;
  private TestOutputTopic<byte[], byte[]> deadLetters;
  private TestOutputTopic<String, io.poseidon.schemas.harbor.DeploymentSnapshot> snapshots;
  private Agent agent;

  @BeforeEach
  void start() {
    harness = new TopologyHarness(HarborModule.NAME, () -> HarborTopology.build(serdes, config, clock), clock);
    openTopics();
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  // --- the saga's paths ------------------------------------------------------------------------

  @Test
  void shouldDeployThroughThreeEnvironmentsAndSucceed() {
    // Given nothing of checkout deployed yet
    // When 1.4.2 is requested for dev, staging and prod, and the agent and every health gate succeed
    DeploymentCommand request = request("d-1", "1.4.2", THREE_ENVS);
    send(request);
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS - 1));
    assertEquals(List.of(), agent.pending(), "no promotion before the health gate period is over");
    advance(Duration.ofSeconds(1));
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));

    // Then it succeeded, every step is an event in order, and the version runs everywhere
    List<DeploymentEvent> out = events.readValuesToList();
    assertEquals(List.of(
        "Started 1.4.2 [dev, staging, prod]",
        "dev DEPLOY RUNNING #1", "dev DEPLOY COMPLETED #1", "dev HEALTH_GATE RUNNING #1", "dev HEALTH_GATE COMPLETED #1",
        "staging DEPLOY RUNNING #1", "staging DEPLOY COMPLETED #1", "staging HEALTH_GATE RUNNING #1",
        "staging HEALTH_GATE COMPLETED #1",
        "prod DEPLOY RUNNING #1", "prod DEPLOY COMPLETED #1", "prod HEALTH_GATE RUNNING #1", "prod HEALTH_GATE COMPLETED #1",
        "Finished SUCCEEDED"), brief(out));
    assertEquals(List.of("deploy dev 1.4.2 #1", "deploy staging 1.4.2 #1", "deploy prod 1.4.2 #1"),
        describeCommands(agent.received));

    Deployment d = deployment("d-1");
    assertEquals(DeploymentStatus.SUCCEEDED, d.getStatus());
    assertEquals(THREE_ENVS, d.getChangedEnvironments());
    assertEquals(out.size(), d.getHistory().size(), "every transition is in the history");
    HistoryEntry last = d.getHistory().get(d.getHistory().size() - 1);
    assertEquals("harbor.DeploymentFinished", last.getType());
    assertEquals("SUCCEEDED", last.getStatus());
    HistoryEntry gate = d.getHistory().get(3);
    assertEquals("dev", gate.getEnvironment());
    assertEquals(StepAction.HEALTH_GATE, gate.getAction());
    assertEquals("RUNNING", gate.getStatus());
    assertEquals(T0, gate.getTime());
    assertEquals(Map.of("dev", "1.4.2", "staging", "1.4.2", "prod", "1.4.2"), versions());
    assertNull(service().getActive(), "the service is free again");

    String correlation = request.getMeta().getCorrelationId();
    out.forEach(e -> assertEquals(correlation, e.getMeta().getCorrelationId(), "facts keep the correlation id"));
    agent.received.forEach(c -> assertEquals(correlation, c.getMeta().getCorrelationId(),
        "commands keep the correlation id"));
    assertEquals(request.getMeta().getEventId(), out.get(0).getMeta().getCausationId());
    assertEquals("harbor.DeploymentStarted", out.get(0).getMeta().getType());
    assertEquals("harbor", out.get(0).getMeta().getSource());
    DeployToEnvironment first = (DeployToEnvironment) agent.received.get(0).getPayload();
    assertEquals(Map.of("environment", "dev", "version", "1.4.2", "strategy", "ROLLING", "deploymentId", "d-1"),
        first.getConfig());
  }

  @Test
  void shouldCountDeploymentsInFlightByStatusAndTheOnesThatFinished() {
    // Given a node that counts saga states
    harness.close();
    java.util.List<String> finished = new java.util.ArrayList<>();
    SagaStates states = new SagaStates(new SagaStates.Listener() {
      @Override
      public void finished(SagaStates.Key key) {
        finished.add(key.state());
      }
    });
    harness = new TopologyHarness(HarborModule.NAME, () -> HarborTopology.build(serdes, config, clock), clock,
        Map.of(SagaStates.CONFIG, states));
    openTopics();
    SagaStates.Key running = new SagaStates.Key(HarborTopology.DEPLOYMENT_STORE, "RUNNING");
    SagaStates.Key queued = new SagaStates.Key(HarborTopology.DEPLOYMENT_STORE, "QUEUED");
    assertEquals(0, states.inFlight(running), "every in-flight state exists from the start");
    assertTrue(states.snapshot().containsKey(new SagaStates.Key(HarborTopology.DEPLOYMENT_STORE, "ROLLING_BACK")));

    // When one deployment runs and a second one for the same service waits
    send(request("d-1", "1.4.2", List.of("dev")));
    send(request("d-2", "1.4.3", List.of("dev")));

    // Then one is RUNNING, one QUEUED
    assertEquals(1, states.inFlight(running));
    assertEquals(1, states.inFlight(queued));

    // When the first finishes, the second starts
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));
    assertEquals(DeploymentStatus.SUCCEEDED, deployment("d-1").getStatus());
    assertEquals(1, states.inFlight(running), "d-2 runs now");
    assertEquals(0, states.inFlight(queued));
    assertEquals(List.of("SUCCEEDED"), finished);

    // And a closed task takes its count away
    harness.close();
    assertEquals(0, states.inFlight(running));
    harness = new TopologyHarness(HarborModule.NAME, () -> HarborTopology.build(serdes, config, clock), clock);
    openTopics();
  }

  @Test
  void shouldRollBackStagingThenDevWhenProdDeployFails() {
    // Given 1.4.1 runs in dev, staging and prod
    deployEverywhere("d-0", "1.4.1");
    // And 1.4.2 reached prod
    send(request("d-1", "1.4.2", THREE_ENVS));
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));
    AgentCommand prod = agent.next();
    assertEquals("deploy prod 1.4.2 #1", describe(prod));
    events.readValuesToList();

    // When the agent fails prod for good
    agent.fail(prod, "image pull failed", false);
    agent.succeed(agent.next());
    agent.succeed(agent.next());

    // Then staging is rolled back, then dev, each to 1.4.1, and the deployment ends ROLLED_BACK
    assertEquals(List.of("deploy prod 1.4.2 #1", "rollback staging to 1.4.1 #1", "rollback dev to 1.4.1 #1"),
        describeCommands(agent.received.subList(agent.received.size() - 3, agent.received.size())));
    assertEquals(List.of(
        "prod DEPLOY FAILED #1: image pull failed",
        "staging ROLLBACK RUNNING #1: restore 1.4.1", "staging ROLLBACK COMPLETED #1: by agent agent-1",
        "dev ROLLBACK RUNNING #1: restore 1.4.1", "dev ROLLBACK COMPLETED #1: by agent agent-1",
        "Finished ROLLED_BACK: deploy to prod failed: image pull failed"), describeEvents(events.readValuesToList()));
    Deployment d = deployment("d-1");
    assertEquals(DeploymentStatus.ROLLED_BACK, d.getStatus());
    assertEquals("deploy to prod failed: image pull failed", d.getReason());
    assertEquals(Map.of("dev", "1.4.1", "staging", "1.4.1", "prod", "1.4.1"), versions(), "versions restored");
    assertNull(service().getActive());
  }

  @Test
  void shouldPublishTheFlatLatestStateOfADeploymentOnEveryChangeKeyedByItsId() {
    // Given a deployment to dev and staging, its health gate in dev running
    send(request("d-1", "1.4.2", List.of("dev", "staging")));
    agent.succeed(agent.next());
    List<org.apache.kafka.streams.test.TestRecord<String, io.poseidon.schemas.harbor.DeploymentSnapshot>> first =
        snapshots.readRecordsToList();
    assertEquals(List.of("d-1 RUNNING dev DEPLOY", "d-1 RUNNING dev HEALTH_GATE"), first.stream()
        .map(r -> r.key() + " " + r.value().getStatus() + " " + r.value().getCurrentEnvironment() + " "
            + r.value().getCurrentAction()).toList(), "one snapshot per unit of work that changed it");

    // When lighthouse reports it healthy (the saga's state does not change in a way the flat view shows)
    report("dev", true, "ok");
    // Then nothing is published
    assertTrue(snapshots.isEmpty(), "a health report that changes nothing flat publishes nothing");

    // When the rest succeeds
    advance(Duration.ofSeconds(GATE_SECONDS));
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));

    // Then the last snapshot is the final state, flat, with when it finished
    List<io.poseidon.schemas.harbor.DeploymentSnapshot> rest = snapshots.readValuesToList();
    io.poseidon.schemas.harbor.DeploymentSnapshot last = rest.get(rest.size() - 1);
    Deployment d = deployment("d-1");
    assertEquals("SUCCEEDED", last.getStatus());
    assertEquals("dev,staging", last.getEnvironments());
    assertEquals("dev,staging", last.getChangedEnvironments());
    assertEquals("rolling", last.getStrategy());
    assertEquals("checkout", last.getService());
    assertEquals(d.getUpdatedAt(), last.getUpdatedAt());
    assertEquals(d.getUpdatedAt(), last.getFinishedAt());
    assertEquals(d.getCorrelationId(), last.getCorrelationId());
    rest.subList(0, rest.size() - 1).forEach(s -> assertNull(s.getFinishedAt(), "in flight: " + s));
  }

  @Test
  void shouldRollBackWhenHealthGateFails() {
    // Given 1.4.2 deployed to dev and its health gate running
    send(request("d-1", "1.4.2", List.of("dev", "staging")));
    agent.succeed(agent.next());
    events.readValuesToList();

    // When lighthouse reports it healthy, then another environment unhealthy (neither matters) ...
    report("dev", true, "ok");
    report("staging", false, "error rate 12%");
    assertTrue(events.isEmpty(), "healthy reports and other environments do not touch the gate");
    // ... and then dev unhealthy
    advance(Duration.ofSeconds(3));
    report("dev", false, "error rate 9%");
    agent.succeed(agent.next());

    // Then the gate failed, dev is rolled back (nothing ran there before: removed) and it ends ROLLED_BACK
    assertEquals(List.of(
        "dev HEALTH_GATE FAILED #1: unhealthy in dev: error rate 9%",
        "dev ROLLBACK RUNNING #1: remove 1.4.2", "dev ROLLBACK COMPLETED #1: by agent agent-1",
        "Finished ROLLED_BACK: health gate in dev failed: unhealthy in dev: error rate 9%"),
        describeEvents(events.readValuesToList()));
    assertEquals("rollback dev to nothing #1", describe(agent.received.get(agent.received.size() - 1)));
    assertEquals(DeploymentStatus.ROLLED_BACK, deployment("d-1").getStatus());
    assertEquals(T0.plusSeconds(3), deployment("d-1").getUnhealthySince());
    assertEquals(Map.of(), versions());

    // And the gate's timer is gone: nothing happens when its period would have ended
    advance(Duration.ofSeconds(GATE_SECONDS));
    assertTrue(events.isEmpty());
    assertTrue(agent.pending().isEmpty());
  }

  @Test
  void shouldTimeOutAStepAndCompensate() {
    // Given dev done and the deploy to staging sent
    send(request("d-1", "1.4.2", List.of("dev", "staging")));
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));
    AgentCommand staging = agent.next();
    events.readValuesToList();

    // When the agent does not answer within the step timeout
    advance(Duration.ofSeconds(STEP_TIMEOUT_SECONDS - 1));
    assertTrue(events.isEmpty(), "not yet timed out");
    advance(Duration.ofSeconds(1));

    // Then the step failed and staging (outcome unknown) then dev are rolled back
    assertEquals("staging DEPLOY FAILED #1: timed out after 60s", describeEvents(events.readValuesToList()).get(0));
    agent.succeed(agent.next());
    agent.succeed(agent.next());
    assertEquals(List.of("rollback staging to nothing #1", "rollback dev to nothing #1"),
        describeCommands(agent.received.subList(2, 4)));
    Deployment d = deployment("d-1");
    assertEquals(DeploymentStatus.ROLLED_BACK, d.getStatus());
    assertEquals("deploy to staging timed out after 60s", d.getReason());

    // And the late answer to the timed-out deploy changes nothing
    events.readValuesToList();
    agent.succeed(staging);
    assertTrue(events.isEmpty());
    assertEquals(Map.of(), versions());
  }

  @Test
  void shouldCancelMidRolloutAndRollBackWhatChanged() {
    // Given 1.4.1 everywhere and 1.4.2 done in dev, its deploy to staging in flight
    deployEverywhere("d-0", "1.4.1");
    send(request("d-1", "1.4.2", THREE_ENVS));
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));
    AgentCommand staging = agent.next();
    events.readValuesToList();

    // When the deployment is cancelled
    send(cancel("d-1", "wrong build"));
    agent.succeed(agent.next());
    agent.succeed(agent.next());

    // Then the in-flight staging and the finished dev are rolled back, and it ends CANCELLED
    assertEquals(List.of("rollback staging to 1.4.1 #1", "rollback dev to 1.4.1 #1"),
        describeCommands(agent.received.subList(agent.received.size() - 2, agent.received.size())));
    assertEquals(List.of(
        "staging DEPLOY CANCELLED #1: cancelled: wrong build",
        "staging ROLLBACK RUNNING #1: restore 1.4.1", "staging ROLLBACK COMPLETED #1: by agent agent-1",
        "dev ROLLBACK RUNNING #1: restore 1.4.1", "dev ROLLBACK COMPLETED #1: by agent agent-1",
        "Finished CANCELLED: cancelled: wrong build"), describeEvents(events.readValuesToList()));
    assertEquals(DeploymentStatus.CANCELLED, deployment("d-1").getStatus());
    assertEquals(Map.of("dev", "1.4.1", "staging", "1.4.1", "prod", "1.4.1"), versions());

    // And a late success of the cancelled deploy, or a second cancel, changes nothing
    agent.succeed(staging);
    send(cancel("d-1", "again"));
    assertTrue(events.isEmpty());
    assertTrue(agent.pending().isEmpty());
  }

  @Test
  void shouldCancelAQueuedDeploymentAtOnce() {
    send(request("d-1", "1.4.2", List.of("dev")));
    send(request("d-2", "1.4.3", List.of("dev")));
    events.readValuesToList();

    send(cancel("d-2", null));

    assertEquals(List.of("Finished CANCELLED: cancelled"), describeEvents(events.readValuesToList()));
    assertEquals(List.of(), service().getQueue());
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));
    assertEquals(DeploymentStatus.SUCCEEDED, deployment("d-1").getStatus());
    assertTrue(agent.pending().isEmpty(), "the cancelled deployment never starts");
  }

  @Test
  void shouldQueueASecondDeploymentOfTheSameServiceAndStartItAfterTheFirst() {
    // Given a deployment of checkout in progress
    send(request("d-1", "1.4.2", List.of("dev", "staging")));
    // When a second one is requested
    send(request("d-2", "1.4.3", List.of("dev")));

    // Then it waits, and nothing is sent for it while the first runs
    List<String> early = describeEvents(events.readValuesToList());
    assertEquals("Queued behind d-1", early.get(early.size() - 1));
    assertEquals(DeploymentStatus.QUEUED, deployment("d-2").getStatus());
    assertEquals(List.of("d-2"), service().getQueue());
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));
    agent.succeed(agent.next());
    assertEquals(DeploymentStatus.QUEUED, deployment("d-2").getStatus());
    advance(Duration.ofSeconds(GATE_SECONDS));

    // And it starts right after the first finished, on top of the first's version
    List<DeploymentEvent> out = events.readValuesToList();
    List<String> described = describeEvents(out);
    int finished = described.indexOf("Finished SUCCEEDED");
    assertEquals("Started 1.4.3 [dev]", described.get(finished + 1));
    assertEquals("d-1", ((DeploymentFinished) out.get(finished).getPayload()).getDeploymentId());
    assertEquals(out.get(finished).getMeta().getEventId(), out.get(finished + 1).getMeta().getCausationId(),
        "the start of d-2 is caused by the end of d-1");
    assertEquals(deployment("d-2").getCorrelationId(), out.get(finished + 1).getMeta().getCorrelationId());
    AgentCommand d2 = agent.next();
    assertEquals(List.of("deploy dev 1.4.2 #1", "deploy staging 1.4.2 #1", "deploy dev 1.4.3 #1"),
        describeCommands(agent.received));
    assertEquals("1.4.2", ((DeployToEnvironment) d2.getPayload()).getPreviousVersion());
    assertEquals("d-2", service().getActive());
    agent.succeed(d2);
    advance(Duration.ofSeconds(GATE_SECONDS));
    assertEquals(DeploymentStatus.SUCCEEDED, deployment("d-2").getStatus());
    assertEquals(Map.of("dev", "1.4.3", "staging", "1.4.2"), versions());
  }

  @Test
  void shouldIgnoreADuplicateAgentResult() {
    // Given a deploy to dev answered once
    send(request("d-1", "1.4.2", List.of("dev", "staging")));
    AgentResult result = agent.succeed(agent.next());
    List<String> afterOnce = brief(events.readValuesToList());
    Deployment once = deployment("d-1");

    // When the agent's result is delivered again, and a stale failure of the same attempt arrives
    results.pipeInput(SERVICE, result, result.getMeta().getTime());
    agent.fail(agent.received.get(0), "late", false);

    // Then nothing more happened
    assertEquals(List.of("Started 1.4.2 [dev, staging]", "dev DEPLOY RUNNING #1", "dev DEPLOY COMPLETED #1",
        "dev HEALTH_GATE RUNNING #1"), afterOnce);
    assertTrue(events.isEmpty());
    assertTrue(agent.pending().isEmpty());
    assertEquals(once, deployment("d-1"));
    assertTrue(deadLetters.isEmpty(), "a duplicate is not a bad record");
  }

  @Test
  void shouldIgnoreARepeatedDeploymentRequest() {
    DeploymentCommand request = request("d-1", "1.4.2", List.of("dev"));
    send(request);
    events.readValuesToList();
    Deployment once = deployment("d-1");

    send(request);
    send(request("d-1", "9.9.9", List.of("prod")));

    assertTrue(events.isEmpty());
    assertEquals(once, deployment("d-1"));
    assertEquals(1, agent.pending().size());
  }

  @Test
  void shouldSendAPoisonRecordToTheDeadLetterTopic() {
    // When garbage bytes and a request without environments arrive
    rawCommands.pipeInput(SERVICE.getBytes(StandardCharsets.UTF_8), "{\"broken\":".getBytes(StandardCharsets.UTF_8));
    send(request("d-bad", "1.4.2", List.of()));
    send(request("d-dup", "1.4.2", List.of("dev", "dev")));
    // And then a good one
    send(request("d-1", "1.4.2", List.of("dev")));

    // Then the bad ones are in harbor.dlq with their reasons, and the good one runs
    List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
    assertEquals(3, dead.size());
    assertEquals("{\"broken\":", new String(dead.get(0).value(), StandardCharsets.UTF_8), "original bytes kept");
    assertEquals("deserialization", DeadLetters.header(dead.get(0).headers(), DeadLetters.HEADER_STAGE));
    assertEquals("harbor.deployment-commands", DeadLetters.header(dead.get(0).headers(), DeadLetters.HEADER_TOPIC));
    assertEquals("processing", DeadLetters.header(dead.get(1).headers(), DeadLetters.HEADER_STAGE));
    assertTrue(DeadLetters.header(dead.get(1).headers(), DeadLetters.HEADER_REASON)
        .contains("environments must name at least one environment"));
    assertTrue(DeadLetters.header(dead.get(2).headers(), DeadLetters.HEADER_REASON).contains("names dev twice"));
    assertNull(deploymentOrNull("d-bad"));
    assertNull(deploymentOrNull("d-dup"));
    assertEquals(List.of("Started 1.4.2 [dev]", "dev DEPLOY RUNNING #1: no configuration in anchor for checkout/dev: config version 0"), describeEvents(events.readValuesToList()));
  }

  @Test
  void shouldRejectACommandKeyedByAnotherService() {
    DeploymentCommand request = request("d-1", "1.4.2", List.of("dev"));
    commands.pipeInput("payments", request, request.getMeta().getTime());

    assertTrue(DeadLetters.header(deadLetters.readRecord().headers(), DeadLetters.HEADER_REASON)
        .contains("must be the service name"));
    assertNull(deploymentOrNull("d-1"));
  }

  @Test
  void shouldRetryARetryableFailureWithBackoff() {
    // Given a deploy to dev
    send(request("d-1", "1.4.2", List.of("dev")));
    AgentCommand first = agent.next();

    // When the agent fails twice with a retryable error
    agent.fail(first, "registry busy", true);
    assertTrue(agent.pending().isEmpty(), "no retry before the backoff");
    advance(Duration.ofMillis(900));
    assertTrue(agent.pending().isEmpty());
    advance(Duration.ofMillis(200)); // 1 s backoff over
    AgentCommand second = agent.next();
    agent.fail(second, "registry busy", true);
    advance(Duration.ofMillis(1_100));
    assertTrue(agent.pending().isEmpty(), "the second backoff is twice as long");
    advance(Duration.ofMillis(1_000));
    AgentCommand third = agent.next();
    // And answers the third attempt
    agent.succeed(third);
    agent.succeed(first); // a late answer to an old attempt: ignored
    advance(Duration.ofSeconds(GATE_SECONDS));

    // Then it took three attempts and succeeded
    assertEquals(List.of("deploy dev 1.4.2 #1", "deploy dev 1.4.2 #2", "deploy dev 1.4.2 #3"),
        describeCommands(agent.received));
    assertEquals(List.of(
        "Started 1.4.2 [dev]",
        "dev DEPLOY RUNNING #1", "dev DEPLOY RETRYING #1",
        "dev DEPLOY RUNNING #2", "dev DEPLOY RETRYING #2",
        "dev DEPLOY RUNNING #3", "dev DEPLOY COMPLETED #3",
        "dev HEALTH_GATE RUNNING #1", "dev HEALTH_GATE COMPLETED #1",
        "Finished SUCCEEDED"), brief(events.readValuesToList()));
    assertEquals(DeploymentStatus.SUCCEEDED, deployment("d-1").getStatus());
  }

  @Test
  void shouldGiveUpAfterMaxAttemptsAndCompensate() {
    send(request("d-1", "1.4.2", List.of("dev")));
    agent.fail(agent.next(), "registry busy", true);
    advance(Duration.ofSeconds(1));
    agent.fail(agent.next(), "registry busy", true);
    advance(Duration.ofSeconds(2));
    agent.fail(agent.next(), "registry busy", true);

    Deployment d = deployment("d-1");
    assertEquals(DeploymentStatus.ROLLED_BACK, d.getStatus(), "nothing was changed, so nothing to roll back");
    assertEquals("deploy to dev failed: registry busy (gave up after 3 attempts)", d.getReason());
    assertEquals(3, agent.received.size());
    assertTrue(agent.pending().isEmpty());
  }

  @Test
  void shouldEndFailedNeedsAttentionWhenARollbackFails() {
    // Given 1.4.2 in dev and staging, failing in prod
    send(request("d-1", "1.4.2", THREE_ENVS));
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));
    agent.fail(agent.next(), "quota exceeded", false);
    // And a second deployment waiting
    send(request("d-2", "1.4.3", List.of("dev")));

    // When the rollback of staging fails for good
    AgentCommand rollback = agent.next();
    assertEquals("rollback staging to nothing #1", describe(rollback));
    agent.fail(rollback, "cluster unreachable", false);

    // Then it needs attention, names what is not rolled back, and dev is left alone
    Deployment d = deployment("d-1");
    assertEquals(DeploymentStatus.FAILED_NEEDS_ATTENTION, d.getStatus());
    assertTrue(d.getReason().startsWith("rollback of staging failed: cluster unreachable; not rolled back: staging, dev"),
        d.getReason());
    assertFalse(describeCommands(agent.received).contains("rollback dev to nothing #1"));
    // And the service is released: the queued deployment starts
    assertEquals("deploy dev 1.4.3 #1", describe(agent.next()));
    assertEquals("d-2", service().getActive());
  }

  @Test
  void shouldEndFailedNeedsAttentionWhenARollbackTimesOut() {
    send(request("d-1", "1.4.2", List.of("dev", "staging")));
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));
    agent.fail(agent.next(), "bad manifest", false);
    assertEquals("rollback dev to nothing #1", describe(agent.next()));

    advance(Duration.ofSeconds(STEP_TIMEOUT_SECONDS));

    Deployment d = deployment("d-1");
    assertEquals(DeploymentStatus.FAILED_NEEDS_ATTENTION, d.getStatus());
    assertTrue(d.getReason().startsWith("rollback of dev timed out after 60s; not rolled back: dev"), d.getReason());
  }

  @Test
  void shouldRemoveAFinishedDeploymentFromItsStoreOnceTheRetentionIsOver() {
    // Given a deployment that succeeded
    deployEverywhere("d-1", "1.4.2");
    Instant finished = deployment("d-1").getUpdatedAt();

    // When the retention (harbor.retention, 30 days) is not over yet, it is still there
    advance(Duration.between(clock.instant(), finished.plus(Duration.ofDays(30))).minusSeconds(1));
    assertNotNull(deploymentOrNull("d-1"), "kept for 30 days after it finished");

    // Then once it is over the deployment leaves the store with a tombstone on its changelog, while what
    // runs where stays
    advance(Duration.ofSeconds(1));
    assertNull(deploymentOrNull("d-1"));
    List<TestRecord<String, byte[]>> changelog = harness.changelog("test-harbor", HarborTopology.DEPLOYMENT_STORE)
        .readRecordsToList();
    TestRecord<String, byte[]> last = changelog.get(changelog.size() - 1);
    assertEquals("d-1", last.key());
    assertNull(last.value(), "a tombstone");
    assertEquals(Map.of("dev", "1.4.2", "staging", "1.4.2", "prod", "1.4.2"), service().getVersions());
    assertEquals(List.of(), harness.timerIds(HarborTopology.TIMER_STORE), "nothing left to do");
  }

  @Test
  void shouldKeepADeploymentInFlightWhateverItsAge() {
    send(request("d-1", "1.4.2", THREE_ENVS));
    advance(Duration.ofDays(40));
    assertNotNull(deploymentOrNull("d-1"), "only finished deployments are removed");
  }

  @Test
  void shouldResumeTimersAfterRestart() {
    // Given dev deployed and its health gate running (its timer is in harbor-timer-store)
    send(request("d-1", "1.4.2", List.of("dev", "staging")));
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(4));
    events.readValuesToList();
    assertEquals(1, countEntries(HarborTopology.TIMER_STORE), "one pending timer: the dev health gate");

    // When harbor restarts. TopologyTestDriver deletes its state directory on close, so the new driver
    // gets the stores' contents the way a restarted node gets them from the changelog topics.
    restart();
    advance(Duration.ofSeconds(GATE_SECONDS - 4));

    // Then the gate ends on time and the saga goes on, with no transition lost or repeated
    assertEquals(List.of("dev HEALTH_GATE COMPLETED #1", "staging DEPLOY RUNNING #1"),
        brief(events.readValuesToList()));
    agent.succeed(agent.next());
    advance(Duration.ofSeconds(GATE_SECONDS));
    assertEquals(DeploymentStatus.SUCCEEDED, deployment("d-1").getStatus());
    assertEquals(List.of("deploy staging 1.4.2 #1"), describeCommands(agent.received));
    assertEquals(List.of("~retention|harbor-deployment-store|d-1"), harness.timerIds(HarborTopology.TIMER_STORE),
        "no saga timer left behind, only the removal of the finished deployment after harbor.retention");
  }

  // --- configuration from anchor ----------------------------------------------------------------

  @Test
  void shouldPinAnchorsConfigHandItToTheAgentAndRestoreThePinnedOneOnARollback() {
    // Given anchor holds version 3 of checkout's dev configuration, and 1.4.1 was deployed with it
    anchorConfig("dev", 3, Map.of("db.pool.size", "50", "version", "from-anchor"));
    send(request("d-0", "1.4.1", List.of("dev")));
    AgentCommand first = agent.next();
    DeployToEnvironment deploy = (DeployToEnvironment) first.getPayload();
    assertEquals("50", deploy.getConfig().get("db.pool.size"), "anchor's values go to the agent");
    assertEquals("1.4.1", deploy.getConfig().get("version"), "harbor's own facts win over an anchor key");
    agent.succeed(first);
    advance(Duration.ofSeconds(GATE_SECONDS));
    Deployment d0 = deployment("d-0");
    assertEquals(DeploymentStatus.SUCCEEDED, d0.getStatus());
    assertEquals(new PinnedConfig(3, Map.of("db.pool.size", "50", "version", "from-anchor")),
        d0.getPinnedConfigs().get("dev"));
    HistoryEntry running = d0.getHistory().stream().filter(h -> h.getAction() == StepAction.DEPLOY
        && h.getStatus().equals("RUNNING")).findFirst().orElseThrow();
    assertEquals(3, running.getConfigVersion());
    assertEquals("anchor config version 3", running.getDetail());
    assertEquals(3, service().getConfigs().get("dev").getVersion());
    events.readValuesToList();
    agent.received.clear();

    // When anchor moves to version 4, 1.4.2 reaches dev with it and fails in staging
    anchorConfig("dev", 4, Map.of("db.pool.size", "5"));
    send(request("d-1", "1.4.2", List.of("dev", "staging")));
    AgentCommand second = agent.next();
    assertEquals("5", ((DeployToEnvironment) second.getPayload()).getConfig().get("db.pool.size"));
    agent.succeed(second);
    assertEquals(4, service().getConfigs().get("dev").getVersion());
    advance(Duration.ofSeconds(GATE_SECONDS));
    agent.fail(agent.next(), "crash loop", false);
    AgentCommand rollback = agent.next();

    // Then the rollback restores 1.4.1 with the configuration it was deployed with (version 3), not anchor's latest
    RollbackEnvironment restore = (RollbackEnvironment) rollback.getPayload();
    assertEquals("1.4.1", restore.getRestoreVersion());
    assertEquals(3, restore.getConfigVersion());
    assertEquals("50", restore.getConfig().get("db.pool.size"));
    agent.succeed(rollback);
    Deployment d1 = deployment("d-1");
    assertEquals(DeploymentStatus.ROLLED_BACK, d1.getStatus());
    assertEquals(4, d1.getPinnedConfigs().get("dev").getVersion());
    assertEquals(3, d1.getPreviousConfigs().get("dev").getVersion());
    HistoryEntry rolledBack = d1.getHistory().stream().filter(h -> h.getAction() == StepAction.ROLLBACK
        && h.getStatus().equals("RUNNING")).findFirst().orElseThrow();
    assertEquals(3, rolledBack.getConfigVersion());
    assertTrue(rolledBack.getDetail().contains("config version 3"), rolledBack.getDetail());
    assertEquals(3, service().getConfigs().get("dev").getVersion(), "what runs in dev is 1.4.1 with version 3 again");
  }

  @Test
  void shouldDeployWithConfigVersionZeroAndSaySoWhenAnchorHasNone() {
    send(request("d-1", "1.4.2", List.of("dev")));

    DeployToEnvironment deploy = (DeployToEnvironment) agent.next().getPayload();
    assertEquals(Map.of("environment", "dev", "version", "1.4.2", "strategy", "ROLLING", "deploymentId", "d-1"),
        deploy.getConfig());
    Deployment d = deployment("d-1");
    assertEquals(0, d.getPinnedConfigs().get("dev").getVersion());
    HistoryEntry running = d.getHistory().get(d.getHistory().size() - 1);
    assertEquals(0, running.getConfigVersion());
    assertEquals("no configuration in anchor for checkout/dev: config version 0", running.getDetail());
  }

  // --- helpers -------------------------------------------------------------------------------

  private void openTopics() {
    driver = harness.driver();
    commands = harness.input(HarborTopics.DEPLOYMENT_COMMANDS, DeploymentCommand.class);
    rawCommands = harness.rawInput(HarborTopics.DEPLOYMENT_COMMANDS);
    results = harness.input(HarborTopics.AGENT_RESULTS, AgentResult.class);
    health = harness.input(LighthouseTopics.SERVICE_HEALTH, HealthEvent.class);
    events = harness.output(HarborTopics.DEPLOYMENT_EVENTS, DeploymentEvent.class);
    deadLetters = harness.deadLetters();
    snapshots = harness.output(HarborTopics.DEPLOYMENTS, io.poseidon.schemas.harbor.DeploymentSnapshot.class);
    agent = new Agent(harness.output(HarborTopics.AGENT_COMMANDS, AgentCommand.class));
  }

  /** Closes the driver and starts a new one whose stores hold what the old ones held. */
  private void restart() {
    harness.restart(HarborTopology.DEPLOYMENT_STORE, HarborTopology.SERVICE_STORE, HarborTopology.TIMER_STORE);
    openTopics();
  }

  private int countEntries(String store) {
    return harness.entries(store).size();
  }

  /** Deploys {@code version} to dev, staging and prod successfully, then forgets the outputs. */
  private void deployEverywhere(String id, String version) {
    send(request(id, version, THREE_ENVS));
    for (int i = 0; i < THREE_ENVS.size(); i++) {
      agent.succeed(agent.next());
      advance(Duration.ofSeconds(GATE_SECONDS));
    }
    assertEquals(DeploymentStatus.SUCCEEDED, deployment(id).getStatus());
    events.readValuesToList();
    agent.received.clear();
  }

  /** anchor's configuration of checkout in {@code env}, as anchor.config carries it. */
  private void anchorConfig(String env, int version, Map<String, String> values) {
    TestInputTopic<String, ConfigEvent> anchor = harness.input(AnchorTopics.CONFIG, ConfigEvent.class);
    anchor.pipeInput(AnchorTopics.key(SERVICE, env), new ConfigEvent(EventMetas.first("anchor.ConfigVersion", "anchor",
        "ada", null, clock), ConfigVersion.newBuilder().setService(SERVICE).setEnv(env).setVersion(version)
            .setValues(values).setUpdatedBy("ada").setUpdatedAt(clock.instant()).setCommandId("c-" + version).build()));
  }

  private void send(DeploymentCommand command) {
    commands.pipeInput(SERVICE, command, command.getMeta().getTime());
  }

  private void report(String env, boolean healthy, String detail) {
    HealthEvent event = new HealthEvent(EventMetas.first("lighthouse.ServiceHealthReported", "lighthouse",
        "lighthouse", null, clock), ServiceHealthReported.newBuilder().setService(SERVICE).setEnvironment(env)
            .setVersion(null).setHealthy(healthy).setDetail(detail).build());
    health.pipeInput(SERVICE, event, event.getMeta().getTime());
  }

  private void advance(Duration d) {
    harness.advance(d);
  }

  private DeploymentCommand request(String id, String version, List<String> envs) {
    return new DeploymentCommand(EventMetas.first("harbor.DeploymentRequested", "gateway", "ada", null, clock),
        DeploymentRequested.newBuilder().setDeploymentId(id).setService(SERVICE).setVersion(version)
            .setEnvironments(envs).setStrategy(DeploymentStrategy.ROLLING).build());
  }

  private DeploymentCommand cancel(String id, String reason) {
    return new DeploymentCommand(EventMetas.first("harbor.DeploymentCancelRequested", "gateway", "ada", null, clock),
        DeploymentCancelRequested.newBuilder().setDeploymentId(id).setService(SERVICE).setReason(reason).build());
  }

  private Deployment deployment(String id) {
    Deployment d = deploymentOrNull(id);
    assertNotNull(d, "deployment " + id);
    return d;
  }

  private Deployment deploymentOrNull(String id) {
    KeyValueStore<String, Deployment> store = driver.getKeyValueStore(HarborTopology.DEPLOYMENT_STORE);
    return store.get(id);
  }

  private ServiceDeployments service() {
    KeyValueStore<String, ServiceDeployments> store = driver.getKeyValueStore(HarborTopology.SERVICE_STORE);
    return store.get(SERVICE);
  }

  private Map<String, String> versions() {
    ServiceDeployments s = service();
    return s == null ? Map.of() : s.getVersions();
  }

  private static List<String> describeEvents(List<DeploymentEvent> events) {
    return events.stream().map(HarborTopologyTest::describe).toList();
  }

  /** The timeline without the details (reasons, agent ids). */
  private static List<String> brief(List<DeploymentEvent> events) {
    return events.stream().map(HarborTopologyTest::describe).map(s -> s.replaceAll(":.*", "")).toList();
  }

  /** One line per fact: what a person reading the deployment's timeline sees. */
  static String describe(DeploymentEvent event) {
    Object p = event.getPayload();
    if (p instanceof DeploymentStarted s) {
      return "Started " + s.getVersion() + " " + s.getEnvironments();
    } else if (p instanceof DeploymentQueued q) {
      return "Queued behind " + q.getBehind();
    } else if (p instanceof EnvironmentStepChanged c) {
      return c.getEnvironment() + " " + c.getAction() + " " + c.getStatus() + " #" + c.getAttempt()
          + (c.getDetail() == null ? "" : ": " + c.getDetail());
    } else if (p instanceof DeploymentFinished f) {
      return "Finished " + f.getStatus() + (f.getReason() == null ? "" : ": " + f.getReason());
    }
    throw new AssertionError("unexpected " + p);
  }

  private static List<String> describeCommands(List<AgentCommand> commands) {
    return commands.stream().map(HarborTopologyTest::describe).toList();
  }

  static String describe(AgentCommand command) {
    if (command.getPayload() instanceof DeployToEnvironment d) {
      return "deploy " + d.getEnvironment() + " " + d.getVersion() + " #" + d.getAttempt();
    }
    RollbackEnvironment r = (RollbackEnvironment) command.getPayload();
    return "rollback " + r.getEnvironment() + " to " + (r.getRestoreVersion() == null ? "nothing" : r.getRestoreVersion())
        + " #" + r.getAttempt();
  }

  /** A fake deploy agent: reads harbor.agent-commands and answers the attempt each command names. */
  private final class Agent {
    private final TestOutputTopic<String, AgentCommand> inbox;
    final List<AgentCommand> received = new ArrayList<>();

    Agent(TestOutputTopic<String, AgentCommand> inbox) {
      this.inbox = inbox;
    }

    /** The next command harbor sent (fails when there is none). */
    AgentCommand next() {
      assertFalse(inbox.isEmpty(), "harbor sent no command to the agent");
      AgentCommand command = inbox.readValue();
      received.add(command);
      return command;
    }

    /** Commands sent and not read yet (they are read by this call). */
    List<AgentCommand> pending() {
      List<AgentCommand> out = inbox.readValuesToList();
      received.addAll(out);
      return out;
    }

    AgentResult succeed(AgentCommand command) {
      Step step = Step.of(command);
      return answer(command, "harbor.AgentStepSucceeded", AgentStepSucceeded.newBuilder()
          .setDeploymentId(step.deploymentId).setService(SERVICE).setEnvironment(step.environment)
          .setAction(step.action).setAttempt(step.attempt).setAgentId("agent-1").build());
    }

    AgentResult fail(AgentCommand command, String reason, boolean retryable) {
      Step step = Step.of(command);
      return answer(command, "harbor.AgentStepFailed", AgentStepFailed.newBuilder()
          .setDeploymentId(step.deploymentId).setService(SERVICE).setEnvironment(step.environment)
          .setAction(step.action).setAttempt(step.attempt).setAgentId("agent-1").setReason(reason)
          .setRetryable(retryable).build());
    }

    private AgentResult answer(AgentCommand command, String type, Object payload) {
      EventMeta meta = EventMetas.causedBy(command.getMeta(), type, "agent-1", clock);
      AgentResult result = new AgentResult(meta, payload);
      results.pipeInput(SERVICE, result, meta.getTime());
      return result;
    }
  }

  private record Step(String deploymentId, String environment, StepAction action, int attempt) {
    static Step of(AgentCommand command) {
      if (command.getPayload() instanceof DeployToEnvironment d) {
        return new Step(d.getDeploymentId(), d.getEnvironment(), StepAction.DEPLOY, d.getAttempt());
      }
      RollbackEnvironment r = (RollbackEnvironment) command.getPayload();
      return new Step(r.getDeploymentId(), r.getEnvironment(), StepAction.ROLLBACK, r.getAttempt());
    }
  }
}
