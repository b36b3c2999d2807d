package io.poseidon.processors.sim;

import io.poseidon.topology.service.ServiceContext;
import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.processors.forge.ForgeTopics;
import io.poseidon.processors.harbor.HarborTopics;
import io.poseidon.processors.tide.TideConfig;
import io.poseidon.processors.tide.TideModule;
import io.poseidon.processors.tide.TideTopics;
import io.poseidon.processors.tide.TideTopology;
import io.poseidon.schemas.lighthouse.LogEvent;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.schemas.tide.IngestEvent;
import io.poseidon.schemas.tide.IngestKind;
import io.poseidon.schemas.tide.RawEnvelope;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.testing.MutableClock;
import io.poseidon.processors.testing.TopologyHarness;
import io.poseidon.schemas.forge.CancelStage;
import io.poseidon.schemas.forge.RunStage;
import io.poseidon.schemas.forge.StageCommand;
import io.poseidon.schemas.forge.StageFailed;
import io.poseidon.schemas.forge.StageResult;
import io.poseidon.schemas.forge.StageSucceeded;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.AgentResult;
import io.poseidon.schemas.harbor.AgentStepFailed;
import io.poseidon.schemas.harbor.AgentStepSucceeded;
import io.poseidon.schemas.harbor.DeployToEnvironment;
import io.poseidon.schemas.harbor.DeploymentStrategy;
import io.poseidon.schemas.harbor.RollbackEnvironment;
import io.poseidon.schemas.harbor.StepAction;
import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.streams.StreamsDefaults;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SimTopologyTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(T0);
  private TopologyHarness harness;
  private TopologyTestDriver driver;
  private TestInputTopic<String, AgentCommand> commands;
  private TestOutputTopic<String, AgentResult> results;
  private TestOutputTopic<String, HealthEvent> health;
  private TestInputTopic<String, StageCommand> stageCommands;
  private TestOutputTopic<String, StageResult> stageResults;

  private void start(Map<String, String> settings, double random) {
    SimConfig config = new SimConfig(ConfigSource.of(settings));
    harness = new TopologyHarness(SimModule.NAME, () -> SimTopology.build(serdes, config, clock, () -> random), clock);
    driver = harness.driver();
    commands = harness.input(HarborTopics.AGENT_COMMANDS, AgentCommand.class);
    results = harness.output(HarborTopics.AGENT_RESULTS, AgentResult.class);
    health = harness.output(LighthouseTopics.SERVICE_HEALTH, HealthEvent.class);
    stageCommands = harness.input(ForgeTopics.STAGE_COMMANDS, StageCommand.class);
    stageResults = harness.output(ForgeTopics.STAGE_RESULTS, StageResult.class);
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  @Test
  void shouldAnswerADeployAfterItsDurationAndReportNoHealthOfItsOwn() {
    start(Map.of(SimConfig.DEPLOY_DURATION_MS, "1000", SimConfig.TELEMETRY_SERVICES, ""), 0.9);
    TestOutputTopic<String, IngestEvent> ingest = harness.output(TideTopics.INGEST, IngestEvent.class);
    AgentCommand deploy = deploy("checkout", "dev", 1);
    commands.pipeInput("checkout", deploy);

    advance(Duration.ofMillis(500));
    assertTrue(results.isEmpty(), "not before the deploy duration");
    advance(Duration.ofMillis(600));

    AgentResult result = results.readValue();
    AgentStepSucceeded ok = assertInstanceOf(AgentStepSucceeded.class, result.getPayload());
    assertEquals(StepAction.DEPLOY, ok.getAction());
    assertEquals(1, ok.getAttempt());
    assertEquals(deploy.getMeta().getEventId(), result.getMeta().getCausationId());
    assertEquals(deploy.getMeta().getCorrelationId(), result.getMeta().getCorrelationId());

    advance(Duration.ofSeconds(3));
    assertTrue(health.isEmpty(), "lighthouse judges health; the simulator only sends telemetry");
    List<RawEnvelope> sent = ingest.readValuesToList().stream().map(e -> (RawEnvelope) e.getPayload()).toList();
    assertFalse(sent.isEmpty(), "what the agent deployed sends telemetry");
    assertTrue(sent.stream().allMatch(r -> "checkout".equals(r.getAttributes().get("service"))
        && "dev".equals(r.getAttributes().get("environment"))));
  }

  @Test
  void shouldFailWhereConfiguredAndDegradeTelemetryWhereConfigured() {
    start(Map.of(SimConfig.DEPLOY_FAILURES, "checkout@prod", SimConfig.DEGRADE, "checkout@staging",
        SimConfig.DEPLOY_DURATION_MS, "100", SimConfig.TELEMETRY_SERVICES, ""), 0.9);
    TestOutputTopic<String, IngestEvent> ingest = harness.output(TideTopics.INGEST, IngestEvent.class);
    commands.pipeInput("checkout", deploy("checkout", "prod", 1));
    commands.pipeInput("checkout", deploy("checkout", "staging", 1));
    commands.pipeInput("checkout", deploy("checkout", "dev", 1));
    advance(Duration.ofMillis(200));
    advance(Duration.ofMillis(200));

    // the steps are due at the same time: their order is not defined, their outcomes are
    Map<Boolean, List<Object>> byOutcome = results.readValuesToList().stream().map(AgentResult::getPayload)
        .collect(java.util.stream.Collectors.partitioningBy(p -> p instanceof AgentStepFailed));
    AgentStepFailed failed = (AgentStepFailed) byOutcome.get(true).get(0);
    assertEquals("prod", failed.getEnvironment());
    assertFalse(failed.getRetryable());
    assertEquals(2, byOutcome.get(false).size());

    advance(Duration.ofSeconds(2));
    Map<String, List<Double>> latencyByEnv = new java.util.TreeMap<>();
    for (IngestEvent e : ingest.readValuesToList()) {
      RawEnvelope raw = (RawEnvelope) e.getPayload();
      if (raw.getKind() == IngestKind.METRIC) {
        Map<?, ?> payload = readJson(raw.getPayload());
        for (Object p : (List<?>) payload.get("points")) {
          Map<?, ?> point = (Map<?, ?>) p;
          if ("http.server.duration".equals(point.get("name"))) {
            latencyByEnv.computeIfAbsent(raw.getAttributes().get("environment"), k -> new java.util.ArrayList<>())
                .add(((Number) point.get("value")).doubleValue());
          }
        }
      }
    }
    assertEquals(java.util.Set.of("dev", "staging"), latencyByEnv.keySet(), "no telemetry where the deploy failed");
    assertTrue(latencyByEnv.get("dev").stream().allMatch(v -> v < 250), latencyByEnv.toString());
    assertTrue(latencyByEnv.get("staging").stream().allMatch(v -> v >= 1000), latencyByEnv.toString());
  }

  @Test
  void shouldFailRetryablyWithTheConfiguredProbability() {
    start(Map.of(SimConfig.FAILURE_PROBABILITY, "0.5", SimConfig.DEPLOY_DURATION_MS, "100"), 0.1);
    commands.pipeInput("checkout", deploy("checkout", "dev", 2));
    advance(Duration.ofMillis(200));

    AgentStepFailed failed = assertInstanceOf(AgentStepFailed.class, results.readValue().getPayload());
    assertTrue(failed.getRetryable());
    assertEquals(2, failed.getAttempt());
  }

  @Test
  void shouldAnswerARedeliveredCommandOnce() {
    start(Map.of(SimConfig.DEPLOY_DURATION_MS, "100"), 0.9);
    AgentCommand deploy = deploy("checkout", "dev", 1);
    commands.pipeInput("checkout", deploy);
    commands.pipeInput("checkout", deploy);
    advance(Duration.ofMillis(200));
    advance(Duration.ofSeconds(2));

    assertEquals(1, results.readValuesToList().size());
  }

  @Test
  void shouldFailARollbackWhereConfigured() {
    start(Map.of(SimConfig.ROLLBACK_FAILURES, "checkout@dev", SimConfig.ROLLBACK_DURATION_MS, "100"), 0.9);
    commands.pipeInput("checkout", new AgentCommand(EventMetas.first("harbor.RollbackEnvironment", "harbor", "harbor",
        null, clock), RollbackEnvironment.newBuilder().setDeploymentId("d-1").setService("checkout").setEnvironment("dev")
            .setRestoreVersion("1.0.0").setAttempt(1).build()));
    advance(Duration.ofMillis(200));

    AgentStepFailed failed = assertInstanceOf(AgentStepFailed.class, results.readValue().getPayload());
    assertEquals(StepAction.ROLLBACK, failed.getAction());
    assertTrue(health.isEmpty());
  }

  // --- the simulated CI runner -----------------------------------------------------------------

  @Test
  void shouldAnswerEachStageAfterItsDurationWithTheMetricsTheGatesRead() {
    start(Map.of(SimConfig.STAGE_DURATION_MS, "800", SimConfig.COVERAGE, "0.91",
        SimConfig.CRITICAL_VULNERABILITIES, "2", SimConfig.RUNNER_ID, "runner-7"), 0.9);
    StageCommand test = runStage("run-1", "test", 1);
    stageCommands.pipeInput("run-1", test);
    stageCommands.pipeInput("run-1", runStage("run-1", "security", 1));
    stageCommands.pipeInput("run-1", runStage("run-1", "build", 2));

    advance(Duration.ofMillis(700));
    assertTrue(stageResults.isEmpty(), "not before the stage duration");
    advance(Duration.ofMillis(200));

    Map<String, StageSucceeded> byStage = new java.util.HashMap<>();
    List<org.apache.kafka.streams.test.TestRecord<String, StageResult>> out = stageResults.readRecordsToList();
    out.forEach(r -> {
      assertEquals("run-1", r.key(), "keyed by runId");
      StageSucceeded ok = assertInstanceOf(StageSucceeded.class, r.value().getPayload());
      byStage.put(ok.getStage(), ok);
    });
    assertEquals(Map.of("coverage", 0.91), byStage.get("test").getMetrics());
    assertEquals(Map.of("criticalVulnerabilities", 2.0), byStage.get("security").getMetrics());
    assertEquals(Map.of(), byStage.get("build").getMetrics());
    assertEquals(2, byStage.get("build").getAttempt(), "answers the attempt it was given");
    assertEquals("runner-7", byStage.get("test").getRunnerId());
    StageResult testResult = out.stream().filter(r -> r.value().getPayload() == byStage.get("test")).findFirst()
        .orElseThrow().value();
    assertEquals(test.getMeta().getEventId(), testResult.getMeta().getCausationId());
    assertEquals(test.getMeta().getCorrelationId(), testResult.getMeta().getCorrelationId());
    assertEquals("forge.StageSucceeded", testResult.getMeta().getType());
  }

  @Test
  void shouldReportDefaultMetricsThatPassForgesDefaultGates() {
    start(Map.of(), 0.9);
    stageCommands.pipeInput("run-1", runStage("run-1", "test", 1));
    advance(Duration.ofMillis(900));

    StageSucceeded ok = assertInstanceOf(StageSucceeded.class, stageResults.readValue().getPayload());
    assertEquals(Map.of("coverage", 0.87), ok.getMetrics(), "0.87 >= forge's default 0.8");
  }

  @Test
  void shouldFailAStageWhereConfigured() {
    start(Map.of(SimConfig.STAGE_FAILURES, "checkout@security", SimConfig.STAGE_DURATION_MS, "100"), 0.9);
    stageCommands.pipeInput("run-1", runStage("run-1", "security", 1));
    stageCommands.pipeInput("run-2", runStage("run-2", "security", 1, "payments"));
    advance(Duration.ofMillis(200));

    Map<Boolean, List<Object>> byOutcome = stageResults.readValuesToList().stream().map(StageResult::getPayload)
        .collect(java.util.stream.Collectors.partitioningBy(p -> p instanceof StageFailed));
    StageFailed failed = (StageFailed) byOutcome.get(true).get(0);
    assertEquals("run-1", failed.getRunId());
    assertEquals("security", failed.getStage());
    assertFalse(failed.getRetryable());
    assertTrue(failed.getReason().contains("checkout"), failed.getReason());
    assertEquals("run-2", ((StageSucceeded) byOutcome.get(false).get(0)).getRunId(), "other services pass");
  }

  @Test
  void shouldNotAnswerACancelledStage() {
    start(Map.of(SimConfig.STAGE_DURATION_MS, "500"), 0.9);
    stageCommands.pipeInput("run-1", runStage("run-1", "test", 1));
    stageCommands.pipeInput("run-1", runStage("run-1", "security", 1));
    advance(Duration.ofMillis(200));

    stageCommands.pipeInput("run-1", new StageCommand(EventMetas.first("forge.CancelStage", "forge", "forge", null,
        clock), new CancelStage("run-1", "security", 1)));
    advance(Duration.ofSeconds(2));

    List<StageResult> out = stageResults.readValuesToList();
    assertEquals(1, out.size());
    assertEquals("test", ((StageSucceeded) out.get(0).getPayload()).getStage());
  }

  @Test
  void shouldAnswerARedeliveredStageCommandOnce() {
    start(Map.of(SimConfig.STAGE_DURATION_MS, "100"), 0.9);
    StageCommand build = runStage("run-1", "build", 1);
    stageCommands.pipeInput("run-1", build);
    stageCommands.pipeInput("run-1", build);
    advance(Duration.ofMillis(200));
    advance(Duration.ofSeconds(2));

    assertEquals(1, stageResults.readValuesToList().size());
  }

  @Test
  void shouldKeepTheDeployAgentAndTheRunnerApart() {
    start(Map.of(SimConfig.STAGE_DURATION_MS, "100", SimConfig.DEPLOY_DURATION_MS, "100"), 0.9);
    stageCommands.pipeInput("run-1", runStage("run-1", "build", 1));
    commands.pipeInput("checkout", deploy("checkout", "dev", 1));
    advance(Duration.ofMillis(200));

    assertEquals(1, stageResults.readValuesToList().size());
    assertEquals(1, results.readValuesToList().size());
  }

  @Test
  void shouldDeclareTheForgeStageTopicsAsTopicsOfTheSimService() {
    start(Map.of(), 0.9);
    SimModule service = new SimModule();

    assertTrue(service.topics().containsAll(List.of(ForgeTopics.STAGE_COMMANDS,
        ForgeTopics.STAGE_RESULTS, HarborTopics.AGENT_COMMANDS, new SimModule().deadLetterTopic())));
    String described = service.topology(new ServiceContext(serdes, ConfigSource.of(Map.of()), clock)).describe()
        .toString();
    for (String name : List.of(SimTopology.STAGE_COMMANDS_SOURCE, SimTopology.RUNNER, SimTopology.STAGE_RESULTS_SINK,
        SimTopology.RUNNER_PENDING_STORE, SimTopology.RUNNER_TIMER_STORE, SimTopology.AGENT)) {
      assertTrue(described.contains(name), name);
    }
  }

  private StageCommand runStage(String runId, String stage, int attempt) {
    return runStage(runId, stage, attempt, "checkout");
  }

  private StageCommand runStage(String runId, String stage, int attempt, String service) {
    return new StageCommand(EventMetas.first("forge.RunStage", "forge", "forge", null, clock),
        new RunStage(runId, stage, service, "4d9bb9a", attempt, 60));
  }

  private AgentCommand deploy(String service, String env, int attempt) {
    return new AgentCommand(EventMetas.first("harbor.DeployToEnvironment", "harbor", "harbor", null, clock),
        new DeployToEnvironment("d-1", service, env, "1.4.2", null, DeploymentStrategy.ROLLING, Map.of(), attempt));
  }

  @Test
  void shouldSendEverySimulatedServicesLogsAndMetricsThroughTideIngestAndTideRoutesThem() {
    start(Map.of(SimConfig.TELEMETRY_INTERVAL_MS, "1000", SimConfig.TELEMETRY_SERVICES, "checkout,payments"), 0.9);
    TestOutputTopic<String, IngestEvent> ingest = harness.output(TideTopics.INGEST, IngestEvent.class);
    advance(Duration.ofMillis(1100));

    List<org.apache.kafka.streams.test.TestRecord<String, IngestEvent>> sent = ingest.readRecordsToList();
    // per service: one metric batch and 1 + (int) (0.9 * 3) = 3 logs
    assertEquals(8, sent.size());
    for (String service : List.of("checkout", "payments")) {
      List<RawEnvelope> mine = sent.stream().map(r -> (RawEnvelope) r.value().getPayload())
          .filter(r -> service.equals(r.getAttributes().get("service"))).toList();
      assertEquals(1, mine.stream().filter(r -> r.getKind() == IngestKind.METRIC).count());
      assertEquals(3, mine.stream().filter(r -> r.getKind() == IngestKind.LOG).count());
      assertTrue(mine.stream().allMatch(r -> r.getId() != null && (service + "-dev-1").equals(r.getAttributes().get("instance"))));
    }
    sent.forEach(r -> assertEquals(TideTopics.ingestKey((RawEnvelope) r.value().getPayload()), r.key()));

    advance(Duration.ofMillis(1000));
    assertEquals(8, ingest.readRecordsToList().size(), "every interval again");

    // what sim sends is what tide takes: routed to typed topics, nothing dead-lettered
    MutableClock tideClock = new MutableClock(T0);
    try (TopologyHarness tide = new TopologyHarness(TideModule.NAME,
        () -> TideTopology.build(serdes, TideConfig.defaults(), tideClock), tideClock)) {
      TestInputTopic<String, IngestEvent> in = tide.input(TideTopics.INGEST, IngestEvent.class);
      sent.forEach(r -> in.pipeInput(r.key(), r.value()));
      assertEquals(2, tide.output(LighthouseTopics.METRICS, MetricEvent.class).readValuesToList().size());
      assertEquals(6, tide.output(LighthouseTopics.LOGS, LogEvent.class).readValuesToList().size());
      assertTrue(tide.deadLetters().isEmpty());
    }
  }

  @Test
  void shouldSendNoTelemetryWhenItsIntervalIsZero() {
    start(Map.of(SimConfig.TELEMETRY_INTERVAL_MS, "0"), 0.9);
    TestOutputTopic<String, IngestEvent> ingest = harness.output(TideTopics.INGEST, IngestEvent.class);
    advance(Duration.ofSeconds(10));
    assertTrue(ingest.isEmpty());
  }

  private static Map<?, ?> readJson(String json) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readValue(json, Map.class);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  private void advance(Duration d) {
    harness.advance(d);
  }
}
