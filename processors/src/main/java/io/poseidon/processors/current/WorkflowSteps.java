package io.poseidon.processors.current;

import io.poseidon.topology.validation.Ids;
import io.poseidon.topology.events.Cause;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.current.CommitPushed;
import io.poseidon.schemas.current.Workflow;
import io.poseidon.schemas.current.WorkflowCommand;
import io.poseidon.schemas.current.WorkflowCompleted;
import io.poseidon.schemas.current.WorkflowFailed;
import io.poseidon.schemas.current.WorkflowStarted;
import io.poseidon.schemas.current.WorkflowStatus;
import io.poseidon.schemas.current.WorkflowStep;
import io.poseidon.schemas.current.WorkflowStepChanged;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineRunFinished;
import io.poseidon.schemas.forge.PipelineRunRequested;
import io.poseidon.schemas.forge.PipelineStatus;
import io.poseidon.schemas.harbor.DeploymentCancelRequested;
import io.poseidon.schemas.harbor.DeploymentFinished;
import io.poseidon.schemas.harbor.DeploymentRequested;
import io.poseidon.schemas.harbor.DeploymentStatus;
import io.poseidon.schemas.harbor.DeploymentStrategy;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.timers.TimerIndex;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit workflow's decisions: given what happened (a pushed commit, a forge or harbor fact, a
 * step timeout), which transitions follow, which facts are emitted and which commands are sent. It
 * reads and writes only through {@link WorkflowChanges}, so it runs without Kafka in unit tests. The
 * steps are described in {@code package-info.java}.
 *
 * <p>A forge or harbor fact acts only if it answers the step in progress (same run or deployment,
 * workflow RUNNING in that step); duplicates, facts of other runs and late answers are only recorded
 * in the timeline.
 */
final class WorkflowSteps {

  static final String RUNNING = "RUNNING";
  static final String COMPLETED = "COMPLETED";
  static final String FAILED = "FAILED";
  /** How much of the commit hash becomes the deployed version. */
  static final int VERSION_CHARS = 12;

  private static final Logger log = LoggerFactory.getLogger(WorkflowSteps.class);

  private final CurrentConfig config;

  WorkflowSteps(CurrentConfig config) {
    this.config = config;
  }

  // --- commands ---------------------------------------------------------------------------------

  void onCommand(WorkflowChanges changes, String key, WorkflowCommand command) {
    if (command.getPayload() instanceof CommitPushed pushed) {
      onCommitPushed(changes, key, command.getMeta(), pushed);
    } else {
      throw new RejectedRecordException(command.getPayload().getClass().getSimpleName() + " is not read by current");
    }
  }

  /**
   * A valid commit starts its workflow: WorkflowStarted, the quality checks, then the pipeline run.
   * A commit for a known workflow id changes nothing (idempotent).
   */
  void onCommitPushed(WorkflowChanges changes, String key, EventMeta meta, CommitPushed c) {
    if (!Objects.equals(key, c.getWorkflowId())) {
      throw new RejectedRecordException("record key '" + key + "' must be the workflowId '" + c.getWorkflowId()
          + "' (keeps every event of a workflow on one partition)");
    }
    if (!Objects.equals(meta.getCorrelationId(), c.getWorkflowId())) {
      throw new RejectedRecordException("meta.correlationId '" + meta.getCorrelationId() + "' must be the workflowId '"
          + c.getWorkflowId() + "' (one correlation id per workflow, from commit to deployment)");
    }
    Map<String, String> problems = CurrentValidation.check(c);
    if (!problems.isEmpty()) {
      throw new RejectedRecordException(Ids.describe(problems));
    }
    if (changes.workflow() != null) {
      log.debug("Workflow {} already started; CommitPushed {} changes nothing", c.getWorkflowId(), meta.getEventId());
      return;
    }
    Instant now = changes.now();
    Workflow.Builder w = Workflow.newBuilder()
        .setWorkflowId(c.getWorkflowId())
        .setService(c.getService())
        .setCommit(c.getCommit())
        .setBranch(c.getBranch())
        .setAuthor(c.getAuthor())
        .setEnvironments(new ArrayList<>(c.getEnvironments()))
        .setStatus(WorkflowStatus.RUNNING)
        .setStep(WorkflowStep.QUALITY_CHECKS)
        .setPipelineRunId(null)
        .setDeploymentId(null)
        .setCause(null)
        .setStartedAt(Instant.ofEpochMilli(meta.getTime().toEpochMilli()))
        .setUpdatedAt(now);
    changes.create(w);
    changes.record(meta, c);
    EventMeta started = changes.emit(Cause.of(meta), new WorkflowStarted(w.getWorkflowId(), w.getService(),
        w.getCommit()));

    String problem = qualityProblem(w);
    if (problem != null) {
      EventMeta checks = changes.emit(Cause.of(started),
          stepChanged(w, WorkflowStep.QUALITY_CHECKS, FAILED, null, problem));
      fail(changes, w, Cause.of(checks), WorkflowStep.QUALITY_CHECKS, problem);
      return;
    }
    EventMeta checks = changes.emit(Cause.of(started), stepChanged(w, WorkflowStep.QUALITY_CHECKS, COMPLETED, null,
        null));
    requestPipeline(changes, w, Cause.of(checks));
  }

  // --- forge and harbor facts (already re-keyed by correlation id) -------------------------------

  /** A fact of forge.pipeline-events whose correlation id is {@code changes.workflowId()}. */
  void onPipelineEvent(WorkflowChanges changes, EventMeta meta, SpecificRecord payload) {
    Workflow.Builder w = observed(changes, meta, payload);
    if (w == null || !(payload instanceof PipelineRunFinished finished)
        || !awaiting(w, WorkflowStep.PIPELINE, finished.getRunId(), w.getPipelineRunId())) {
      return;
    }
    String runId = finished.getRunId();
    if (finished.getStatus() == PipelineStatus.SUCCEEDED) {
      EventMeta done = changes.emit(Cause.of(meta), stepChanged(w, WorkflowStep.PIPELINE, COMPLETED, runId, null));
      requestDeployment(changes, w, Cause.of(done));
    } else {
      String why = "pipeline " + finished.getStatus() + reason(finished.getReason());
      EventMeta failed = changes.emit(Cause.of(meta), stepChanged(w, WorkflowStep.PIPELINE, FAILED, runId, why));
      fail(changes, w, Cause.of(failed), WorkflowStep.PIPELINE, why);
    }
  }

  /** A fact of harbor.deployment-events whose correlation id is {@code changes.workflowId()}. */
  void onDeploymentEvent(WorkflowChanges changes, EventMeta meta, SpecificRecord payload) {
    Workflow.Builder w = observed(changes, meta, payload);
    if (w == null || !(payload instanceof DeploymentFinished finished)
        || !awaiting(w, WorkflowStep.DEPLOYMENT, finished.getDeploymentId(), w.getDeploymentId())) {
      return;
    }
    String deploymentId = finished.getDeploymentId();
    if (finished.getStatus() == DeploymentStatus.SUCCEEDED) {
      EventMeta done = changes.emit(Cause.of(meta), stepChanged(w, WorkflowStep.DEPLOYMENT, COMPLETED, deploymentId,
          null));
      w.setStatus(WorkflowStatus.COMPLETED);
      changes.emit(Cause.of(done), new WorkflowCompleted(w.getWorkflowId(), w.getService(), w.getCommit(),
          deploymentId));
    } else {
      String why = "deployment " + finished.getStatus() + reason(finished.getReason());
      EventMeta failed = changes.emit(Cause.of(meta), stepChanged(w, WorkflowStep.DEPLOYMENT, FAILED, deploymentId,
          why));
      fail(changes, w, Cause.of(failed), WorkflowStep.DEPLOYMENT, why);
    }
  }

  /** An alert raised or resolved while the workflow's deployment ran: it joins the timeline, nothing else. */
  void onAlertEvent(WorkflowChanges changes, EventMeta meta, SpecificRecord payload) {
    observed(changes, meta, payload);
  }

  // --- timers -----------------------------------------------------------------------------------

  /**
   * A step timeout fired: if it is still the workflow's pending timer, the step fails, current asks
   * forge or harbor to cancel what it started (so nothing ships after the workflow said FAILED), and
   * the workflow fails. A stale timer changes nothing.
   */
  void onTimer(WorkflowChanges changes, TimerIndex.Timer timer) {
    Workflow.Builder w = changes.workflow();
    if (w == null || !timer.equals(WorkflowChanges.pendingTimer(w.build(), config))) {
      log.debug("Stale timer {} at {} changes nothing", timer.id(), timer.dueAt());
      return;
    }
    WorkflowStep step = w.getStep();
    String within = " did not finish within " + human(config.timeout(step));
    Cause cause = Cause.decided(changes.lastOwnEventId());
    if (step == WorkflowStep.PIPELINE) {
      String runId = w.getPipelineRunId();
      String why = "pipeline run " + runId + within;
      EventMeta failed = changes.emit(cause, stepChanged(w, step, FAILED, runId, why));
      changes.sendToForge(runId, Cause.of(failed), new PipelineRunCancelRequested(runId, "workflow "
          + w.getWorkflowId() + " gave up: " + why));
      fail(changes, w, Cause.of(failed), step, why + "; cancel requested");
    } else {
      String deploymentId = w.getDeploymentId();
      String why = "deployment " + deploymentId + within;
      EventMeta failed = changes.emit(cause, stepChanged(w, step, FAILED, deploymentId, why));
      changes.sendToHarbor(w.getService(), Cause.of(failed), new DeploymentCancelRequested(deploymentId,
          w.getService(), "workflow " + w.getWorkflowId() + " gave up: " + why));
      fail(changes, w, Cause.of(failed), step, why + "; cancel requested");
    }
  }

  // --- ids ----------------------------------------------------------------------------------------

  /**
   * The pipeline run of a workflow: {@code run-<uuid>}, the UUID derived from the workflow id, so a
   * CommitPushed processed again after a crash (at-least-once) asks forge for the same run, which forge
   * applies once.
   */
  static String runIdOf(String workflowId) {
    return "run-" + nameUuid("current/" + workflowId + "/pipeline");
  }

  /**
   * The deployment of a workflow: {@code <service>.<uuid>} (harbor's and the gateway's id form: the
   * service prefix routes queries), the UUID derived from the workflow id like {@link #runIdOf}.
   */
  static String deploymentIdOf(String service, String workflowId) {
    return service + "." + nameUuid("current/" + workflowId + "/deployment");
  }

  /** The version a workflow deploys: the commit hash, its first {@value #VERSION_CHARS} characters. */
  static String versionOf(String commit) {
    String lower = commit.toLowerCase(java.util.Locale.ROOT);
    return lower.length() <= VERSION_CHARS ? lower : lower.substring(0, VERSION_CHARS);
  }

  // --- helpers ------------------------------------------------------------------------------------

  /** The workflow of a forge or harbor fact, after recording the fact; null when not one of ours or seen. */
  private static Workflow.Builder observed(WorkflowChanges changes, EventMeta meta, SpecificRecord payload) {
    Workflow.Builder w = changes.workflow();
    if (w == null) {
      log.trace("{} {} belongs to no workflow; ignored", meta.getType(), meta.getEventId());
      return null;
    }
    if (changes.seen(meta.getEventId())) {
      log.debug("{} {} of workflow {} seen before; ignored", meta.getType(), meta.getEventId(), w.getWorkflowId());
      return null;
    }
    changes.record(meta, payload);
    return w;
  }

  private static boolean awaiting(Workflow.Builder w, WorkflowStep step, String answered, String expected) {
    return w.getStatus() == WorkflowStatus.RUNNING && w.getStep() == step && Objects.equals(answered, expected);
  }

  private String qualityProblem(Workflow.Builder w) {
    if (!config.allowedBranches().matcher(w.getBranch()).matches()) {
      return "branch " + w.getBranch() + " is not allowed (" + CurrentConfig.ALLOWED_BRANCHES + " = "
          + config.allowedBranches().pattern() + ")";
    }
    return null;
  }

  private static void requestPipeline(WorkflowChanges changes, Workflow.Builder w, Cause cause) {
    String runId = runIdOf(w.getWorkflowId());
    EventMeta requested = changes.sendToForge(runId, cause, PipelineRunRequested.newBuilder()
        .setRunId(runId)
        .setService(w.getService())
        .setCommit(w.getCommit())
        .setBranch(w.getBranch())
        .setMinCoverage(null)
        .setMaxCriticalVulnerabilities(null)
        .build());
    w.setStep(WorkflowStep.PIPELINE).setPipelineRunId(runId);
    changes.emit(Cause.of(requested), stepChanged(w, WorkflowStep.PIPELINE, RUNNING, runId, null));
  }

  private static void requestDeployment(WorkflowChanges changes, Workflow.Builder w, Cause cause) {
    String deploymentId = deploymentIdOf(w.getService(), w.getWorkflowId());
    EventMeta requested = changes.sendToHarbor(w.getService(), cause, DeploymentRequested.newBuilder()
        .setDeploymentId(deploymentId)
        .setService(w.getService())
        .setVersion(versionOf(w.getCommit()))
        .setEnvironments(new ArrayList<>(w.getEnvironments()))
        .setStrategy(DeploymentStrategy.ROLLING)
        .setHealthGateSeconds(null)
        .setStepTimeoutSeconds(null)
        .build());
    w.setStep(WorkflowStep.DEPLOYMENT).setDeploymentId(deploymentId);
    changes.emit(Cause.of(requested), stepChanged(w, WorkflowStep.DEPLOYMENT, RUNNING, deploymentId, null));
  }

  private static void fail(WorkflowChanges changes, Workflow.Builder w, Cause cause, WorkflowStep step, String why) {
    w.setStatus(WorkflowStatus.FAILED).setStep(step).setCause(why);
    changes.emit(cause, new WorkflowFailed(w.getWorkflowId(), step, why));
  }

  private static WorkflowStepChanged stepChanged(Workflow.Builder w, WorkflowStep step, String status,
      String reference, String detail) {
    return new WorkflowStepChanged(w.getWorkflowId(), step, status, reference, detail);
  }

  private static String reason(String reason) {
    return reason == null || reason.isBlank() ? "" : ": " + reason;
  }

  private static String nameUuid(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    } else if (ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    } else if (ms % 1_000 == 0) {
      return ms / 1_000 + "s";
    }
    return ms + "ms";
  }
}
