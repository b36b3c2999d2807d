package io.poseidon.processors.forge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.poseidon.processors.testing.MutableClock;
import io.poseidon.schemas.forge.CancelStage;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineEvent;
import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.schemas.forge.PipelineRunRequested;
import io.poseidon.schemas.forge.StageCommand;
import io.poseidon.schemas.forge.StageStatus;
import io.poseidon.schemas.forge.StageStatusChanged;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.errors.RejectedRecordException;
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
class PipelineSagaProcessorTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(T0);
  private final ForgeConfig config = new ForgeConfig(ConfigSource.of(Map.of(
      ForgeConfig.TIMER_SCAN_INTERVAL_MS, "250")));
  private final MockProcessorContext<String, SpecificRecord> context = new MockProcessorContext<>();
  private final PipelineSagaProcessor processor = new PipelineSagaProcessor(config, clock);
  private KeyValueStore<String, PipelineRun> runs;

  @BeforeEach
  void init() {
    runs = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ForgeTopology.RUN_STORE), Serdes.String(),
        serdes.valueSerde(PipelineRun.class)).withLoggingDisabled().build();
    KeyValueStore<String, String> timers = Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(ForgeTopology.TIMER_STORE), Serdes.String(), Serdes.String())
        .withLoggingDisabled().build();
    for (KeyValueStore<?, ?> store : List.of(runs, timers)) {
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
    }
    processor.init(context);
  }

  @Test
  void shouldSendFactsToPipelineEventsAndCommandsToTheRunners() {
    processor.process(request("run-1", "run-1"));

    List<String> routes = context.forwarded().stream()
        .map(f -> f.childName().orElseThrow() + " " + f.record().value().getClass().getSimpleName()).toList();
    assertEquals(List.of(
        ForgeTopology.PIPELINE_EVENTS_SINK + " PipelineEvent",
        ForgeTopology.PIPELINE_EVENTS_SINK + " PipelineEvent",
        ForgeTopology.STAGE_COMMANDS_SINK + " StageCommand"), routes);
    context.forwarded().forEach(f -> assertEquals("run-1", f.record().key()));
  }

  @Test
  void shouldFireADueTimeoutFromTheWallClockPunctuator() {
    processor.process(request("run-1", "run-1"));
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
    StageStatusChanged timedOut = assertInstanceOf(StageStatusChanged.class,
        ((PipelineEvent) out.get(0).record().value()).getPayload());
    assertEquals(StageStatus.FAILED, timedOut.getStatus());
    assertInstanceOf(CancelStage.class, ((StageCommand) out.get(1).record().value()).getPayload());

    context.resetForwards();
    punctuator.getPunctuator().punctuate(clock.millis());
    assertEquals(List.of(), context.forwarded(), "a fired timer fires once");
  }

  @Test
  void shouldRejectARecordKeyedByAnotherRunWithoutWritingAnything() {
    assertThrows(RejectedRecordException.class, () -> processor.process(request("run-2", "run-1")));

    assertEquals(List.of(), context.forwarded());
    assertEquals(0, runs.approximateNumEntries());
  }

  private Record<String, SpecificRecord> request(String key, String runId) {
    PipelineCommand command = new PipelineCommand(
        EventMetas.first("forge.PipelineRunRequested", "gateway", "ada", null, clock),
        PipelineRunRequested.newBuilder().setRunId(runId).setService("checkout").setCommit("4d9bb9a")
            .setBranch("main").setMinCoverage(null).setMaxCriticalVulnerabilities(null).build());
    return new Record<>(key, command, clock.millis());
  }
}
