package io.poseidon.processors.harbor;

import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.StepAction;
import io.poseidon.schemas.harbor.StepStatus;
import io.poseidon.topology.timers.TimerIndex;

/**
 * The one pending timer of a deployment, named from its state. A deployment keeps only the due time
 * ({@code timerDueAt}); what the timer is for follows from the step in progress and its status, so the
 * id is {@code <deploymentId>|<environment>|<kind>|<attempt>}. A timer that fires acts only if it is
 * still the deployment's pending timer (same id and due time); any other is stale and ignored.
 */
final class SagaTimers {

  enum Kind {
    /** The agent did not answer a deploy command in time. */
    DEPLOY_TIMEOUT("deploy-timeout"),
    /** Backoff before the next attempt of a deploy step is over. */
    DEPLOY_RETRY("deploy-retry"),
    /** The health gate period is over without an unhealthy report. */
    HEALTH_GATE_END("health-gate-end"),
    /** The agent did not answer a rollback command in time. */
    ROLLBACK_TIMEOUT("rollback-timeout"),
    /** Backoff before the next attempt of a rollback step is over. */
    ROLLBACK_RETRY("rollback-retry");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  private SagaTimers() {}

  /** The deployment's pending timer, or null. */
  static TimerIndex.Timer pending(Deployment d) {
    if (d == null || d.getTimerDueAt() == null) {
      return null;
    }
    Kind kind = kindOf(d);
    if (kind == null) {
      return null;
    }
    String id = d.getDeploymentId() + '|' + d.getCurrentEnvironment() + '|' + kind.label + '|' + d.getAttempt();
    return new TimerIndex.Timer(id, d.getTimerDueAt().toEpochMilli());
  }

  /** What a timer of {@code d} in its current state is for; null when the state waits for no timer. */
  static Kind kindOf(Deployment d) {
    StepAction action = d.getCurrentAction();
    StepStatus status = DeploymentSaga.stepStatus(d);
    if (action == null || status == null) {
      return null;
    }
    return switch (action) {
      case DEPLOY -> status == StepStatus.RUNNING ? Kind.DEPLOY_TIMEOUT
          : status == StepStatus.RETRYING ? Kind.DEPLOY_RETRY : null;
      case HEALTH_GATE -> status == StepStatus.RUNNING ? Kind.HEALTH_GATE_END : null;
      case ROLLBACK -> status == StepStatus.RUNNING ? Kind.ROLLBACK_TIMEOUT
          : status == StepStatus.RETRYING ? Kind.ROLLBACK_RETRY : null;
    };
  }

  static String deploymentIdOf(String timerId) {
    int end = timerId.indexOf('|');
    return end < 0 ? timerId : timerId.substring(0, end);
  }
}
