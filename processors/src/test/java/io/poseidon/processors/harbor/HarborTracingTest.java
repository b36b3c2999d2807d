package io.poseidon.processors.harbor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.poseidon.processors.sim.SimConfig;
import io.poseidon.processors.sim.SimModule;
import io.poseidon.processors.sim.SimTopology;
import io.poseidon.processors.testing.MutableClock;
import io.poseidon.processors.testing.TopologyHarness;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.AgentResult;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.harbor.DeploymentFinished;
import io.poseidon.schemas.harbor.DeploymentRequested;
import io.poseidon.schemas.harbor.DeploymentStatus;
import io.poseidon.schemas.harbor.DeploymentStrategy;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.harbor.StepAction;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.tracing.Tracing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One trace across two topologies through TopologyTestDriver, with the SDK's in-memory exporter:
 * harbor's deployment saga and sim's deploy agent, wired to each other by hand (commands out of one
 * driver into the other, results back), deploying to dev, staging and prod where prod fails, so the
 * deployment rolls back. Every span and every event is in the trace of the request's traceparent;
 * each consumer's span is the child of the span that produced what it reads.
 */
class HarborTracingTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final String SERVICE = "checkout";
  private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER_SPAN = "00f067aa0ba902b7";
  private static final String TRACEPARENT = "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01";

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
      .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
      .build();
  private final Tracing tracing = Tracing.of(sdk);
  private TopologyHarness harbor;
  private TopologyHarness sim;
  private TestInputTopic<String, DeploymentCommand> requests;
  private TestOutputTopic<String, AgentCommand> harborCommands;
  private TestInputTopic<String, AgentCommand> simCommands;
  private TestOutputTopic<String, AgentResult> simResults;
  private TestInputTopic<String, AgentResult> harborResults;
  private TestOutputTopic<String, DeploymentEvent> events;

  @BeforeEach
  void start() {
    HarborConfig harborConfig = new HarborConfig(ConfigSource.of(Map.of(
        HarborConfig.TIMER_SCAN_INTERVAL_MS, "100",
        HarborConfig.DEFAULT_HEALTH_GATE_SECONDS, "2")));
    SimConfig simConfig = new SimConfig(ConfigSource.of(Map.of(
        SimConfig.TIMER_SCAN_INTERVAL_MS, "100",
        SimConfig.DEPLOY_DURATION_MS, "500",
        SimConfig.ROLLBACK_DURATION_MS, "500",
        SimConfig.DEPLOY_FAILURES, SERVICE + "@prod",
        SimConfig.TELEMETRY_INTERVAL_MS, "0")));
    MutableClock harborClock = new MutableClock(T0);
    MutableClock simClock = new MutableClock(T0);
    harbor = new TopologyHarness(HarborModule.NAME, () -> HarborTopology.build(serdes, harborConfig, harborClock),
        harborClock, tracing);
    sim = new TopologyHarness(SimModule.NAME, () -> SimTopology.build(serdes, simConfig, simClock, () -> 0.99),
        simClock, tracing);
    requests = harbor.input(HarborTopics.DEPLOYMENT_COMMANDS, DeploymentCommand.class);
    harborCommands = harbor.output(HarborTopics.AGENT_COMMANDS, AgentCommand.class);
    harborResults = harbor.input(HarborTopics.AGENT_RESULTS, AgentResult.class);
    events = harbor.output(HarborTopics.DEPLOYMENT_EVENTS, DeploymentEvent.class);
    simCommands = sim.input(HarborTopics.AGENT_COMMANDS, AgentCommand.class);
    simResults = sim.output(HarborTopics.AGENT_RESULTS, AgentResult.class);
  }

  @AfterEach
  void stop() {
    harbor.close();
    sim.close();
    sdk.close();
  }

  @Test
  void shouldKeepOneTraceFromTheRequestThroughTheAgentToTheRollback() {
    // Given a deployment request made in the caller's trace (the gateway's server span)
    DeploymentCommand request = new DeploymentCommand(
        EventMetas.first("harbor.DeploymentRequested", "gateway", "ada", TRACEPARENT, harbor.clock()),
        DeploymentRequested.newBuilder().setDeploymentId("d-1").setService(SERVICE).setVersion("1.4.2")
            .setEnvironments(List.of("dev", "staging", "prod")).setStrategy(DeploymentStrategy.ROLLING).build());

    // When harbor and the simulated agent work it out (dev and staging pass their health gates by
    // timer, prod's deploy fails, staging and dev roll back)
    requests.pipeInput(SERVICE, request, T0);
    List<TestRecord<String, DeploymentEvent>> out = new ArrayList<>();
    List<TestRecord<String, AgentCommand>> commands = new ArrayList<>();
    List<TestRecord<String, AgentResult>> results = new ArrayList<>();
    for (int step = 0; step < 200 && !finished(out); step++) {
      for (TestRecord<String, AgentCommand> command : harborCommands.readRecordsToList()) {
        commands.add(command);
        simCommands.pipeInput(command);
      }
      for (TestRecord<String, AgentResult> result : simResults.readRecordsToList()) {
        results.add(result);
        harborResults.pipeInput(result);
      }
      out.addAll(events.readRecordsToList());
      harbor.advance(Duration.ofMillis(100));
      sim.advance(Duration.ofMillis(100));
    }
    assertTrue(finished(out), "the deployment finished: " + out.size() + " events");
    DeploymentFinished finished = (DeploymentFinished) out.get(out.size() - 1).value().getPayload();
    assertEquals(DeploymentStatus.ROLLED_BACK, finished.getStatus());
    assertTrue(out.stream().anyMatch(r -> r.value().getPayload() instanceof EnvironmentStepChanged s
        && s.getAction() == StepAction.ROLLBACK), "rollbacks are among the events");

    // Then every span is in the caller's trace, and the first one is the child of the caller's span
    List<SpanData> all = spans.getFinishedSpanItems();
    assertFalse(all.isEmpty());
    all.forEach(s -> assertEquals(CALLER_TRACE, s.getTraceId(), s.getName()));
    Map<String, SpanData> byId = all.stream().collect(Collectors.toMap(SpanData::getSpanId, Function.identity()));
    SpanData first = single(all, "harbor process harbor.deployment-commands");
    assertEquals(CALLER_SPAN, first.getParentSpanId());
    assertEquals(SpanKind.CONSUMER, first.getKind());
    assertEquals("harbor.DeploymentRequested", first.getAttributes().get(
        io.opentelemetry.api.common.AttributeKey.stringKey("poseidon.event.type")));
    // one tree: every other span's parent is a span of the trace
    for (SpanData span : all) {
      if (span != first) {
        assertNotNull(byId.get(span.getParentSpanId()), span.getName() + " has a parent in the trace");
      }
    }

    // And every event and command is emitted inside a span (its traceparent names it) and carries
    // the same traceparent in its Kafka header
    List<TestRecord<String, ? extends org.apache.avro.specific.SpecificRecord>> emitted = new ArrayList<>(out);
    emitted.addAll(commands);
    emitted.addAll(results);
    for (TestRecord<String, ? extends org.apache.avro.specific.SpecificRecord> record : emitted) {
      EventMeta meta = Tracing.metaOf(record.value());
      assertEquals(CALLER_TRACE, Tracing.traceIdOf(meta.getTraceparent()), meta.getType());
      assertNotNull(byId.get(spanIdOf(meta.getTraceparent())), meta.getType() + " emitted in a span of the trace");
      assertEquals(meta.getTraceparent(), Tracing.header(record.headers()), meta.getType() + " header = meta");
    }

    // And producer → consumer: the agent's span is the child of harbor's span that sent the command,
    // the agent answers in a timer span under it, and harbor takes the answer in a child of that
    for (TestRecord<String, AgentCommand> command : commands) {
      SpanData agent = consumerOf(all, "sim process harbor.agent-commands", command.value().getMeta());
      assertEquals(spanIdOf(command.value().getMeta().getTraceparent()), agent.getParentSpanId());
    }
    for (TestRecord<String, AgentResult> result : results) {
      SpanData answeredIn = byId.get(spanIdOf(result.value().getMeta().getTraceparent()));
      assertEquals("sim timer", answeredIn.getName());
      assertEquals("sim process harbor.agent-commands", byId.get(answeredIn.getParentSpanId()).getName());
      SpanData taken = consumerOf(all, "harbor process harbor.agent-results", result.value().getMeta());
      assertEquals(answeredIn.getSpanId(), taken.getParentSpanId());
    }

    // And a health gate that passes by timer continues the trace of the unit that armed it
    List<SpanData> timers = all.stream().filter(s -> s.getName().equals("harbor timer")).toList();
    assertFalse(timers.isEmpty(), "health gates and retries fire as timer spans");
    for (SpanData timer : timers) {
      assertTrue(byId.get(timer.getParentSpanId()).getName().startsWith("harbor "), timer.getParentSpanId());
    }
    Set<String> gatePassed = out.stream()
        .filter(r -> r.value().getPayload() instanceof EnvironmentStepChanged s && s.getAction() == StepAction.HEALTH_GATE
            && s.getStatus().name().equals("COMPLETED"))
        .map(r -> byId.get(spanIdOf(r.value().getMeta().getTraceparent())).getName())
        .collect(Collectors.toSet());
    assertEquals(Set.of("harbor timer"), gatePassed, "dev's and staging's gates passed by timer");
  }

  private static boolean finished(List<TestRecord<String, DeploymentEvent>> out) {
    return !out.isEmpty() && out.get(out.size() - 1).value().getPayload() instanceof DeploymentFinished;
  }

  private static SpanData single(List<SpanData> all, String name) {
    List<SpanData> named = all.stream().filter(s -> s.getName().equals(name)).toList();
    assertEquals(1, named.size(), name + ": " + named);
    return named.get(0);
  }

  /** The span of {@code name} that took the event {@code meta}. */
  private static SpanData consumerOf(List<SpanData> all, String name, EventMeta meta) {
    return all.stream()
        .filter(s -> s.getName().equals(name) && meta.getEventId().equals(
            s.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("poseidon.event.id"))))
        .findFirst().orElseThrow(() -> new AssertionError("no span " + name + " for " + meta.getType()));
  }

  private static String spanIdOf(String traceparent) {
    return traceparent.substring(36, 52);
  }
}
