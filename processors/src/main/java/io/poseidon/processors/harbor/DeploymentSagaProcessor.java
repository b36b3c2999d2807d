package io.poseidon.processors.harbor;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.harbor.AgentResult;
import io.poseidon.schemas.harbor.AgentStepFailed;
import io.poseidon.schemas.harbor.AgentStepSucceeded;
import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.DeploymentCancelRequested;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.schemas.harbor.DeploymentRequested;
import io.poseidon.schemas.harbor.DeploymentStatus;
import io.poseidon.schemas.harbor.ServiceDeployments;
import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.schemas.lighthouse.ServiceHealthReported;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.saga.Retention;
import io.poseidon.topology.saga.SagaProcessor;
import io.poseidon.topology.saga.SagaStates;
import io.poseidon.topology.saga.Table;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * harbor on the shared saga adapter ({@link SagaProcessor}): reads deployment commands, agent results
 * and health reports (all keyed by service) and hands each to {@link DeploymentSaga}; the adapter
 * applies the unit of work, fires the durable timers and removes finished deployments after
 * {@code harbor.retention}.
 */
final class DeploymentSagaProcessor extends SagaProcessor<SagaChanges> {

  private final DeploymentSaga saga;
  private final HarborConfig config;
  private final Clock clock;
  private Table<Deployment> deployments;
  private Table<ServiceDeployments> services;
  private AnchorConfigs anchorConfigs;

  DeploymentSagaProcessor(HarborConfig config, Clock clock) {
    super(HarborModule.NAME, HarborTopology.TIMER_STORE, config.timerScanInterval());
    this.saga = new DeploymentSaga(config);
    this.config = config;
    this.clock = clock;
  }

  @Override
  protected List<Retention<?>> open(ProcessorContext<String, SpecificRecord> context) {
    KeyValueStore<String, Deployment> deploymentStore = context.getStateStore(HarborTopology.DEPLOYMENT_STORE);
    KeyValueStore<String, ServiceDeployments> serviceStore = context.getStateStore(HarborTopology.SERVICE_STORE);
    deployments = Table.of(deploymentStore);
    services = Table.of(serviceStore);
    anchorConfigs = AnchorConfigs.of(context.<KeyValueStore<String, io.poseidon.schemas.anchor.ConfigEvent>>getStateStore(
        HarborTopology.ANCHOR_CONFIG_STORE));
    return List.of(new Retention<>(HarborTopology.DEPLOYMENT_STORE, config.retention(), SagaChanges::finishedAt,
        List.of(deployments)));
  }

  /** Deployments in flight by status (QUEUED, RUNNING, ROLLING_BACK); finished ones by how they ended. */
  @Override
  protected List<SagaStates.Counted<?>> counted() {
    return List.of(new SagaStates.Counted<Deployment>(HarborTopology.DEPLOYMENT_STORE, d -> d.getStatus().name(),
        SagaChanges::finishedAt, List.of(DeploymentStatus.QUEUED.name(), DeploymentStatus.RUNNING.name(),
            DeploymentStatus.ROLLING_BACK.name()),
        List.of(DeploymentStatus.SUCCEEDED.name(), DeploymentStatus.ROLLED_BACK.name(),
            DeploymentStatus.FAILED_NEEDS_ATTENTION.name(), DeploymentStatus.CANCELLED.name())));
  }

  @Override
  protected SagaChanges begin(String key) {
    return new SagaChanges(deployments, services, anchorConfigs, clock);
  }

  @Override
  protected SagaChanges beginTimer(TimerIndex.Timer timer) {
    return new SagaChanges(deployments, services, anchorConfigs, clock);
  }

  @Override
  protected void decideTimer(SagaChanges changes, TimerIndex.Timer timer) {
    saga.onTimer(changes, timer.id(), timer.dueAt());
  }

  @Override
  protected void decide(SagaChanges changes, Record<String, SpecificRecord> record) {
    SpecificRecord value = record.value();
    if (value instanceof DeploymentCommand command) {
      EventMeta meta = command.getMeta();
      if (command.getPayload() instanceof DeploymentRequested requested) {
        checkKey(record.key(), requested.getService());
        saga.onRequested(changes, meta, requested);
      } else if (command.getPayload() instanceof DeploymentCancelRequested cancel) {
        checkKey(record.key(), cancel.getService());
        saga.onCancelRequested(changes, meta, cancel);
      }
    } else if (value instanceof AgentResult result) {
      if (result.getPayload() instanceof AgentStepSucceeded succeeded) {
        checkKey(record.key(), succeeded.getService());
        saga.onAgentSucceeded(changes, result.getMeta(), succeeded);
      } else if (result.getPayload() instanceof AgentStepFailed failed) {
        checkKey(record.key(), failed.getService());
        saga.onAgentFailed(changes, result.getMeta(), failed);
      }
    } else if (value instanceof HealthEvent health) {
      if (health.getPayload() instanceof ServiceHealthReported reported) {
        checkKey(record.key(), reported.getService());
        saga.onHealthReported(changes, health.getMeta(), reported);
      }
    } else {
      throw new RejectedRecordException(value.getClass().getSimpleName() + " is not read by harbor");
    }
  }

  private static void checkKey(String key, String service) {
    if (!Objects.equals(key, service)) {
      throw new RejectedRecordException("record key '" + key + "' must be the service name '" + service
          + "' (keeps all deployments of a service in order on one partition)");
    }
  }
}
