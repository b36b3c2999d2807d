package io.poseidon.topology.catalog;

import io.poseidon.schemas.current.WorkflowCommand;
import io.poseidon.schemas.current.WorkflowEvent;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineEvent;
import io.poseidon.schemas.forge.StageCommand;
import io.poseidon.schemas.forge.StageResult;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.AgentResult;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.lighthouse.HealthEvent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every topic of the platform, in one place. Topics are created (or verified) from here at node
 * start-up by {@link TopicProvisioner}; docs/topics.md lists the same entries (a test keeps it in
 * sync). Streams-internal topics (changelogs, repartitions) are not listed: Streams names them from
 * the explicitly named stores.
 */
public final class TopicCatalog {

  private TopicCatalog() {}

  public static final TopicSpec DEPTHS_REGISTRATIONS = new TopicSpec(
      "depths.registrations", 3, "delete", Duration.ofDays(7),
      "service name (string)", InstanceEvent.class, "depths",
      "Registrations, heartbeats and deregistrations of service instances (InstanceEvent with "
          + "ServiceRegistered | InstanceHeartbeat | ServiceDeregistered).");

  public static final TopicSpec DEPTHS_INSTANCE_CHANGES = new TopicSpec(
      "depths.instance-changes", 3, "delete", Duration.ofDays(7),
      "service name (string)", InstanceEvent.class, "depths",
      "Changes of the service registry decided by depths: an instance registered, deregistered or "
          + "expired (heartbeats are not repeated here).");

  public static final TopicSpec DEPTHS_DLQ = new TopicSpec(
      "depths.dlq", 1, "delete", Duration.ofDays(14),
      "original key (bytes)", null, "depths",
      "Dead letters of depths: records it could not read or process, with the reason in headers.");

  public static final TopicSpec HARBOR_DEPLOYMENT_COMMANDS = new TopicSpec(
      "harbor.deployment-commands", 3, "delete", Duration.ofDays(30),
      "service name (string)", DeploymentCommand.class, "harbor",
      "Deployment requests and cancels (DeploymentCommand with DeploymentRequested | DeploymentCancelRequested).");

  public static final TopicSpec HARBOR_AGENT_COMMANDS = new TopicSpec(
      "harbor.agent-commands", 3, "delete", Duration.ofDays(7),
      "service name (string)", AgentCommand.class, "harbor",
      "Steps harbor asks deploy agents to carry out (DeployToEnvironment | RollbackEnvironment).");

  public static final TopicSpec HARBOR_AGENT_RESULTS = new TopicSpec(
      "harbor.agent-results", 3, "delete", Duration.ofDays(7),
      "service name (string)", AgentResult.class, "harbor",
      "What deploy agents report back (AgentStepSucceeded | AgentStepFailed), one per command attempt.");

  public static final TopicSpec HARBOR_DEPLOYMENT_EVENTS = new TopicSpec(
      "harbor.deployment-events", 3, "delete", Duration.ofDays(30),
      "service name (string)", DeploymentEvent.class, "harbor",
      "Every transition of every deployment saga (queued, started, step changed, finished).");

  public static final TopicSpec HARBOR_DLQ = new TopicSpec(
      "harbor.dlq", 1, "delete", Duration.ofDays(14),
      "original key (bytes)", null, "harbor",
      "Dead letters of harbor: records it could not read or apply, with the reason in headers.");

  public static final TopicSpec LIGHTHOUSE_SERVICE_HEALTH = new TopicSpec(
      "lighthouse.service-health", 3, "delete", Duration.ofDays(3),
      "service name (string)", HealthEvent.class, "lighthouse",
      "Health of each service per environment (ServiceHealthReported); harbor's health gates read it.");

  public static final TopicSpec LIGHTHOUSE_DLQ = new TopicSpec(
      "lighthouse.dlq", 1, "delete", Duration.ofDays(14),
      "original key (bytes)", null, "lighthouse",
      "Dead letters of lighthouse.");

  public static final TopicSpec FORGE_PIPELINE_COMMANDS = new TopicSpec(
      "forge.pipeline-commands", 3, "delete", Duration.ofDays(30),
      "runId (string)", PipelineCommand.class, "forge",
      "Pipeline run requests and cancels (PipelineRunRequested | PipelineRunCancelRequested).");

  public static final TopicSpec FORGE_STAGE_COMMANDS = new TopicSpec(
      "forge.stage-commands", 3, "delete", Duration.ofDays(7),
      "runId (string)", StageCommand.class, "forge",
      "Stages forge asks runners to execute or stop (RunStage | CancelStage).");

  public static final TopicSpec FORGE_STAGE_RESULTS = new TopicSpec(
      "forge.stage-results", 3, "delete", Duration.ofDays(7),
      "runId (string)", StageResult.class, "forge",
      "What runners report back (StageSucceeded with metrics | StageFailed), one per stage attempt.");

  public static final TopicSpec FORGE_PIPELINE_EVENTS = new TopicSpec(
      "forge.pipeline-events", 3, "delete", Duration.ofDays(30),
      "runId (string)", PipelineEvent.class, "forge",
      "Every transition of every pipeline run (started, stage status changed, finished).");

  public static final TopicSpec FORGE_DLQ = new TopicSpec(
      "forge.dlq", 1, "delete", Duration.ofDays(14),
      "original key (bytes)", null, "forge",
      "Dead letters of forge.");

  public static final TopicSpec CURRENT_WORKFLOW_COMMANDS = new TopicSpec(
      "current.workflow-commands", 3, "delete", Duration.ofDays(30),
      "workflowId (string)", WorkflowCommand.class, "current",
      "Commit workflows to run (CommitPushed).");

  public static final TopicSpec CURRENT_WORKFLOW_EVENTS = new TopicSpec(
      "current.workflow-events", 3, "delete", Duration.ofDays(30),
      "workflowId (string)", WorkflowEvent.class, "current",
      "Every transition of every commit workflow (started, step changed, completed, failed).");

  public static final TopicSpec CURRENT_DLQ = new TopicSpec(
      "current.dlq", 1, "delete", Duration.ofDays(14),
      "original key (bytes)", null, "current",
      "Dead letters of current.");

  public static final TopicSpec SIM_DLQ = new TopicSpec(
      "sim.dlq", 1, "delete", Duration.ofDays(3),
      "original key (bytes)", null, "sim",
      "Dead letters of the simulated participants (deploy agent, CI runner).");

  private static final List<TopicSpec> ALL = List.of(
      DEPTHS_REGISTRATIONS, DEPTHS_INSTANCE_CHANGES, DEPTHS_DLQ,
      HARBOR_DEPLOYMENT_COMMANDS, HARBOR_AGENT_COMMANDS, HARBOR_AGENT_RESULTS, HARBOR_DEPLOYMENT_EVENTS, HARBOR_DLQ,
      LIGHTHOUSE_SERVICE_HEALTH, LIGHTHOUSE_DLQ,
      FORGE_PIPELINE_COMMANDS, FORGE_STAGE_COMMANDS, FORGE_STAGE_RESULTS, FORGE_PIPELINE_EVENTS, FORGE_DLQ,
      CURRENT_WORKFLOW_COMMANDS, CURRENT_WORKFLOW_EVENTS, CURRENT_DLQ,
      SIM_DLQ);

  public static List<TopicSpec> all() {
    return ALL;
  }

  public static List<TopicSpec> ownedBy(String service) {
    return ALL.stream().filter(t -> t.owner().equals(service)).toList();
  }

  public static Optional<TopicSpec> byName(String name) {
    return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** The dead-letter topic of a service: {@code <service>.dlq}. */
  public static TopicSpec deadLetterTopicOf(String service) {
    return byName(service + ".dlq")
        .orElseThrow(() -> new IllegalStateException("no dead-letter topic catalogued for " + service));
  }
}
