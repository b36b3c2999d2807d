package io.poseidon.processors.current;

import io.poseidon.schemas.current.Timeline;
import io.poseidon.schemas.current.Workflow;
import io.poseidon.schemas.current.WorkflowCommand;
import io.poseidon.schemas.current.WorkflowStatus;
import io.poseidon.schemas.current.WorkflowStep;
import io.poseidon.schemas.forge.PipelineEvent;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.saga.Retention;
import io.poseidon.topology.saga.SagaProcessor;
import io.poseidon.topology.saga.SagaStates;
import io.poseidon.topology.saga.Table;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * current on the shared saga adapter ({@link SagaProcessor}): reads workflow commands (keyed by
 * workflowId) and forge and harbor facts (re-keyed by their correlation id, i.e. the workflowId) and
 * hands each to {@link WorkflowSteps}; the adapter applies the unit of work, fires the step timeouts
 * and removes finished workflows and their timelines after {@code current.retention}. Outputs go to
 * every child: the topology routes them to their topics by type.
 */
final class WorkflowProcessor extends SagaProcessor<WorkflowChanges> {

  private final WorkflowSteps steps;
  private final CurrentConfig config;
  private final Clock clock;
  private Table<Workflow> workflows;
  private Table<Timeline> timelines;

  WorkflowProcessor(CurrentConfig config, Clock clock) {
    super(CurrentModule.NAME, CurrentTopology.TIMER_STORE, config.timerScanInterval());
    this.steps = new WorkflowSteps(config);
    this.config = config;
    this.clock = clock;
  }

  @Override
  protected List<Retention<?>> open(ProcessorContext<String, SpecificRecord> context) {
    KeyValueStore<String, Workflow> workflowStore = context.getStateStore(CurrentTopology.WORKFLOW_STORE);
    KeyValueStore<String, Timeline> timelineStore = context.getStateStore(CurrentTopology.TIMELINE_STORE);
    workflows = Table.of(workflowStore);
    timelines = Table.of(timelineStore);
    return List.of(new Retention<>(CurrentTopology.WORKFLOW_STORE, config.retention(), WorkflowChanges::finishedAt,
        List.of(workflows, timelines)));
  }

  /** Workflows in flight by the step they wait for (QUALITY_CHECKS, PIPELINE, DEPLOYMENT); finished ones by status. */
  @Override
  protected List<SagaStates.Counted<?>> counted() {
    return List.of(new SagaStates.Counted<Workflow>(CurrentTopology.WORKFLOW_STORE,
        w -> w.getStatus() == WorkflowStatus.RUNNING ? w.getStep().name() : w.getStatus().name(),
        WorkflowChanges::finishedAt, java.util.Arrays.stream(WorkflowStep.values()).map(Enum::name).toList(),
        List.of(WorkflowStatus.COMPLETED.name(), WorkflowStatus.FAILED.name())));
  }

  @Override
  protected WorkflowChanges begin(String key) {
    if (key == null) {
      throw new RejectedRecordException("no record key: current.workflow-commands is keyed by workflowId");
    }
    return new WorkflowChanges(key, workflows, timelines, config, clock);
  }

  @Override
  protected void decide(WorkflowChanges changes, Record<String, SpecificRecord> record) {
    SpecificRecord value = record.value();
    if (value instanceof WorkflowCommand command) {
      steps.onCommand(changes, record.key(), command);
    } else if (value instanceof PipelineEvent event) {
      steps.onPipelineEvent(changes, event.getMeta(), (SpecificRecord) event.getPayload());
    } else if (value instanceof DeploymentEvent event) {
      steps.onDeploymentEvent(changes, event.getMeta(), (SpecificRecord) event.getPayload());
    } else if (value instanceof io.poseidon.schemas.lighthouse.AlertEvent event) {
      steps.onAlertEvent(changes, event.getMeta(), (SpecificRecord) event.getPayload());
    } else {
      throw new RejectedRecordException(value.getClass().getSimpleName() + " is not read by current");
    }
  }

  @Override
  protected WorkflowChanges beginTimer(TimerIndex.Timer timer) {
    return new WorkflowChanges(WorkflowChanges.workflowIdOf(timer.id()), workflows, timelines, config, clock);
  }

  @Override
  protected void decideTimer(WorkflowChanges changes, TimerIndex.Timer timer) {
    steps.onTimer(changes, timer);
  }
}
