package io.poseidon.processors.harbor;

import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.AgentResult;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.harbor.DeploymentSnapshot;
import io.poseidon.topology.catalog.TopicSpec;
import java.time.Duration;
import java.util.List;

/** The topics harbor owns (its dead-letter topic {@code harbor.dlq} comes with its module). */
public final class HarborTopics {

  private HarborTopics() {}

  public static final TopicSpec DEPLOYMENT_COMMANDS = new TopicSpec(
      "harbor.deployment-commands", 3, "delete", Duration.ofDays(30),
      "service name (string)", DeploymentCommand.class, HarborModule.NAME,
      "Deployment requests and cancels (DeploymentCommand with DeploymentRequested | DeploymentCancelRequested).");

  public static final TopicSpec AGENT_COMMANDS = new TopicSpec(
      "harbor.agent-commands", 3, "delete", Duration.ofDays(7),
      "service name (string)", AgentCommand.class, HarborModule.NAME,
      "Steps harbor asks deploy agents to carry out (DeployToEnvironment | RollbackEnvironment).");

  public static final TopicSpec AGENT_RESULTS = new TopicSpec(
      "harbor.agent-results", 3, "delete", Duration.ofDays(7),
      "service name (string)", AgentResult.class, HarborModule.NAME,
      "What deploy agents report back (AgentStepSucceeded | AgentStepFailed), one per command attempt.");

  public static final TopicSpec DEPLOYMENT_EVENTS = new TopicSpec(
      "harbor.deployment-events", 3, "delete", Duration.ofDays(30),
      "service name (string)", DeploymentEvent.class, HarborModule.NAME,
      "Every transition of every deployment saga (queued, started, step changed, finished).");

  /**
   * The latest state of every deployment (compacted, key = deployment id): what a sink or an outside
   * reader needs without replaying the saga's events. A finished deployment's last record stays (harbor
   * removes it from its own store after {@code harbor.retention}, not from here): this is its history.
   */
  public static final TopicSpec DEPLOYMENTS = new TopicSpec(
      "harbor.deployments", 3, "compact", null,
      "deployment id (string)", DeploymentSnapshot.class, HarborModule.NAME,
      "The latest state of each deployment (DeploymentSnapshot, flat), one record per change; what the JDBC sink "
          + "upserts into harbor_deployments.");

  static final List<TopicSpec> OWNED = List.of(DEPLOYMENT_COMMANDS, AGENT_COMMANDS, AGENT_RESULTS, DEPLOYMENT_EVENTS,
      DEPLOYMENTS);
}
