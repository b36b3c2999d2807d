package io.poseidon.processors.current;

import io.poseidon.processors.forge.ForgeTopics;
import io.poseidon.processors.harbor.HarborTopics;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.current.Timeline;
import io.poseidon.schemas.current.Workflow;
import io.poseidon.schemas.current.WorkflowCommand;
import io.poseidon.schemas.current.WorkflowEvent;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineEvent;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.schemas.lighthouse.AlertEvent;
import io.poseidon.schemas.lighthouse.AlertRaised;
import io.poseidon.schemas.lighthouse.AlertResolved;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * current — commit workflows. Reads {@code CommitPushed} from {@code current.workflow-commands}
 * (keyed by workflowId) and the facts of forge ({@code forge.pipeline-events}, keyed by runId) and
 * harbor ({@code harbor.deployment-events}, keyed by service), and lighthouse's alerts raised and
 * resolved during a deployment ({@code lighthouse.alerts}, keyed by service; for the timeline). Those are
 * re-keyed by their correlation id — which is the workflowId for the runs and deployments current
 * requested, and the deployment's for its alerts — and repartitioned through
 * {@code <application.id>-current-pipeline-events-by-correlation-repartition},
 * {@code ...-current-deployment-events-by-correlation-repartition} and
 * {@code ...-current-alerts-by-correlation-repartition} (as many partitions as
 * current.workflow-commands, default partitioner), so every event of a workflow meets its state on one
 * partition. One processor, {@code current-workflow}, runs the workflow ({@link WorkflowSteps}) over
 * three stores:
 * <ul>
 *   <li>{@code current-workflow-store}: workflowId → {@code Workflow};</li>
 *   <li>{@code current-timeline-store}: correlationId (= workflowId) → {@code Timeline}, every event of
 *       the workflow in causal order;</li>
 *   <li>{@code current-timer-store}: the step timeouts ({@link TimerIndex}).</li>
 * </ul>
 * Its outputs are routed by type: {@code WorkflowEvent} to {@code current.workflow-events},
 * {@code PipelineCommand} to {@code forge.pipeline-commands} (keyed by runId), {@code DeploymentCommand}
 * to {@code harbor.deployment-commands} (keyed by service).
 */
public final class CurrentTopology {

  public static final String WORKFLOW_COMMANDS_SOURCE = "current-workflow-commands-source";
  public static final String PIPELINE_EVENTS_SOURCE = "current-pipeline-events-source";
  public static final String DEPLOYMENT_EVENTS_SOURCE = "current-deployment-events-source";
  public static final String ALERTS_SOURCE = "current-alerts-source";
  /** Repartition of lighthouse's alerts of deployments by correlation id. */
  public static final String ALERTS_BY_CORRELATION = "current-alerts-by-correlation";
  /** Repartition of forge's facts by correlation id (internal topic {@code <app id>-<name>-repartition}). */
  public static final String PIPELINE_EVENTS_BY_CORRELATION = "current-pipeline-events-by-correlation";
  /** Repartition of harbor's facts by correlation id. */
  public static final String DEPLOYMENT_EVENTS_BY_CORRELATION = "current-deployment-events-by-correlation";
  public static final String PROCESSOR = "current-workflow";
  public static final String WORKFLOW_EVENTS_SINK = "current-workflow-events-sink";
  public static final String PIPELINE_COMMANDS_SINK = "current-pipeline-commands-sink";
  public static final String DEPLOYMENT_COMMANDS_SINK = "current-deployment-commands-sink";
  public static final String WORKFLOW_STORE = "current-workflow-store";
  public static final String TIMELINE_STORE = "current-timeline-store";
  public static final String TIMER_STORE = "current-timer-store";

  private CurrentTopology() {}

  public static Topology build(SerdeFactory serdes, CurrentConfig config, Clock clock) {
    Serde<String> keys = Serdes.String();
    Serde<WorkflowCommand> commands = serdes.valueSerde(WorkflowCommand.class);
    Serde<PipelineEvent> pipelineEvents = serdes.valueSerde(PipelineEvent.class);
    Serde<DeploymentEvent> deploymentEvents = serdes.valueSerde(DeploymentEvent.class);
    Serde<AlertEvent> alertEvents = serdes.valueSerde(AlertEvent.class);
    int partitions = CurrentTopics.WORKFLOW_COMMANDS.partitions();

    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WORKFLOW_STORE), keys,
        serdes.valueSerde(Workflow.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(TIMELINE_STORE), keys,
        serdes.valueSerde(Timeline.class)));
    builder.addStateStore(TimerIndex.storeBuilder(TIMER_STORE));

    KStream<String, SpecificRecord> workflowCommands = builder
        .stream(CurrentTopics.WORKFLOW_COMMANDS.name(), Consumed.with(keys, commands)
            .withName(WORKFLOW_COMMANDS_SOURCE))
        .mapValues(v -> (SpecificRecord) v, Named.as("current-workflow-commands-as-input"));
    KStream<String, SpecificRecord> pipelineFacts = byCorrelation(builder, ForgeTopics.PIPELINE_EVENTS,
        PIPELINE_EVENTS_SOURCE, PIPELINE_EVENTS_BY_CORRELATION, keys, pipelineEvents, PipelineEvent::getMeta,
        partitions);
    KStream<String, SpecificRecord> deploymentFacts = byCorrelation(builder, HarborTopics.DEPLOYMENT_EVENTS,
        DEPLOYMENT_EVENTS_SOURCE, DEPLOYMENT_EVENTS_BY_CORRELATION, keys, deploymentEvents, DeploymentEvent::getMeta,
        partitions);

    // only alerts of a deployment can belong to a workflow: the others are not repartitioned at all
    KStream<String, SpecificRecord> alertFacts = builder
        .stream(LighthouseTopics.ALERTS.name(), Consumed.with(keys, alertEvents).withName(ALERTS_SOURCE))
        .filter((key, value) -> value != null && (value.getPayload() instanceof AlertRaised raised
            && raised.getDeploymentId() != null || value.getPayload() instanceof AlertResolved resolved
            && resolved.getDeploymentId() != null), Named.as(ALERTS_BY_CORRELATION + "-of-deployments"))
        .selectKey((key, value) -> value.getMeta().getCorrelationId(), Named.as(ALERTS_BY_CORRELATION + "-key"))
        .repartition(Repartitioned.<String, AlertEvent>as(ALERTS_BY_CORRELATION).withKeySerde(keys)
            .withValueSerde(alertEvents).withNumberOfPartitions(partitions))
        .mapValues(v -> (SpecificRecord) v, Named.as(ALERTS_BY_CORRELATION + "-as-input"));

    KStream<String, SpecificRecord> outputs = workflowCommands
        .merge(pipelineFacts, Named.as("current-merge-pipeline-facts"))
        .merge(deploymentFacts, Named.as("current-merge-deployment-facts"))
        .merge(alertFacts, Named.as("current-merge-alerts"))
        .process(() -> new WorkflowProcessor(config, clock), Named.as(PROCESSOR), WORKFLOW_STORE, TIMELINE_STORE,
            TIMER_STORE);

    outputs.split(Named.as("current-route-"))
        .branch((k, v) -> v instanceof WorkflowEvent, Branched.withConsumer(s -> s
            .mapValues(v -> (WorkflowEvent) v, Named.as("current-as-workflow-event"))
            .to(CurrentTopics.WORKFLOW_EVENTS.name(), Produced.with(keys, serdes.valueSerde(WorkflowEvent.class))
                .withName(WORKFLOW_EVENTS_SINK)), "workflow-events"))
        .branch((k, v) -> v instanceof PipelineCommand, Branched.withConsumer(s -> s
            .mapValues(v -> (PipelineCommand) v, Named.as("current-as-pipeline-command"))
            .to(ForgeTopics.PIPELINE_COMMANDS.name(), Produced.with(keys,
                serdes.valueSerde(PipelineCommand.class)).withName(PIPELINE_COMMANDS_SINK)), "pipeline-commands"))
        .branch((k, v) -> v instanceof DeploymentCommand, Branched.withConsumer(s -> s
            .mapValues(v -> (DeploymentCommand) v, Named.as("current-as-deployment-command"))
            .to(HarborTopics.DEPLOYMENT_COMMANDS.name(), Produced.with(keys,
                serdes.valueSerde(DeploymentCommand.class)).withName(DEPLOYMENT_COMMANDS_SINK)), "deployment-commands"))
        .noDefaultBranch();
    return builder.build();
  }

  /**
   * Reads another service's facts and moves them to the partition of their workflow: key = correlation
   * id, repartitioned through an explicitly named internal topic.
   */
  private static <V extends SpecificRecord> KStream<String, SpecificRecord> byCorrelation(StreamsBuilder builder,
      TopicSpec topic, String sourceName, String repartitionName, Serde<String> keys, Serde<V> values,
      Function<V, EventMeta> meta, int partitions) {
    return builder
        .stream(topic.name(), Consumed.with(keys, values).withName(sourceName))
        .selectKey((key, value) -> correlationIdOf(topic, value == null ? null : meta.apply(value)),
            Named.as(repartitionName + "-key"))
        .repartition(Repartitioned.<String, V>as(repartitionName).withKeySerde(keys).withValueSerde(values)
            .withNumberOfPartitions(partitions))
        .mapValues(v -> (SpecificRecord) v, Named.as(repartitionName + "-as-input"));
  }

  private static String correlationIdOf(TopicSpec topic, EventMeta meta) {
    if (meta == null) {
      throw new RejectedRecordException("empty value: current reads facts from " + topic.name() + ", never tombstones");
    }
    return meta.getCorrelationId();
  }
}
