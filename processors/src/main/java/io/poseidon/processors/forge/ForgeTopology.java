package io.poseidon.processors.forge;

import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineEvent;
import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.schemas.forge.StageCommand;
import io.poseidon.schemas.forge.StageResult;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * forge — pipeline runs. Reads run requests and cancels from {@code forge.pipeline-commands} and stage
 * results from CI runners on {@code forge.stage-results}; both are keyed by runId, so every record of a
 * run is processed in order on one partition (the two topics must keep the same partition count and the
 * default partitioner). One processor, {@code forge-pipeline-saga}, runs the saga ({@link PipelineSaga})
 * over two stores:
 * <ul>
 *   <li>{@code forge-run-store}: runId → {@code PipelineRun} (run and stage states, gates in effect);
 *       queried by runId ({@link ForgeQueries#run}).</li>
 *   <li>{@code forge-timer-store}: the durable timers ({@link TimerIndex}): stage timeouts and retry
 *       backoffs.</li>
 * </ul>
 * It sends stage commands to {@code forge.stage-commands} and every transition to
 * {@code forge.pipeline-events}.
 */
public final class ForgeTopology {

  public static final String PIPELINE_COMMANDS_SOURCE = "forge-pipeline-commands-source";
  public static final String STAGE_RESULTS_SOURCE = "forge-stage-results-source";
  public static final String PROCESSOR = "forge-pipeline-saga";
  public static final String STAGE_COMMANDS_SINK = "forge-stage-commands-sink";
  public static final String PIPELINE_EVENTS_SINK = "forge-pipeline-events-sink";
  public static final String RUN_STORE = "forge-run-store";
  public static final String TIMER_STORE = "forge-timer-store";

  private ForgeTopology() {}

  public static Topology build(SerdeFactory serdes, ForgeConfig config, Clock clock) {
    Serde<String> keys = Serdes.String();
    Serde<PipelineCommand> commands = serdes.valueSerde(PipelineCommand.class);
    Serde<StageResult> results = serdes.valueSerde(StageResult.class);
    Serde<StageCommand> stageCommands = serdes.valueSerde(StageCommand.class);
    Serde<PipelineEvent> events = serdes.valueSerde(PipelineEvent.class);

    Topology topology = new Topology();
    topology.addSource(PIPELINE_COMMANDS_SOURCE, keys.deserializer(), commands.deserializer(),
        ForgeTopics.PIPELINE_COMMANDS.name());
    topology.addSource(STAGE_RESULTS_SOURCE, keys.deserializer(), results.deserializer(),
        ForgeTopics.STAGE_RESULTS.name());
    topology.addProcessor(PROCESSOR, () -> new PipelineSagaProcessor(config, clock),
        PIPELINE_COMMANDS_SOURCE, STAGE_RESULTS_SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RUN_STORE), keys,
        serdes.valueSerde(PipelineRun.class)), PROCESSOR);
    topology.addStateStore(TimerIndex.storeBuilder(TIMER_STORE), PROCESSOR);
    topology.addSink(STAGE_COMMANDS_SINK, ForgeTopics.STAGE_COMMANDS.name(), keys.serializer(),
        stageCommands.serializer(), PROCESSOR);
    topology.addSink(PIPELINE_EVENTS_SINK, ForgeTopics.PIPELINE_EVENTS.name(), keys.serializer(),
        events.serializer(), PROCESSOR);
    return topology;
  }
}
