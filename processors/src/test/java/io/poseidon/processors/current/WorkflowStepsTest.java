package io.poseidon.processors.current;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.testing.MutableClock;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.current.CommitPushed;
import io.poseidon.schemas.current.Timeline;
import io.poseidon.schemas.current.Workflow;
import io.poseidon.schemas.current.WorkflowCommand;
import io.poseidon.schemas.current.WorkflowStatus;
import io.poseidon.schemas.current.WorkflowStep;
import io.poseidon.schemas.forge.PipelineRunFinished;
import io.poseidon.schemas.forge.PipelineStatus;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.saga.Table;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The workflow's decisions without Kafka: a map-backed state, outputs inspected directly. */
class WorkflowStepsTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
  private final CurrentConfig config = CurrentConfig.defaults();
  private final WorkflowSteps steps = new WorkflowSteps(config);
  private final Map<String, Workflow> workflows = new HashMap<>();
  private final Map<String, Timeline> timelines = new HashMap<>();

  @Test
  void shouldDeriveOneRunAndOneDeploymentIdPerWorkflow() {
    assertEquals(WorkflowSteps.runIdOf("w-1"), WorkflowSteps.runIdOf("w-1"), "same workflow, same run");
    assertNotEquals(WorkflowSteps.runIdOf("w-1"), WorkflowSteps.runIdOf("w-2"));
    assertTrue(WorkflowSteps.runIdOf("w-1").matches("run-[0-9a-f-]{36}"));
    assertTrue(WorkflowSteps.deploymentIdOf("checkout", "w-1").matches("checkout\\.[0-9a-f-]{36}"));
    assertEquals("3f2a9c1be0d4", WorkflowSteps.versionOf("3F2A9C1BE0D4471A8C6E5F0B9A7D2C1E4F6A8B0C"));
    assertEquals("3f2a9c1", WorkflowSteps.versionOf("3f2a9c1"));
  }

  @Test
  void shouldChainEveryEmittedEventToItsCause() {
    WorkflowCommand push = push();
    WorkflowChanges changes = run(key(push), c -> steps.onCommand(c, key(push), push));

    List<WorkflowChanges.Output> out = changes.outputs();
    assertEquals(List.of("current.WorkflowStarted", "current.WorkflowStepChanged", "forge.PipelineRunRequested",
        "current.WorkflowStepChanged"), out.stream().map(o -> o.meta().getType()).toList());
    assertEquals(push.getMeta().getEventId(), out.get(0).meta().getCausationId());
    for (int i = 1; i < out.size(); i++) {
      assertEquals(out.get(i - 1).meta().getEventId(), out.get(i).meta().getCausationId(), "output " + i);
    }
    out.forEach(o -> assertEquals(key(push), o.meta().getCorrelationId()));
    assertEquals(5, timelines.get(key(push)).getEntries().size(), "the command and the four outputs");
  }

  @Test
  void shouldOnlyRecordAFinishedRunThatIsNotTheWorkflowsOwn() {
    WorkflowCommand push = push();
    String id = key(push);
    run(id, c -> steps.onCommand(c, id, push));
    Workflow before = workflows.get(id);

    EventMeta meta = EventMetas.causedBy(push.getMeta(), "forge.PipelineRunFinished", "forge", clock);
    WorkflowChanges changes = run(id, c -> steps.onPipelineEvent(c, meta,
        new PipelineRunFinished("run-someone-elses", "checkout", "abc1234", PipelineStatus.SUCCEEDED, null)));

    assertEquals(List.of(), changes.outputs());
    assertEquals(before, workflows.get(id));
    assertTrue(Timelines.contains(timelines.get(id).getEntries(), meta.getEventId()), "still part of the story");
  }

  @Test
  void shouldIgnoreAStaleTimer() {
    WorkflowCommand push = push();
    String id = key(push);
    run(id, c -> steps.onCommand(c, id, push));
    Workflow running = workflows.get(id);
    TimerIndex.Timer pending = WorkflowChanges.pendingTimer(running, config);
    assertEquals(id + "|PIPELINE", pending.id());
    assertEquals(running.getUpdatedAt().plus(Duration.ofHours(2)).toEpochMilli(), pending.dueAt());

    WorkflowChanges stale = run(id, c -> steps.onTimer(c, new TimerIndex.Timer(pending.id(), pending.dueAt() - 1)));
    assertEquals(List.of(), stale.outputs());
    assertEquals(running, workflows.get(id));

    clock.advance(Duration.ofHours(2));
    WorkflowChanges due = run(id, c -> steps.onTimer(c, pending));
    assertEquals(WorkflowStatus.FAILED, workflows.get(id).getStatus());
    assertEquals(WorkflowStep.PIPELINE, workflows.get(id).getStep());
    assertEquals(List.of("current.WorkflowStepChanged", "forge.PipelineRunCancelRequested", "current.WorkflowFailed"),
        due.outputs().stream().map(o -> o.meta().getType()).toList());
    assertEquals(pending, due.timerToCancel(), "the processor cancels the timer that fired");
    assertNull(due.timerToSchedule(), "a failed workflow waits for nothing");
  }

  @Test
  void shouldRejectACommandOnAnotherKeyBeforeChangingAnything() {
    WorkflowCommand push = push();
    assertThrows(RejectedRecordException.class, () -> run("other", c -> steps.onCommand(c, "other", push)));
    assertTrue(workflows.isEmpty());
    assertTrue(timelines.isEmpty());
  }

  private WorkflowCommand push() {
    EventMeta meta = EventMetas.first("current.CommitPushed", "gateway", "ada", null, clock);
    return new WorkflowCommand(meta, new CommitPushed(meta.getCorrelationId(), "checkout", "abc1234", "main", "ada",
        List.of("dev")));
  }

  private static String key(WorkflowCommand push) {
    return ((CommitPushed) push.getPayload()).getWorkflowId();
  }

  /** One unit of work over the maps, applied the way the processor applies it. */
  private WorkflowChanges run(String workflowId, Consumer<WorkflowChanges> decide) {
    WorkflowChanges changes = new WorkflowChanges(workflowId, Table.of(workflows), Table.of(timelines), config, clock);
    decide.accept(changes);
    Workflow w = changes.changedWorkflow();
    if (w != null) {
      workflows.put(w.getWorkflowId(), w);
    }
    Timeline t = changes.changedTimeline();
    if (t != null) {
      timelines.put(t.getCorrelationId(), t);
    }
    return changes;
  }
}
