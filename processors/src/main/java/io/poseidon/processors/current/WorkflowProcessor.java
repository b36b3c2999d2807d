package io.poseidon.processors.current;

import io.poseidon.schemas.current.Timeline;
import io.poseidon.schemas.current.Workflow;
import io.poseidon.schemas.current.WorkflowCommand;
import io.poseidon.schemas.forge.PipelineEvent;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The thin Processor-API adapter of {@link WorkflowSteps}: reads workflow commands (keyed by
 * workflowId) and forge and harbor facts (re-keyed by their correlation id, i.e. the workflowId), lets
 * the steps decide, then writes the workflow and its timeline, moves the workflow's step timer and
 * forwards facts and commands downstream (the topology routes them to their topics by type). A
 * wall-clock punctuator fires due step timeouts. A record the steps reject changes nothing and goes to
 * current.dlq (the steps decide before anything is written).
 */
final class WorkflowProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {

  static final int TIMERS_PER_SCAN = 10_000;

  private final WorkflowSteps steps;
  private final CurrentConfig config;
  private final Clock clock;
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, Workflow> workflows;
  private KeyValueStore<String, Timeline> timelines;
  private TimerIndex timers;
  private WorkflowChanges.State state;

  WorkflowProcessor(CurrentConfig config, Clock clock) {
    this.steps = new WorkflowSteps(config);
    this.config = config;
    this.clock = clock;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.workflows = context.getStateStore(CurrentTopology.WORKFLOW_STORE);
    this.timelines = context.getStateStore(CurrentTopology.TIMELINE_STORE);
    this.timers = new TimerIndex(context.getStateStore(CurrentTopology.TIMER_STORE));
    this.state = new WorkflowChanges.State() {
      @Override
      public Workflow workflow(String workflowId) {
        return workflows.get(workflowId);
      }

      @Override
      public Timeline timeline(String correlationId) {
        return timelines.get(correlationId);
      }
    };
    context.schedule(config.timerScanInterval(), PunctuationType.WALL_CLOCK_TIME, this::fireDueTimers);
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    SpecificRecord value = record.value();
    if (value == null) {
      throw new RejectedRecordException("empty value: current reads WorkflowCommand, PipelineEvent and DeploymentEvent "
          + "records, never tombstones");
    }
    if (record.key() == null) {
      throw new RejectedRecordException("no record key: current.workflow-commands is keyed by workflowId");
    }
    WorkflowChanges changes = new WorkflowChanges(record.key(), state, config, clock);
    if (value instanceof WorkflowCommand command) {
      steps.onCommand(changes, record.key(), command);
    } else if (value instanceof PipelineEvent event) {
      steps.onPipelineEvent(changes, event.getMeta(), (SpecificRecord) event.getPayload());
    } else if (value instanceof DeploymentEvent event) {
      steps.onDeploymentEvent(changes, event.getMeta(), (SpecificRecord) event.getPayload());
    } else {
      throw new RejectedRecordException(value.getClass().getSimpleName() + " is not read by current");
    }
    apply(changes);
  }

  /** Punctuator: fires every step timeout due at {@code wallClockMillis}, each in its own unit of work. */
  void fireDueTimers(long wallClockMillis) {
    for (TimerIndex.Timer timer : timers.due(wallClockMillis, TIMERS_PER_SCAN)) {
      timers.cancel(timer.id(), timer.dueAt());
      WorkflowChanges changes = new WorkflowChanges(WorkflowChanges.workflowIdOf(timer.id()), state, config, clock);
      steps.onTimer(changes, timer);
      apply(changes);
    }
  }

  private void apply(WorkflowChanges changes) {
    TimerIndex.Timer cancel = changes.timerToCancel();
    if (cancel != null) {
      timers.cancel(cancel.id(), cancel.dueAt());
    }
    TimerIndex.Timer schedule = changes.timerToSchedule();
    if (schedule != null) {
      timers.schedule(schedule.id(), schedule.dueAt());
    }
    Workflow workflow = changes.changedWorkflow();
    if (workflow != null) {
      workflows.put(workflow.getWorkflowId(), workflow);
    }
    Timeline timeline = changes.changedTimeline();
    if (timeline != null) {
      timelines.put(timeline.getCorrelationId(), timeline);
    }
    for (WorkflowChanges.Output out : changes.outputs()) {
      context.forward(new Record<>(out.key(), out.value(), out.meta().getTime().toEpochMilli()));
    }
  }
}
