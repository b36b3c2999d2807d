package io.poseidon.processors.current;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.current.Timeline;
import io.poseidon.schemas.current.TimelineEntry;
import io.poseidon.schemas.current.Workflow;
import io.poseidon.schemas.current.WorkflowEvent;
import io.poseidon.schemas.current.WorkflowStatus;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.topology.events.Cause;
import io.poseidon.topology.saga.Table;
import io.poseidon.topology.saga.Tracked;
import io.poseidon.topology.saga.UnitOfWork;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One unit of work of current ({@link UnitOfWork}), about one workflow: the workflow and timeline as
 * read, what changed, and what is sent, in order. {@link WorkflowSteps} decides on it without touching
 * Kafka; {@link WorkflowProcessor} then applies it (the topology routes the outputs by type). Unit
 * tests run it over map-backed tables.
 *
 * <p>Everything current emits for a workflow — its own facts and the commands it sends to forge and
 * harbor — carries the workflow id as correlation id and is recorded in the workflow's timeline as it
 * is emitted (current does not read its own output topic back).
 */
final class WorkflowChanges extends UnitOfWork {

  static final String SOURCE = "current";

  private static final Logger log = LoggerFactory.getLogger(WorkflowChanges.class);

  private final String workflowId;
  private final CurrentConfig config;
  private final Tracked<Workflow, Workflow.Builder> workflows;
  private final Tracked<Timeline, Timeline.Builder> timelines;
  private final List<TimelineEntry> recorded = new ArrayList<>();

  /**
   * @param workflows workflowId → Workflow ({@code current-workflow-store}, or a map in a unit test)
   * @param timelines correlationId (= workflowId) → Timeline ({@code current-timeline-store})
   */
  WorkflowChanges(String workflowId, Table<Workflow> workflows, Table<Timeline> timelines, CurrentConfig config,
      Clock clock) {
    super(clock);
    this.workflowId = Objects.requireNonNull(workflowId, "workflowId");
    this.config = config;
    this.workflows = track(new Tracked<>(CurrentTopology.WORKFLOW_STORE, workflows, Workflow::newBuilder,
        Workflow.Builder::build));
    this.timelines = track(new Tracked<>(CurrentTopology.TIMELINE_STORE, timelines, Timeline::newBuilder,
        Timeline.Builder::build));
  }

  String workflowId() {
    return workflowId;
  }

  /** The workflow to change (a builder over a private copy), or null when unknown. */
  Workflow.Builder workflow() {
    return workflows.get(workflowId);
  }

  /** A workflow new to current (every field set). */
  void create(Workflow.Builder created) {
    if (workflow() != null) {
      throw new IllegalStateException("workflow " + workflowId + " exists");
    }
    workflows.add(workflowId, created);
  }

  /** Whether the event is in the workflow's timeline already (a redelivery or a duplicate). */
  boolean seen(String eventId) {
    return Timelines.contains(timeline().getEntries(), eventId) || recorded.stream()
        .anyMatch(e -> e.getEventId().equals(eventId));
  }

  /** Records an event current read (a command, a forge or harbor fact) in the timeline. */
  void record(EventMeta meta, SpecificRecord payload) {
    recorded.add(Timelines.entry(meta, payload));
  }

  /** Emits a fact of the workflow to current.workflow-events and records it in the timeline. */
  EventMeta emit(Cause cause, SpecificRecord payload) {
    EventMeta meta = meta(cause, payload);
    send(workflowId, new WorkflowEvent(meta, payload), meta, payload);
    workflow().setUpdatedAt(meta.getTime());
    return meta;
  }

  /** Sends a command to forge (forge.pipeline-commands, keyed by runId) and records it in the timeline. */
  EventMeta sendToForge(String runId, Cause cause, SpecificRecord payload) {
    EventMeta meta = meta(cause, payload);
    send(runId, new PipelineCommand(meta, payload), meta, payload);
    return meta;
  }

  /** Sends a command to harbor (harbor.deployment-commands, keyed by service) and records it. */
  EventMeta sendToHarbor(String service, Cause cause, SpecificRecord payload) {
    EventMeta meta = meta(cause, payload);
    send(service, new DeploymentCommand(meta, payload), meta, payload);
    return meta;
  }

  /** The eventId of the last event current emitted for the workflow (in timeline order), or null. */
  String lastOwnEventId() {
    List<TimelineEntry> entries = new ArrayList<>(timeline().getEntries());
    entries.addAll(recorded);
    for (int i = entries.size() - 1; i >= 0; i--) {
      if (SOURCE.equals(entries.get(i).getSource())) {
        return entries.get(i).getEventId();
      }
    }
    return null;
  }

  /** The workflow when created or changed, else null. */
  Workflow changedWorkflow() {
    return workflows.changed().get(workflowId);
  }

  /** The timeline with what this unit recorded, when it recorded anything new; else null. */
  Timeline changedTimeline() {
    if (recorded.isEmpty()) {
      return null;
    }
    List<TimelineEntry> before = timeline().getEntries();
    List<TimelineEntry> after = Timelines.merge(before, recorded, config.timelineMaxEntries());
    long left = before.size() + recorded.stream().filter(e -> !Timelines.contains(before, e.getEventId()))
        .map(TimelineEntry::getEventId).distinct().count() - after.size();
    if (left > 0) {
      log.warn("Timeline of workflow {} is full ({} = {}): {} newer event(s) not recorded", workflowId,
          CurrentConfig.TIMELINE_MAX_ENTRIES, config.timelineMaxEntries(), left);
    }
    if (after.size() == before.size()) {
      return null;
    }
    return new Timeline(workflowId, after);
  }

  /** The timer to cancel: the workflow's pending timer as read, when it is no longer pending. */
  TimerIndex.Timer timerToCancel() {
    TimerIndex.Timer before = pendingTimer(workflows.asRead(workflowId), config);
    Workflow after = changedWorkflow();
    return before != null && after != null && !before.equals(pendingTimer(after, config)) ? before : null;
  }

  /** The timer to schedule: the workflow's pending timer after the change, when it is new. */
  TimerIndex.Timer timerToSchedule() {
    Workflow after = changedWorkflow();
    TimerIndex.Timer timer = after == null ? null : pendingTimer(after, config);
    return timer != null && !timer.equals(pendingTimer(workflows.asRead(workflowId), config)) ? timer : null;
  }

  @Override
  protected void deriveTimers(List<TimerIndex.Timer> cancel, List<TimerIndex.Timer> schedule) {
    TimerIndex.Timer old = timerToCancel();
    if (old != null) {
      cancel.add(old);
    }
    TimerIndex.Timer next = timerToSchedule();
    if (next != null) {
      schedule.add(next);
    }
  }

  /** The timeline gets what this unit recorded, merged in causal order. */
  @Override
  protected void beforeApply() {
    Timeline after = changedTimeline();
    if (after != null) {
      timelines.getOrCreate(workflowId, () -> new Timeline(workflowId, new ArrayList<>())).setEntries(after.getEntries());
    }
  }

  /** When a workflow completed or failed; null while it runs. */
  static Instant finishedAt(Workflow w) {
    return w.getStatus() == WorkflowStatus.RUNNING ? null : w.getUpdatedAt();
  }

  /**
   * The step timeout of a running workflow waiting for forge or harbor: id {@code <workflowId>|<step>},
   * due {@code updatedAt} (the step's start: nothing else changes a waiting workflow) + the step's
   * timeout. Null when the workflow waits for nothing.
   */
  static TimerIndex.Timer pendingTimer(Workflow w, CurrentConfig config) {
    if (w == null || w.getStatus() != WorkflowStatus.RUNNING) {
      return null;
    }
    Duration timeout = config.timeout(w.getStep());
    if (timeout == null) {
      return null;
    }
    return new TimerIndex.Timer(w.getWorkflowId() + '|' + w.getStep(), w.getUpdatedAt().toEpochMilli() + timeout.toMillis());
  }

  /** The workflow id part of a timer id. */
  static String workflowIdOf(String timerId) {
    int end = timerId.lastIndexOf('|');
    return end < 0 ? timerId : timerId.substring(0, end);
  }

  /** Event type as {@code <domain>.<Name>}: forge.PipelineRunRequested, current.WorkflowStarted ... */
  static String typeOf(SpecificRecord payload) {
    String namespace = payload.getSchema().getNamespace();
    return namespace.substring(namespace.lastIndexOf('.') + 1) + "." + payload.getSchema().getName();
  }

  /** The timeline as stored (an empty one when the workflow has none yet). */
  private Timeline timeline() {
    Timeline.Builder stored = timelines.get(workflowId);
    return stored != null ? timelines.asRead(workflowId) : new Timeline(workflowId, new ArrayList<>());
  }

  private void send(String key, SpecificRecord envelope, EventMeta meta, SpecificRecord payload) {
    output(null, key, envelope, meta);
    record(meta, payload);
  }

  private EventMeta meta(Cause cause, SpecificRecord payload) {
    String type = typeOf(payload);
    return cause.meta(type, SOURCE, workflowId, clock());
  }

}
