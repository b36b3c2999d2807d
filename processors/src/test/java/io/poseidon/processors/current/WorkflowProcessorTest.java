package io.poseidon.processors.current;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.testing.MutableClock;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.current.CommitPushed;
import io.poseidon.schemas.current.Timeline;
import io.poseidon.schemas.current.Workflow;
import io.poseidon.schemas.current.WorkflowCommand;
import io.poseidon.schemas.current.WorkflowEvent;
import io.poseidon.schemas.current.WorkflowFailed;
import io.poseidon.schemas.current.WorkflowStep;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
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

/** The Processor-API adapter alone, with MockProcessorContext: what it forwards and the timeout punctuator. */
class WorkflowProcessorTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(T0);
  private final CurrentConfig config = new CurrentConfig(ConfigSource.of(Map.of(
      CurrentConfig.TIMER_SCAN_INTERVAL_MS, "250", CurrentConfig.PIPELINE_TIMEOUT_MS, "60000")));
  private final MockProcessorContext<String, SpecificRecord> context = new MockProcessorContext<>();
  private final WorkflowProcessor processor = new WorkflowProcessor(config, clock);
  private KeyValueStore<String, Workflow> workflows;

  @BeforeEach
  void init() {
    workflows = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CurrentTopology.WORKFLOW_STORE),
        Serdes.String(), serdes.valueSerde(Workflow.class)).withLoggingDisabled().build();
    KeyValueStore<String, Timeline> timelines = Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(CurrentTopology.TIMELINE_STORE), Serdes.String(),
        serdes.valueSerde(Timeline.class)).withLoggingDisabled().build();
    KeyValueStore<String, String> timers = Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(CurrentTopology.TIMER_STORE), Serdes.String(), Serdes.String())
        .withLoggingDisabled().build();
    for (KeyValueStore<?, ?> store : List.of(workflows, timelines, timers)) {
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
    }
    processor.init(context);
  }

  @Test
  void shouldForwardFactsAndTheForgeCommandWithTheirKeysAndEventTimes() {
    Record<String, SpecificRecord> push = push("w-1");
    processor.process(push);

    List<String> out = context.forwarded().stream()
        .map(f -> f.record().key() + " " + f.record().value().getClass().getSimpleName()).toList();
    String runId = WorkflowSteps.runIdOf("w-1");
    assertEquals(List.of("w-1 WorkflowEvent", "w-1 WorkflowEvent", runId + " PipelineCommand", "w-1 WorkflowEvent"),
        out);
    context.forwarded().forEach(f -> assertEquals(T0.toEpochMilli(), f.record().timestamp()));
  }

  @Test
  void shouldFailTheWorkflowAndCancelTheRunFromTheWallClockPunctuator() {
    processor.process(push("w-1"));
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
    assertInstanceOf(PipelineRunCancelRequested.class, ((PipelineCommand) out.get(1).record().value()).getPayload());
    WorkflowFailed failed = assertInstanceOf(WorkflowFailed.class,
        ((WorkflowEvent) out.get(2).record().value()).getPayload());
    assertEquals(WorkflowStep.PIPELINE, failed.getStep());

    context.resetForwards();
    punctuator.getPunctuator().punctuate(clock.millis());
    assertEquals(List.of(), context.forwarded(), "a fired timer fires once");
  }

  @Test
  void shouldRejectTombstonesAndRecordsWithoutKey() {
    assertThrows(RejectedRecordException.class, () -> processor.process(new Record<>("w-1", null, 0L)));
    Record<String, SpecificRecord> push = push("w-1");
    assertThrows(RejectedRecordException.class, () -> processor.process(push.withKey(null)));
    assertTrue(context.forwarded().isEmpty());
    assertEquals(null, workflows.get("w-1"));
  }

  private Record<String, SpecificRecord> push(String workflowId) {
    EventMeta meta = EventMeta.newBuilder(EventMetas.first("current.CommitPushed", "gateway", "ada", null, clock))
        .setCorrelationId(workflowId).build();
    WorkflowCommand command = new WorkflowCommand(meta, new CommitPushed(workflowId, "checkout", "abc1234", "main",
        "ada", List.of("dev")));
    return new Record<>(workflowId, command, clock.millis());
  }
}
