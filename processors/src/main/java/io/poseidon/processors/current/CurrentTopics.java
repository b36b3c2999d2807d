package io.poseidon.processors.current;

import io.poseidon.schemas.current.WorkflowCommand;
import io.poseidon.schemas.current.WorkflowEvent;
import io.poseidon.topology.catalog.TopicSpec;
import java.time.Duration;
import java.util.List;

/** The topics current owns (its dead-letter topic {@code current.dlq} comes with its module). */
public final class CurrentTopics {

  private CurrentTopics() {}

  public static final TopicSpec WORKFLOW_COMMANDS = new TopicSpec(
      "current.workflow-commands", 3, "delete", Duration.ofDays(30),
      "workflowId (string)", WorkflowCommand.class, CurrentModule.NAME,
      "Commit workflows to run (CommitPushed).");

  public static final TopicSpec WORKFLOW_EVENTS = new TopicSpec(
      "current.workflow-events", 3, "delete", Duration.ofDays(30),
      "workflowId (string)", WorkflowEvent.class, CurrentModule.NAME,
      "Every transition of every commit workflow (started, step changed, completed, failed).");

  static final List<TopicSpec> OWNED = List.of(WORKFLOW_COMMANDS, WORKFLOW_EVENTS);
}
