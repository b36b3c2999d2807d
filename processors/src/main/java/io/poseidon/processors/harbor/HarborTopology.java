package io.poseidon.processors.harbor;

import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.AgentResult;
import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.harbor.DeploymentSnapshot;
import io.poseidon.schemas.harbor.ServiceDeployments;
import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.processors.anchor.AnchorTopics;
import io.poseidon.schemas.anchor.ConfigEvent;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * harbor — deployment sagas. Reads deployment requests and cancels from
 * {@code harbor.deployment-commands}, step results from deploy agents on {@code harbor.agent-results}
 * and service health from {@code lighthouse.service-health}; all three are keyed by service, so every
 * deployment of a service is processed in order on one partition (the three topics must keep the same
 * partition count and the default partitioner). One processor, {@code harbor-saga}, runs the saga
 * ({@link DeploymentSaga}) over three stores:
 * <ul>
 *   <li>{@code harbor-deployment-store}: deploymentId → {@code Deployment} (state and history). The key
 *       is the deployment id but the partition is the one of its <em>service</em>: a query must name
 *       the service to be routed ({@link HarborQueries#deployment}).</li>
 *   <li>{@code harbor-service-store}: service → {@code ServiceDeployments} (active deployment, queue,
 *       environment → running version).</li>
 *   <li>{@code harbor-timer-store}: the durable timers ({@link TimerIndex}).</li>
 *   <li>{@code harbor-anchor-config-store} (global): anchor's latest configuration per service and
 *       environment ({@code anchor.config}), which a deploy step pins and hands to the agent.</li>
 * </ul>
 * It sends step commands to {@code harbor.agent-commands} and every transition to
 * {@code harbor.deployment-events}.
 */
public final class HarborTopology {

  public static final String DEPLOYMENT_COMMANDS_SOURCE = "harbor-deployment-commands-source";
  public static final String AGENT_RESULTS_SOURCE = "harbor-agent-results-source";
  public static final String SERVICE_HEALTH_SOURCE = "harbor-service-health-source";
  public static final String PROCESSOR = "harbor-saga";
  public static final String AGENT_COMMANDS_SINK = "harbor-agent-commands-sink";
  public static final String DEPLOYMENT_EVENTS_SINK = "harbor-deployment-events-sink";
  public static final String DEPLOYMENTS_SINK = "harbor-deployments-sink";
  public static final String DEPLOYMENT_STORE = "harbor-deployment-store";
  public static final String SERVICE_STORE = "harbor-service-store";
  public static final String TIMER_STORE = "harbor-timer-store";
  public static final String ANCHOR_CONFIG_SOURCE = "harbor-anchor-config-source";
  public static final String ANCHOR_CONFIG_UPDATER = "harbor-anchor-config-updater";
  /** anchor's latest configuration per {@code <service>/<env>} (global: every node has all of it). */
  public static final String ANCHOR_CONFIG_STORE = "harbor-anchor-config-store";

  private HarborTopology() {}

  public static Topology build(SerdeFactory serdes, HarborConfig config, Clock clock) {
    Serde<String> keys = Serdes.String();
    Serde<DeploymentCommand> commands = serdes.valueSerde(DeploymentCommand.class);
    Serde<AgentResult> results = serdes.valueSerde(AgentResult.class);
    Serde<HealthEvent> health = serdes.valueSerde(HealthEvent.class);
    Serde<AgentCommand> agentCommands = serdes.valueSerde(AgentCommand.class);
    Serde<DeploymentEvent> events = serdes.valueSerde(DeploymentEvent.class);

    Topology topology = new Topology();
    topology.addSource(DEPLOYMENT_COMMANDS_SOURCE, keys.deserializer(), commands.deserializer(),
        HarborTopics.DEPLOYMENT_COMMANDS.name());
    topology.addSource(AGENT_RESULTS_SOURCE, keys.deserializer(), results.deserializer(),
        HarborTopics.AGENT_RESULTS.name());
    topology.addSource(SERVICE_HEALTH_SOURCE, keys.deserializer(), health.deserializer(),
        LighthouseTopics.SERVICE_HEALTH.name());
    topology.addProcessor(PROCESSOR, () -> new DeploymentSagaProcessor(config, clock),
        DEPLOYMENT_COMMANDS_SOURCE, AGENT_RESULTS_SOURCE, SERVICE_HEALTH_SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DEPLOYMENT_STORE), keys,
        serdes.valueSerde(Deployment.class)), PROCESSOR);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERVICE_STORE), keys,
        serdes.valueSerde(ServiceDeployments.class)), PROCESSOR);
    topology.addStateStore(TimerIndex.storeBuilder(TIMER_STORE), PROCESSOR);
    topology.addSink(AGENT_COMMANDS_SINK, HarborTopics.AGENT_COMMANDS.name(), keys.serializer(),
        agentCommands.serializer(), PROCESSOR);
    topology.addSink(DEPLOYMENT_EVENTS_SINK, HarborTopics.DEPLOYMENT_EVENTS.name(), keys.serializer(),
        events.serializer(), PROCESSOR);
    topology.addSink(DEPLOYMENTS_SINK, HarborTopics.DEPLOYMENTS.name(), keys.serializer(),
        serdes.valueSerde(DeploymentSnapshot.class).serializer(), PROCESSOR);
    // what a deploy step pins: anchor's configuration of the service and environment, on every node.
    // Added last: sub-topologies are numbered in the order they are built, and the saga's task
    // directories (0_N) on every node's disk must keep meaning the saga (StateLayoutTest)
    topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ANCHOR_CONFIG_STORE), keys,
            serdes.valueSerde(ConfigEvent.class)).withLoggingDisabled(), ANCHOR_CONFIG_SOURCE, keys.deserializer(),
        serdes.valueDeserializer(ConfigEvent.class), AnchorTopics.CONFIG.name(), ANCHOR_CONFIG_UPDATER,
        AnchorConfigs.Updater::new);
    return topology;
  }
}
