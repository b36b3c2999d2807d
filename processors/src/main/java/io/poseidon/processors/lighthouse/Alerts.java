package io.poseidon.processors.lighthouse;

import io.poseidon.schemas.lighthouse.AlertOp;
import io.poseidon.schemas.lighthouse.AlertRule;
import io.poseidon.schemas.lighthouse.AlertState;
import io.poseidon.schemas.lighthouse.AlertStatus;
import io.poseidon.topology.config.DurationValidator;
import java.time.Instant;
import java.util.Map;

/**
 * The alert state machine, Prometheus' semantics: a rule's condition is evaluated per series at every
 * evaluation; INACTIVE → PENDING when it holds, → FIRING once it held for the rule's {@code for} (at once
 * for {@code 0s}), → RESOLVED when it stops holding (or the series has no data in the window). A PENDING
 * alert whose condition stops holding is INACTIVE again (and not kept).
 */
public final class Alerts {

  private Alerts() {}

  /** The transition of one evaluation. */
  public enum Transition { NONE, RAISED, RESOLVED }

  /** The alert after an evaluation (null: INACTIVE, not kept) and what happened. */
  public record Step(AlertStatus status, Transition transition) {}

  public static boolean holds(AlertOp op, double value, double threshold) {
    return switch (op) {
      case GT -> value > threshold;
      case GE -> value >= threshold;
      case LT -> value < threshold;
      case LE -> value <= threshold;
      case EQ -> value == threshold;
      case NE -> value != threshold;
    };
  }

  /** The API's symbol of a comparison ({@code >} ...). */
  public static String symbol(AlertOp op) {
    return switch (op) {
      case GT -> ">";
      case GE -> ">=";
      case LT -> "<";
      case LE -> "<=";
      case EQ -> "==";
      case NE -> "!=";
    };
  }

  public static AlertOp parseOp(String symbol) {
    return switch (symbol) {
      case ">" -> AlertOp.GT;
      case ">=" -> AlertOp.GE;
      case "<" -> AlertOp.LT;
      case "<=" -> AlertOp.LE;
      case "==" -> AlertOp.EQ;
      case "!=" -> AlertOp.NE;
      default -> null;
    };
  }

  /**
   * One evaluation of {@code rule} on one series.
   *
   * @param current the alert as kept (null: INACTIVE)
   * @param value the statistic over the rule's window, null when the series had no points in it
   */
  public static Step evaluate(AlertRule rule, String alertId, Map<String, String> labels, AlertStatus current,
      Double value, Instant now, String deploymentId) {
    boolean holds = value != null && !value.isNaN() && holds(rule.getOp(), value, rule.getThreshold());
    AlertState state = current == null ? AlertState.INACTIVE : current.getState();
    if (!holds) {
      return switch (state) {
        case INACTIVE, PENDING -> new Step(null, Transition.NONE);
        case FIRING -> new Step(with(current, rule, AlertState.RESOLVED, now, null, value, now), Transition.RESOLVED);
        case RESOLVED -> new Step(with(current, rule, AlertState.RESOLVED, current.getSince(), null, value, now),
            Transition.NONE);
      };
    }
    long forMs = DurationValidator.parse(rule.getForDuration()).toMillis();
    return switch (state) {
      case INACTIVE, RESOLVED -> {
        AlertStatus base = current != null ? current : fresh(rule, alertId, labels, now, deploymentId);
        if (forMs == 0) {
          yield new Step(with(base, rule, AlertState.FIRING, now, now, value, now, deploymentId), Transition.RAISED);
        }
        yield new Step(with(base, rule, AlertState.PENDING, now, now, value, now, deploymentId), Transition.NONE);
      }
      case PENDING -> {
        Instant active = current.getActiveSince() != null ? current.getActiveSince() : current.getSince();
        if (now.toEpochMilli() - active.toEpochMilli() >= forMs) {
          yield new Step(with(current, rule, AlertState.FIRING, now, active, value, now, deploymentId),
              Transition.RAISED);
        }
        yield new Step(with(current, rule, AlertState.PENDING, current.getSince(), active, value, now, deploymentId),
            Transition.NONE);
      }
      case FIRING -> new Step(with(current, rule, AlertState.FIRING, current.getSince(), current.getActiveSince(),
          value, now), Transition.NONE);
    };
  }

  private static AlertStatus fresh(AlertRule rule, String alertId, Map<String, String> labels, Instant now,
      String deploymentId) {
    return AlertStatus.newBuilder()
        .setAlertId(alertId)
        .setRuleId(rule.getRuleId())
        .setService(rule.getService())
        .setEnvironment(labels.get(Series.ENVIRONMENT))
        .setMetric(rule.getMetric())
        .setLabels(labels)
        .setSeverity(rule.getSeverity())
        .setState(AlertState.INACTIVE)
        .setSince(now)
        .setThreshold(rule.getThreshold())
        .setOp(rule.getOp())
        .setStat(rule.getStat())
        .setEvaluatedAt(now)
        .setDeploymentId(deploymentId)
        .build();
  }

  private static AlertStatus with(AlertStatus base, AlertRule rule, AlertState state, Instant since, Instant active,
      Double value, Instant now) {
    return with(base, rule, state, since, active, value, now, base.getDeploymentId());
  }

  private static AlertStatus with(AlertStatus base, AlertRule rule, AlertState state, Instant since, Instant active,
      Double value, Instant now, String deploymentId) {
    return AlertStatus.newBuilder(base)
        .setState(state)
        .setSince(since)
        .setActiveSince(active)
        .setValue(value == null || value.isNaN() ? null : value)
        .setSeverity(rule.getSeverity())
        .setThreshold(rule.getThreshold())
        .setOp(rule.getOp())
        .setStat(rule.getStat())
        .setEvaluatedAt(now)
        .setDeploymentId(deploymentId)
        .build();
  }
}
