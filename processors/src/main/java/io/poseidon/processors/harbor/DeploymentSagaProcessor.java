package io.poseidon.processors.harbor;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.harbor.AgentResult;
import io.poseidon.schemas.harbor.AgentStepFailed;
import io.poseidon.schemas.harbor.AgentStepSucceeded;
import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.DeploymentCancelRequested;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.schemas.harbor.DeploymentRequested;
import io.poseidon.schemas.harbor.ServiceDeployments;
import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.schemas.lighthouse.ServiceHealthReported;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The thin Processor-API adapter of {@link DeploymentSaga}: reads deployment commands, agent results
 * and health reports (all keyed by service), lets the saga decide, then writes the changed deployments
 * and service records, moves the durable timers and forwards facts and commands to their sinks. A
 * wall-clock punctuator fires the due timers. A record the saga rejects changes nothing and goes to
 * harbor.dlq (the saga decides before anything is written).
 */
final class DeploymentSagaProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {

  static final int TIMERS_PER_SCAN = 10_000;

  private final DeploymentSaga saga;
  private final HarborConfig config;
  private final Clock clock;
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, Deployment> deployments;
  private KeyValueStore<String, ServiceDeployments> services;
  private TimerIndex timers;
  private SagaChanges.State state;

  DeploymentSagaProcessor(HarborConfig config, Clock clock) {
    this.saga = new DeploymentSaga(config);
    this.config = config;
    this.clock = clock;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.deployments = context.getStateStore(HarborTopology.DEPLOYMENT_STORE);
    this.services = context.getStateStore(HarborTopology.SERVICE_STORE);
    this.timers = new TimerIndex(context.getStateStore(HarborTopology.TIMER_STORE));
    this.state = new SagaChanges.State() {
      @Override
      public Deployment deployment(String deploymentId) {
        return deployments.get(deploymentId);
      }

      @Override
      public ServiceDeployments service(String service) {
        return services.get(service);
      }
    };
    context.schedule(config.timerScanInterval(), PunctuationType.WALL_CLOCK_TIME, this::fireDueTimers);
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    SpecificRecord value = record.value();
    SagaChanges changes = new SagaChanges(state, clock);
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
    } else if (value == null) {
      throw new RejectedRecordException("empty value: harbor reads DeploymentCommand, AgentResult and HealthEvent "
          + "records, never tombstones");
    } else {
      throw new RejectedRecordException(value.getClass().getSimpleName() + " is not read by harbor");
    }
    apply(changes);
  }

  /** Punctuator: fires every timer due at {@code wallClockMillis}, each in its own unit of work. */
  void fireDueTimers(long wallClockMillis) {
    for (TimerIndex.Timer timer : timers.due(wallClockMillis, TIMERS_PER_SCAN)) {
      timers.cancel(timer.id(), timer.dueAt());
      SagaChanges changes = new SagaChanges(state, clock);
      saga.onTimer(changes, timer.id(), timer.dueAt());
      apply(changes);
    }
  }

  private void apply(SagaChanges changes) {
    for (TimerIndex.Timer t : changes.timersToCancel()) {
      timers.cancel(t.id(), t.dueAt());
    }
    for (TimerIndex.Timer t : changes.timersToSchedule()) {
      timers.schedule(t.id(), t.dueAt());
    }
    for (Deployment d : changes.changedDeployments()) {
      deployments.put(d.getDeploymentId(), d);
    }
    for (ServiceDeployments s : changes.changedServices()) {
      services.put(s.getService(), s);
    }
    for (SagaChanges.Output out : changes.outputs()) {
      long time = out.meta().getTime().toEpochMilli();
      if (out instanceof SagaChanges.Event event) {
        context.forward(new Record<>(event.key(), event.value(), time), HarborTopology.DEPLOYMENT_EVENTS_SINK);
      } else if (out instanceof SagaChanges.Command command) {
        context.forward(new Record<>(command.key(), command.value(), time), HarborTopology.AGENT_COMMANDS_SINK);
      }
    }
  }

  private static void checkKey(String key, String service) {
    if (!Objects.equals(key, service)) {
      throw new RejectedRecordException("record key '" + key + "' must be the service name '" + service
          + "' (keeps all deployments of a service in order on one partition)");
    }
  }
}
