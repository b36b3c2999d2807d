package io.poseidon.processors.harbor;

import io.poseidon.topology.validation.Ids;
import io.poseidon.topology.events.Cause;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.harbor.AgentStepFailed;
import io.poseidon.schemas.harbor.AgentStepSucceeded;
import io.poseidon.schemas.harbor.DeployToEnvironment;
import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.DeploymentCancelRequested;
import io.poseidon.schemas.harbor.DeploymentFinished;
import io.poseidon.schemas.harbor.DeploymentQueued;
import io.poseidon.schemas.harbor.DeploymentRequested;
import io.poseidon.schemas.harbor.DeploymentStarted;
import io.poseidon.schemas.harbor.DeploymentStatus;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.harbor.HistoryEntry;
import io.poseidon.schemas.harbor.PinnedConfig;
import io.poseidon.schemas.harbor.RollbackEnvironment;
import io.poseidon.schemas.harbor.ServiceDeployments;
import io.poseidon.schemas.harbor.StepAction;
import io.poseidon.schemas.harbor.StepStatus;
import io.poseidon.schemas.lighthouse.ServiceHealthReported;
import io.poseidon.topology.errors.RejectedRecordException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deployment saga's decisions: given what happened (a command, an agent result, a health report,
 * a timer), which transitions follow, which facts are emitted and which commands are sent. It reads and
 * writes only through {@link SagaChanges}, so it runs without Kafka in unit tests. The states and
 * transitions are described in {@code package-info.java}.
 *
 * <p>Everything that does not match the step in progress (another deployment, a stale attempt, a
 * duplicate, a result after the deployment ended, a stale timer) changes nothing: redeliveries and late
 * answers are harmless.
 */
final class DeploymentSaga {

  private static final Logger log = LoggerFactory.getLogger(DeploymentSaga.class);

  private final HarborConfig config;

  DeploymentSaga(HarborConfig config) {
    this.config = config;
  }

  // --- commands ---------------------------------------------------------------------------------

  void onRequested(SagaChanges changes, EventMeta meta, DeploymentRequested r) {
    Map<String, String> problems = HarborValidation.check(r);
    if (!problems.isEmpty()) {
      throw new RejectedRecordException(Ids.describe(problems));
    }
    if (changes.deployment(r.getDeploymentId()) != null) {
      log.debug("Deployment {} already requested; request {} changes nothing", r.getDeploymentId(), meta.getEventId());
      return;
    }
    Instant now = changes.now();
    Deployment.Builder d = Deployment.newBuilder()
        .setDeploymentId(r.getDeploymentId())
        .setService(r.getService())
        .setVersion(r.getVersion())
        .setEnvironments(new ArrayList<>(r.getEnvironments()))
        .setStrategy(r.getStrategy())
        .setStatus(DeploymentStatus.QUEUED)
        .setHealthGateSeconds(r.getHealthGateSeconds() != null ? r.getHealthGateSeconds()
            : config.defaultHealthGateSeconds())
        .setStepTimeoutSeconds(r.getStepTimeoutSeconds() != null ? r.getStepTimeoutSeconds()
            : config.defaultStepTimeoutSeconds())
        .setCorrelationId(meta.getCorrelationId())
        .setRequestedAt(Instant.ofEpochMilli(meta.getTime().toEpochMilli()))
        .setUpdatedAt(now)
        .setCurrentEnvironment(null)
        .setCurrentAction(null)
        .setAttempt(0)
        .setChangedEnvironments(new ArrayList<>())
        .setPreviousVersions(new LinkedHashMap<>())
        .setUnhealthySince(null)
        .setTimerDueAt(null)
        .setCancelRequested(false)
        .setReason(null)
        .setLastCommandEventId(null)
        .setHistory(new ArrayList<>())
        .setPinnedConfigs(new LinkedHashMap<>())
        .setPreviousConfigs(new LinkedHashMap<>());
    changes.add(d);
    ServiceDeployments.Builder service = changes.service(r.getService());
    Cause cause = Cause.of(meta);
    if (service.getActive() != null) {
      List<String> queue = new ArrayList<>(service.getQueue());
      queue.add(d.getDeploymentId());
      service.setQueue(queue);
      changes.emit(d, cause, new DeploymentQueued(d.getDeploymentId(), d.getService(), service.getActive()));
    } else {
      start(changes, d, service, cause);
    }
  }

  void onCancelRequested(SagaChanges changes, EventMeta meta, DeploymentCancelRequested c) {
    Map<String, String> problems = HarborValidation.check(c);
    if (!problems.isEmpty()) {
      throw new RejectedRecordException(Ids.describe(problems));
    }
    Deployment.Builder d = changes.deployment(c.getDeploymentId());
    if (d == null) {
      log.debug("Cancel of unknown deployment {} changes nothing", c.getDeploymentId());
      return;
    }
    requireSameService(d, c.getService());
    ServiceDeployments.Builder service = changes.service(d.getService());
    Cause cause = Cause.of(meta);
    String reason = "cancelled" + (c.getReason() == null || c.getReason().isBlank() ? "" : ": " + c.getReason());
    switch (d.getStatus()) {
      case QUEUED -> {
        List<String> queue = new ArrayList<>(service.getQueue());
        queue.remove(d.getDeploymentId());
        service.setQueue(queue);
        d.setCancelRequested(true);
        finish(changes, d, service, cause, DeploymentStatus.CANCELLED, reason);
      }
      case RUNNING -> {
        d.setCancelRequested(true);
        StepAction action = d.getCurrentAction();
        boolean inFlight = action == StepAction.DEPLOY && stepStatus(d) == StepStatus.RUNNING;
        stepChanged(changes, d, cause, action, StepStatus.CANCELLED, reason);
        if (inFlight) {
          markChanged(d, d.getCurrentEnvironment()); // the agent may apply it anyway: undo it too
        }
        compensate(changes, d, service, cause, reason);
      }
      default -> log.debug("Cancel of deployment {} in state {} changes nothing", d.getDeploymentId(), d.getStatus());
    }
  }

  // --- agent results ----------------------------------------------------------------------------

  void onAgentSucceeded(SagaChanges changes, EventMeta meta, AgentStepSucceeded s) {
    Deployment.Builder d = awaiting(changes, s.getDeploymentId(), s.getService(), s.getEnvironment(), s.getAction(),
        s.getAttempt());
    if (d == null) {
      return;
    }
    ServiceDeployments.Builder service = changes.service(d.getService());
    Cause cause = Cause.of(meta);
    String env = d.getCurrentEnvironment();
    if (s.getAction() == StepAction.DEPLOY) {
      markChanged(d, env);
      putVersion(service, env, d.getVersion());
      putConfig(service, env, pinnedOf(d).get(env));
      stepChanged(changes, d, cause, StepAction.DEPLOY, StepStatus.COMPLETED, "by agent " + s.getAgentId());
      startHealthGate(changes, d, cause);
    } else {
      putVersion(service, env, d.getPreviousVersions().get(env));
      putConfig(service, env, previousOf(d).get(env));
      stepChanged(changes, d, cause, StepAction.ROLLBACK, StepStatus.COMPLETED, "by agent " + s.getAgentId());
      rollBackNext(changes, d, service, cause);
    }
  }

  void onAgentFailed(SagaChanges changes, EventMeta meta, AgentStepFailed f) {
    Deployment.Builder d = awaiting(changes, f.getDeploymentId(), f.getService(), f.getEnvironment(), f.getAction(),
        f.getAttempt());
    if (d == null) {
      return;
    }
    ServiceDeployments.Builder service = changes.service(d.getService());
    Cause cause = Cause.of(meta);
    String env = d.getCurrentEnvironment();
    int attempt = d.getAttempt();
    if (f.getRetryable() && attempt < config.maxAttempts()) {
      Duration backoff = config.retryBackoff(attempt);
      stepChanged(changes, d, cause, f.getAction(), StepStatus.RETRYING, f.getReason() + " (attempt " + attempt
          + " of " + config.maxAttempts() + "; next in " + backoff.toMillis() + " ms)");
      d.setTimerDueAt(changes.now().plus(backoff));
      return;
    }
    String why = f.getReason() + (f.getRetryable() ? " (gave up after " + attempt + " attempts)" : "");
    stepChanged(changes, d, cause, f.getAction(), StepStatus.FAILED, why);
    if (f.getAction() == StepAction.DEPLOY) {
      compensate(changes, d, service, cause, "deploy to " + env + " failed: " + why);
    } else {
      rollbackFailed(changes, d, service, cause, "rollback of " + env + " failed: " + why);
    }
  }

  // --- health -----------------------------------------------------------------------------------

  /**
   * An unhealthy report for the environment whose health gate runs fails the gate. Healthy reports
   * change nothing, and no report at all counts as healthy: the gate passes when its period ends
   * without an unhealthy report. A report naming another version than the one deployed is about the
   * old instances and is ignored.
   */
  void onHealthReported(SagaChanges changes, EventMeta meta, ServiceHealthReported h) {
    if (h.getHealthy()) {
      return;
    }
    ServiceDeployments.Builder service = changes.service(h.getService());
    if (service.getActive() == null) {
      return;
    }
    Deployment.Builder d = changes.deployment(service.getActive());
    if (d == null || d.getStatus() != DeploymentStatus.RUNNING || d.getCurrentAction() != StepAction.HEALTH_GATE
        || stepStatus(d) != StepStatus.RUNNING || !d.getCurrentEnvironment().equals(h.getEnvironment())
        || (h.getVersion() != null && !h.getVersion().equals(d.getVersion()))) {
      return;
    }
    Cause cause = Cause.of(meta);
    String env = d.getCurrentEnvironment();
    String why = "unhealthy in " + env + (h.getDetail() == null || h.getDetail().isBlank() ? "" : ": " + h.getDetail());
    d.setUnhealthySince(Instant.ofEpochMilli(meta.getTime().toEpochMilli()));
    stepChanged(changes, d, cause, StepAction.HEALTH_GATE, StepStatus.FAILED, why);
    compensate(changes, d, service, cause, "health gate in " + env + " failed: " + why);
  }

  // --- timers -----------------------------------------------------------------------------------

  /** A durable timer fired. It acts only when it is still the deployment's pending timer. */
  void onTimer(SagaChanges changes, String timerId, long dueAt) {
    Deployment.Builder d = changes.deployment(SagaTimers.deploymentIdOf(timerId));
    if (d == null) {
      log.debug("Timer {} of an unknown deployment ignored", timerId);
      return;
    }
    var pending = SagaTimers.pending(d.build());
    if (pending == null || !pending.id().equals(timerId) || pending.dueAt() != dueAt) {
      log.debug("Stale timer {} ignored (deployment {} moved on)", timerId, d.getDeploymentId());
      return;
    }
    SagaTimers.Kind kind = SagaTimers.kindOf(d.build());
    d.setTimerDueAt(null);
    ServiceDeployments.Builder service = changes.service(d.getService());
    Cause cause = Cause.decided(d.getLastCommandEventId());
    String env = d.getCurrentEnvironment();
    String timedOut = "timed out after " + d.getStepTimeoutSeconds() + "s";
    switch (kind) {
      case DEPLOY_TIMEOUT -> {
        stepChanged(changes, d, cause, StepAction.DEPLOY, StepStatus.FAILED, timedOut);
        markChanged(d, env); // the outcome is unknown: the agent may still apply it, so undo it too
        compensate(changes, d, service, cause, "deploy to " + env + " " + timedOut);
      }
      case DEPLOY_RETRY -> deploy(changes, d, service, cause, env, d.getAttempt() + 1);
      case HEALTH_GATE_END -> {
        stepChanged(changes, d, cause, StepAction.HEALTH_GATE, StepStatus.COMPLETED,
            "healthy for " + d.getHealthGateSeconds() + "s");
        promote(changes, d, service, cause);
      }
      case ROLLBACK_TIMEOUT -> {
        stepChanged(changes, d, cause, StepAction.ROLLBACK, StepStatus.FAILED, timedOut);
        rollbackFailed(changes, d, service, cause, "rollback of " + env + " " + timedOut);
      }
      case ROLLBACK_RETRY -> rollBack(changes, d, cause, env, d.getAttempt() + 1);
    }
  }

  // --- transitions ------------------------------------------------------------------------------

  /** The deployment claims the service and starts its first environment. */
  private void start(SagaChanges changes, Deployment.Builder d, ServiceDeployments.Builder service, Cause cause) {
    service.setActive(d.getDeploymentId());
    d.setStatus(DeploymentStatus.RUNNING);
    changes.emit(d, cause, new DeploymentStarted(d.getDeploymentId(), d.getService(), d.getVersion(),
        new ArrayList<>(d.getEnvironments())));
    deploy(changes, d, service, cause, d.getEnvironments().get(0), 1);
  }

  private void deploy(SagaChanges changes, Deployment.Builder d, ServiceDeployments.Builder service, Cause cause, String env,
      int attempt) {
    d.setCurrentEnvironment(env);
    d.setCurrentAction(StepAction.DEPLOY);
    d.setAttempt(attempt);
    String previous = service.getVersions().get(env);
    Map<String, String> previousVersions = new LinkedHashMap<>(d.getPreviousVersions());
    if (previous == null) {
      previousVersions.remove(env);
    } else {
      previousVersions.put(env, previous);
    }
    d.setPreviousVersions(previousVersions);
    // the configuration is pinned when the step starts: a retry, the health gate and a rollback see the same one
    PinnedConfig pinned = attempt == 1 || !pinnedOf(d).containsKey(env)
        ? changes.anchorConfig(d.getService(), env) : pinnedOf(d).get(env);
    d.setPinnedConfigs(with(pinnedOf(d), env, pinned));
    d.setPreviousConfigs(with(previousOf(d), env, runningOf(service).get(env)));
    stepChanged(changes, d, cause, StepAction.DEPLOY, StepStatus.RUNNING, pinned.getVersion() == 0
        ? "no configuration in anchor for " + d.getService() + "/" + env + ": config version 0"
        : "anchor config version " + pinned.getVersion());
    changes.send(d, cause, DeployToEnvironment.newBuilder()
        .setDeploymentId(d.getDeploymentId())
        .setService(d.getService())
        .setEnvironment(env)
        .setVersion(d.getVersion())
        .setPreviousVersion(previous)
        .setStrategy(d.getStrategy())
        .setConfig(resolveConfig(d, env, pinned))
        .setAttempt(attempt)
        .build());
    d.setTimerDueAt(changes.now().plusSeconds(d.getStepTimeoutSeconds()));
  }

  private void startHealthGate(SagaChanges changes, Deployment.Builder d, Cause cause) {
    d.setCurrentAction(StepAction.HEALTH_GATE);
    d.setAttempt(1);
    d.setUnhealthySince(null);
    stepChanged(changes, d, cause, StepAction.HEALTH_GATE, StepStatus.RUNNING,
        "must stay healthy for " + d.getHealthGateSeconds() + "s");
    d.setTimerDueAt(changes.now().plusSeconds(d.getHealthGateSeconds()));
  }

  /** Next environment, or success after the last one. */
  private void promote(SagaChanges changes, Deployment.Builder d, ServiceDeployments.Builder service, Cause cause) {
    List<String> envs = d.getEnvironments();
    int next = envs.indexOf(d.getCurrentEnvironment()) + 1;
    if (next < envs.size()) {
      deploy(changes, d, service, cause, envs.get(next), 1);
    } else {
      finish(changes, d, service, cause, DeploymentStatus.SUCCEEDED, null);
    }
  }

  /** Rolls back every changed environment, last changed first, one at a time. */
  private void compensate(SagaChanges changes, Deployment.Builder d, ServiceDeployments.Builder service, Cause cause,
      String reason) {
    d.setStatus(DeploymentStatus.ROLLING_BACK);
    d.setReason(reason);
    List<String> order = rollbackOrder(d);
    if (order.isEmpty()) {
      finish(changes, d, service, cause, compensatedStatus(d), reason);
    } else {
      rollBack(changes, d, cause, order.get(0), 1);
    }
  }

  private void rollBack(SagaChanges changes, Deployment.Builder d, Cause cause, String env, int attempt) {
    d.setCurrentEnvironment(env);
    d.setCurrentAction(StepAction.ROLLBACK);
    d.setAttempt(attempt);
    String restore = d.getPreviousVersions().get(env);
    PinnedConfig restoreConfig = previousOf(d).get(env);
    Integer configVersion = restoreConfig == null ? null : restoreConfig.getVersion();
    stepChanged(changes, d, cause, StepAction.ROLLBACK, StepStatus.RUNNING,
        (restore == null ? "remove " + d.getVersion() : "restore " + restore)
            + (restoreConfig == null || configVersion == 0 ? ""
                : " with the config version " + configVersion + " it was deployed with"));
    changes.send(d, cause, RollbackEnvironment.newBuilder()
        .setDeploymentId(d.getDeploymentId())
        .setService(d.getService())
        .setEnvironment(env)
        .setRestoreVersion(restore)
        .setAttempt(attempt)
        .setConfig(restoreConfig == null ? new LinkedHashMap<>() : new LinkedHashMap<>(restoreConfig.getValues()))
        .setConfigVersion(configVersion)
        .build());
    d.setTimerDueAt(changes.now().plusSeconds(d.getStepTimeoutSeconds()));
  }

  private void rollBackNext(SagaChanges changes, Deployment.Builder d, ServiceDeployments.Builder service, Cause cause) {
    List<String> order = rollbackOrder(d);
    int next = order.indexOf(d.getCurrentEnvironment()) + 1;
    if (next < order.size()) {
      rollBack(changes, d, cause, order.get(next), 1);
    } else {
      finish(changes, d, service, cause, compensatedStatus(d), d.getReason());
    }
  }

  private void rollbackFailed(SagaChanges changes, Deployment.Builder d, ServiceDeployments.Builder service, Cause cause,
      String why) {
    List<String> order = rollbackOrder(d);
    List<String> left = order.subList(Math.max(0, order.indexOf(d.getCurrentEnvironment())), order.size());
    String reason = why + "; not rolled back: " + String.join(", ", left)
        + (d.getReason() == null ? "" : "; compensating because " + d.getReason());
    finish(changes, d, service, cause, DeploymentStatus.FAILED_NEEDS_ATTENTION, reason);
  }

  /** Terminal state: announce it, release the service and start the next deployment in its queue. */
  private void finish(SagaChanges changes, Deployment.Builder d, ServiceDeployments.Builder service, Cause cause,
      DeploymentStatus status, String reason) {
    d.setStatus(status);
    d.setReason(reason);
    d.setCurrentEnvironment(null);
    d.setCurrentAction(null);
    d.setAttempt(0);
    d.setTimerDueAt(null);
    EventMeta finished = changes.emit(d, cause,
        new DeploymentFinished(d.getDeploymentId(), d.getService(), d.getVersion(), status, reason));
    if (d.getDeploymentId().equals(service.getActive())) {
      service.setActive(null);
      startNext(changes, service, finished.getEventId());
    }
  }

  private void startNext(SagaChanges changes, ServiceDeployments.Builder service, String causationId) {
    List<String> queue = new ArrayList<>(service.getQueue());
    while (!queue.isEmpty()) {
      Deployment.Builder next = changes.deployment(queue.remove(0));
      service.setQueue(new ArrayList<>(queue));
      if (next != null && next.getStatus() == DeploymentStatus.QUEUED) {
        start(changes, next, service, Cause.decided(causationId));
        return;
      }
    }
  }

  private static void stepChanged(SagaChanges changes, Deployment.Builder d, Cause cause, StepAction action,
      StepStatus status, String detail) {
    d.setTimerDueAt(null);
    changes.emit(d, cause, EnvironmentStepChanged.newBuilder()
        .setDeploymentId(d.getDeploymentId())
        .setService(d.getService())
        .setEnvironment(d.getCurrentEnvironment())
        .setAction(action)
        .setStatus(status)
        .setAttempt(d.getAttempt())
        .setDetail(detail)
        .build());
  }

  // --- helpers ----------------------------------------------------------------------------------

  /**
   * The deployment whose step in progress a result answers, or null (logged at debug) when the result
   * answers anything else: unknown deployment, other environment, action or attempt, a step that is
   * not waiting for the agent (retry backoff, health gate), a deployment that ended.
   */
  private static Deployment.Builder awaiting(SagaChanges changes, String deploymentId, String service, String env,
      StepAction action, int attempt) {
    if (action == StepAction.HEALTH_GATE) {
      throw new RejectedRecordException("agents report DEPLOY or ROLLBACK steps, not HEALTH_GATE");
    }
    Deployment.Builder d = changes.deployment(deploymentId);
    if (d == null) {
      log.debug("Result for unknown deployment {} ignored", deploymentId);
      return null;
    }
    requireSameService(d, service);
    boolean current = (d.getStatus() == DeploymentStatus.RUNNING || d.getStatus() == DeploymentStatus.ROLLING_BACK)
        && action == d.getCurrentAction() && env.equals(d.getCurrentEnvironment()) && attempt == d.getAttempt()
        && stepStatus(d) == StepStatus.RUNNING;
    if (!current) {
      log.debug("Result {} {} attempt {} for deployment {} ignored: not the step in progress ({} {} {} attempt {})",
          action, env, attempt, deploymentId, d.getStatus(), d.getCurrentAction(), d.getCurrentEnvironment(),
          d.getAttempt());
      return null;
    }
    return d;
  }

  /** Status of the step in progress: the last history entry for its environment and action. */
  static StepStatus stepStatus(Deployment d) {
    return stepStatus(d.getCurrentAction(), d.getCurrentEnvironment(), d.getHistory());
  }

  static StepStatus stepStatus(Deployment.Builder d) {
    return stepStatus(d.getCurrentAction(), d.getCurrentEnvironment(), d.getHistory());
  }

  private static StepStatus stepStatus(StepAction action, String env, List<HistoryEntry> history) {
    if (action == null || env == null) {
      return null;
    }
    for (int i = history.size() - 1; i >= 0; i--) {
      HistoryEntry e = history.get(i);
      if (e.getAction() == action && env.equals(e.getEnvironment())) {
        return StepStatus.valueOf(e.getStatus());
      }
    }
    return null;
  }

  /** Environments to roll back, in order: the changed ones, last changed first. */
  static List<String> rollbackOrder(Deployment.Builder d) {
    List<String> order = new ArrayList<>(d.getChangedEnvironments());
    java.util.Collections.reverse(order);
    return order;
  }

  /**
   * Configuration handed to the agent with a deploy command: anchor's values for the service and environment
   * as pinned when the step started, then the request's own facts (environment, version, strategy, deployment
   * id), which win over an anchor key of the same name.
   */
  static Map<String, String> resolveConfig(Deployment.Builder d, String env, PinnedConfig pinned) {
    Map<String, String> config = new LinkedHashMap<>(new java.util.TreeMap<>(pinned.getValues()));
    config.put("environment", env);
    config.put("version", d.getVersion());
    config.put("strategy", d.getStrategy().name());
    config.put("deploymentId", d.getDeploymentId());
    return config;
  }

  private static DeploymentStatus compensatedStatus(Deployment.Builder d) {
    return d.getCancelRequested() ? DeploymentStatus.CANCELLED : DeploymentStatus.ROLLED_BACK;
  }

  private static void markChanged(Deployment.Builder d, String env) {
    if (!d.getChangedEnvironments().contains(env)) {
      List<String> changed = new ArrayList<>(d.getChangedEnvironments());
      changed.add(env);
      d.setChangedEnvironments(changed);
    }
  }

  /** What a deployment pinned, by environment (a builder made before these fields existed has none). */
  static Map<String, PinnedConfig> pinnedOf(Deployment.Builder d) {
    return d.getPinnedConfigs() == null ? Map.of() : d.getPinnedConfigs();
  }

  static Map<String, PinnedConfig> previousOf(Deployment.Builder d) {
    return d.getPreviousConfigs() == null ? Map.of() : d.getPreviousConfigs();
  }

  private static Map<String, PinnedConfig> runningOf(ServiceDeployments.Builder service) {
    return service.getConfigs() == null ? Map.of() : service.getConfigs();
  }

  private static void putConfig(ServiceDeployments.Builder service, String env, PinnedConfig config) {
    service.setConfigs(with(runningOf(service), env, config));
  }

  /** {@code map} with {@code env} set to {@code value}, or without it for null. */
  private static Map<String, PinnedConfig> with(Map<String, PinnedConfig> map, String env, PinnedConfig value) {
    Map<String, PinnedConfig> out = map == null ? new LinkedHashMap<>() : new LinkedHashMap<>(map);
    if (value == null) {
      out.remove(env);
    } else {
      out.put(env, value);
    }
    return out;
  }

  private static void putVersion(ServiceDeployments.Builder service, String env, String version) {
    Map<String, String> versions = new LinkedHashMap<>(service.getVersions());
    if (version == null) {
      versions.remove(env);
    } else {
      versions.put(env, version);
    }
    service.setVersions(versions);
  }

  private static void requireSameService(Deployment.Builder d, String service) {
    if (!Objects.equals(d.getService(), service)) {
      throw new RejectedRecordException("deployment " + d.getDeploymentId() + " is a deployment of "
          + d.getService() + ", not of " + service);
    }
  }
}
