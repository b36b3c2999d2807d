package io.poseidon.processors.harbor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.poseidon.processors.testing.MutableClock;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.harbor.DeploymentRequested;
import io.poseidon.schemas.harbor.DeploymentStrategy;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.harbor.RollbackEnvironment;
import io.poseidon.schemas.harbor.ServiceDeployments;
import io.poseidon.schemas.harbor.StepStatus;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedForward;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Processor-API adapter alone, with MockProcessorContext: sink routing and the timer punctuator. */
class DeploymentSagaProcessorTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(T0);
  private final HarborConfig config = new HarborConfig(ConfigSource.of(Map.of(
      HarborConfig.TIMER_SCAN_INTERVAL_MS, "250")));
  private final MockProcessorContext<String, SpecificRecord> context = new MockProcessorContext<>();
  private final DeploymentSagaProcessor processor = new DeploymentSagaProcessor(config, clock);

  @BeforeEach
  void init() {
    KeyValueStore<String, Deployment> deployments = Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(HarborTopology.DEPLOYMENT_STORE), Serdes.String(),
        serdes.valueSerde(Deployment.class)).withLoggingDisabled().build();
    KeyValueStore<String, ServiceDeployments> services = Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(HarborTopology.SERVICE_STORE), Serdes.String(),
        serdes.valueSerde(ServiceDeployments.class)).withLoggingDisabled().build();
    KeyValueStore<String, String> timers = Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(HarborTopology.TIMER_STORE), Serdes.String(), Serdes.String())
        .withLoggingDisabled().build();
    for (KeyValueStore<?, ?> store : List.of(deployments, services, timers)) {
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
    }
    processor.init(context);
  }

  @Test
  void shouldSendFactsToDeploymentEventsAndCommandsToTheAgents() {
    processor.process(request("d-1"));

    List<String> routes = context.forwarded().stream()
        .map(f -> f.childName().orElseThrow() + " " + f.record().value().getClass().getSimpleName()).toList();
    assertEquals(List.of(
        HarborTopology.DEPLOYMENT_EVENTS_SINK + " DeploymentEvent",
        HarborTopology.DEPLOYMENT_EVENTS_SINK + " DeploymentEvent",
        HarborTopology.AGENT_COMMANDS_SINK + " AgentCommand",
        HarborTopology.DEPLOYMENTS_SINK + " DeploymentSnapshot"), routes);
    // facts and commands keyed by service (one partition per service's saga); the snapshot by deployment
    context.forwarded().forEach(f -> assertEquals(
        f.childName().orElseThrow().equals(HarborTopology.DEPLOYMENTS_SINK) ? "d-1" : "checkout", f.record().key()));
  }

  @Test
  void shouldFireADueTimerFromTheWallClockPunctuator() {
    processor.process(request("d-1"));
    context.resetForwards();
    CapturedPunctuator punctuator = context.scheduledPunctuators().get(0);
    assertEquals(PunctuationType.WALL_CLOCK_TIME, punctuator.getType());
    assertEquals(Duration.ofMillis(250), punctuator.getInterval());

    clock.advance(Duration.ofSeconds(59));
    punctuator.getPunctuator().punctuate(clock.millis());
    assertEquals(List.of(), context.forwarded(), "not due yet");

    clock.advance(Duration.ofSeconds(1));
    punctuator.getPunctuator().punctuate(clock.millis());
    List<CapturedForward<? extends String, ? extends SpecificRecord>> out = context.forwarded();
    EnvironmentStepChanged timedOut = assertInstanceOf(EnvironmentStepChanged.class,
        ((DeploymentEvent) out.get(0).record().value()).getPayload());
    assertEquals(StepStatus.FAILED, timedOut.getStatus());
    AgentCommand rollback = out.stream().map(f -> f.record().value()).filter(AgentCommand.class::isInstance)
        .map(AgentCommand.class::cast).reduce((a, b) -> b).orElseThrow();
    assertInstanceOf(RollbackEnvironment.class, rollback.getPayload());

    context.resetForwards();
    punctuator.getPunctuator().punctuate(clock.millis());
    assertEquals(List.of(), context.forwarded(), "a fired timer fires once");
  }

  private Record<String, SpecificRecord> request(String id) {
    DeploymentCommand command = new DeploymentCommand(
        EventMetas.first("harbor.DeploymentRequested", "gateway", "ada", null, clock),
        DeploymentRequested.newBuilder().setDeploymentId(id).setService("checkout").setVersion("1.4.2")
            .setEnvironments(List.of("dev")).setStrategy(DeploymentStrategy.ROLLING).build());
    return new Record<>("checkout", command, clock.millis());
  }
}
