package io.poseidon.processors.sim;

import io.poseidon.processors.forge.ForgeTopics;
import io.poseidon.processors.harbor.HarborTopics;
import io.poseidon.schemas.forge.StageCommand;
import io.poseidon.schemas.forge.StageResult;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.AgentResult;
import io.poseidon.schemas.tide.IngestEvent;
import io.poseidon.processors.tide.TideTopics;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.timers.TimerIndex;
import io.poseidon.topology.tracing.TracedProcessor;
import java.time.Clock;
import java.util.function.DoubleSupplier;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * sim — the simulated participants, two independent sub-topologies:
 * <ul>
 *   <li>the deploy agent ({@code sim-deploy-agent}): a participant like a real agent, it reads
 *       {@code harbor.agent-commands}, takes its time (a durable timer per step), answers on
 *       {@code harbor.agent-results} (one result per command attempt); what it deployed joins the
 *       node's {@link SimulatedFleet} (it reports no health: lighthouse judges the fleet's telemetry);</li>
 *   <li>the CI runner ({@code sim-ci-runner}): it reads {@code forge.stage-commands}, takes its time,
 *       and answers each {@code RunStage} on {@code forge.stage-results} with the metrics forge's
 *       quality gates read; a {@code CancelStage} stops a stage, which is then never answered;</li>
 *   <li>the services' telemetry ({@code sim-telemetry}, beside the agent): raw logs and metric
 *       batches of the simulated services and of the fleet on {@code tide.ingest}, every few seconds
 *       ({@link SimulatedTelemetry}); degraded after a deploy to a {@code sim.degrade} pair.</li>
 * </ul>
 * Where they fail and what they report is configured ({@link SimConfig}), so a local stack and the
 * tests can show every saga path.
 */
public final class SimTopology {

  public static final String COMMANDS_SOURCE = "sim-agent-commands-source";
  public static final String AGENT = "sim-deploy-agent";
  public static final String RESULTS_SINK = "sim-agent-results-sink";
  public static final String PENDING_STORE = "sim-pending-store";
  public static final String TIMER_STORE = "sim-timer-store";
  public static final String STAGE_COMMANDS_SOURCE = "sim-stage-commands-source";
  public static final String RUNNER = "sim-ci-runner";
  public static final String STAGE_RESULTS_SINK = "sim-stage-results-sink";
  public static final String RUNNER_PENDING_STORE = "sim-runner-pending-store";
  public static final String RUNNER_TIMER_STORE = "sim-runner-timer-store";
  public static final String TELEMETRY = "sim-telemetry";
  public static final String TELEMETRY_SINK = "sim-telemetry-sink";

  private SimTopology() {}

  public static Topology build(SerdeFactory serdes, SimConfig config, Clock clock, DoubleSupplier random) {
    Serde<String> keys = Serdes.String();
    Serde<AgentCommand> commands = serdes.valueSerde(AgentCommand.class);
    Topology topology = new Topology();
    SimulatedFleet fleet = new SimulatedFleet();
    topology.addSource(COMMANDS_SOURCE, keys.deserializer(), commands.deserializer(),
        HarborTopics.AGENT_COMMANDS.name());
    topology.addProcessor(AGENT, TracedProcessor.of(SimModule.NAME, () -> new SimulatedDeployAgent(config, clock, random, fleet)),
        COMMANDS_SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE), keys,
        commands), AGENT);
    topology.addStateStore(TimerIndex.storeBuilder(TIMER_STORE), AGENT);
    topology.addSink(RESULTS_SINK, HarborTopics.AGENT_RESULTS.name(), keys.serializer(),
        serdes.valueSerde(AgentResult.class).serializer(), AGENT);
    topology.addProcessor(TELEMETRY, () -> new SimulatedTelemetry(config, clock, random, fleet), COMMANDS_SOURCE);
    topology.addSink(TELEMETRY_SINK, TideTopics.INGEST.name(), keys.serializer(),
        serdes.valueSerde(IngestEvent.class).serializer(), TELEMETRY);

    Serde<StageCommand> stageCommands = serdes.valueSerde(StageCommand.class);
    topology.addSource(STAGE_COMMANDS_SOURCE, keys.deserializer(), stageCommands.deserializer(),
        ForgeTopics.STAGE_COMMANDS.name());
    topology.addProcessor(RUNNER, TracedProcessor.of(SimModule.NAME, () -> new SimulatedCiRunner(config, clock)),
        STAGE_COMMANDS_SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RUNNER_PENDING_STORE), keys,
        stageCommands), RUNNER);
    topology.addStateStore(TimerIndex.storeBuilder(RUNNER_TIMER_STORE), RUNNER);
    topology.addSink(STAGE_RESULTS_SINK, ForgeTopics.STAGE_RESULTS.name(), keys.serializer(),
        serdes.valueSerde(StageResult.class).serializer(), RUNNER);
    return topology;
  }
}
