package io.poseidon.processors.lighthouse;

import io.poseidon.schemas.lighthouse.HealthPolicy;
import io.poseidon.schemas.lighthouse.HealthState;
import io.poseidon.schemas.lighthouse.ServiceHealthReported;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How lighthouse judges a service in an environment, from what it measured over the policy's window:
 * <ul>
 *   <li>UNHEALTHY: a critical alert fires, latency or error rate above the unhealthy threshold, or no
 *       live instance left (fewer than {@code minInstances}) where depths knew some;</li>
 *   <li>DEGRADED: above a degraded threshold, or a non-critical alert fires;</li>
 *   <li>HEALTHY: there was something to judge by and nothing above;</li>
 *   <li>UNKNOWN: not enough points or log lines, no instances and no alerts.</li>
 * </ul>
 * A latency is judged from {@code lighthouse.health.min.points} points on, an error rate from
 * {@code lighthouse.health.min.log.lines} lines on (fewer say too little to fail a health gate with).
 * Every finding is a reason, so a report says why.
 */
public final class HealthJudge {

  private HealthJudge() {}

  /** What was measured for one service in one environment. */
  public record Measured(Double latency, long latencyPoints, Double errorRate, long logLines, Integer liveInstances,
      Integer previousLiveInstances, List<String> criticalAlerts, List<String> otherAlerts) {}

  /** How much data a statistic needs before it is judged: a rate of 1 error in 3 lines says nothing. */
  public record Evidence(long minPoints, long minLogLines) {
    public static final Evidence NONE = new Evidence(1, 1);

    static Evidence of(LighthouseConfig config) {
      return new Evidence(config.getInt(LighthouseConfig.HEALTH_MIN_POINTS), config.getInt(LighthouseConfig.HEALTH_MIN_LOG_LINES));
    }
  }

  /** The policy of a service: its own, or the defaults of the config. */
  public static HealthPolicy defaults(String service, LighthouseConfig config) {
    return HealthPolicy.newBuilder()
        .setService(service)
        .setWindow(config.getString(LighthouseConfig.HEALTH_WINDOW))
        .setLatencyMetric(config.getString(LighthouseConfig.HEALTH_LATENCY_METRIC))
        .setLatencyStat(config.getString(LighthouseConfig.HEALTH_LATENCY_STAT))
        .setLatencyDegradedMs(config.getDouble(LighthouseConfig.HEALTH_LATENCY_DEGRADED))
        .setLatencyUnhealthyMs(config.getDouble(LighthouseConfig.HEALTH_LATENCY_UNHEALTHY))
        .setErrorRateDegraded(config.getDouble(LighthouseConfig.HEALTH_ERRORS_DEGRADED))
        .setErrorRateUnhealthy(config.getDouble(LighthouseConfig.HEALTH_ERRORS_UNHEALTHY))
        .setMinInstances(config.getInt(LighthouseConfig.HEALTH_MIN_INSTANCES))
        .build();
  }

  public static ServiceHealthReported judge(String service, String environment, HealthPolicy policy, Measured m,
      Evidence evidence, String deploymentId) {
    List<String> unhealthy = new ArrayList<>();
    List<String> degraded = new ArrayList<>();
    m.criticalAlerts().forEach(a -> unhealthy.add("critical alert firing: " + a));
    m.otherAlerts().forEach(a -> degraded.add("alert firing: " + a));
    String stat = policy.getLatencyStat();
    if (m.latency() != null && m.latencyPoints() >= evidence.minPoints()) {
      String latency = policy.getLatencyMetric() + " " + stat + " " + ms(m.latency());
      if (policy.getLatencyUnhealthyMs() != null && m.latency() > policy.getLatencyUnhealthyMs()) {
        unhealthy.add(latency + " > " + ms(policy.getLatencyUnhealthyMs()));
      } else if (policy.getLatencyDegradedMs() != null && m.latency() > policy.getLatencyDegradedMs()) {
        degraded.add(latency + " > " + ms(policy.getLatencyDegradedMs()));
      }
    }
    if (m.errorRate() != null && m.logLines() >= evidence.minLogLines()) {
      String rate = "error rate " + pct(m.errorRate()) + " of " + m.logLines() + " log lines";
      if (policy.getErrorRateUnhealthy() != null && m.errorRate() > policy.getErrorRateUnhealthy()) {
        unhealthy.add(rate + " > " + pct(policy.getErrorRateUnhealthy()));
      } else if (policy.getErrorRateDegraded() != null && m.errorRate() > policy.getErrorRateDegraded()) {
        degraded.add(rate + " > " + pct(policy.getErrorRateDegraded()));
      }
    }
    Integer live = m.liveInstances();
    boolean hadInstances = m.previousLiveInstances() != null && m.previousLiveInstances() > 0;
    if (live != null && policy.getMinInstances() > 0 && live < policy.getMinInstances() && (live > 0 || hadInstances)) {
      unhealthy.add(live + " live instance" + (live == 1 ? "" : "s") + " < " + policy.getMinInstances());
    }
    boolean latencyJudged = m.latency() != null && m.latencyPoints() >= evidence.minPoints();
    boolean errorsJudged = m.errorRate() != null && m.logLines() >= evidence.minLogLines();
    boolean anyData = latencyJudged || errorsJudged || (live != null && live > 0) || hadInstances
        || !m.criticalAlerts().isEmpty() || !m.otherAlerts().isEmpty();
    HealthState state = !unhealthy.isEmpty() ? HealthState.UNHEALTHY : !degraded.isEmpty() ? HealthState.DEGRADED
        : anyData ? HealthState.HEALTHY : HealthState.UNKNOWN;
    List<String> reasons = new ArrayList<>(unhealthy);
    reasons.addAll(degraded);
    String detail = switch (state) {
      case UNKNOWN -> "not enough metrics or logs, and no instances, in the last " + policy.getWindow();
      case HEALTHY -> "within thresholds over the last " + policy.getWindow();
      default -> String.join("; ", reasons);
    };
    return ServiceHealthReported.newBuilder()
        .setService(service)
        .setEnvironment(environment)
        .setVersion(null)
        .setHealthy(state != HealthState.UNHEALTHY)
        .setDetail(detail)
        .setState(state)
        .setLiveInstances(live)
        .setErrorRate(m.errorRate())
        .setLatency(m.latency())
        .setReasons(reasons)
        .setDeploymentId(deploymentId)
        .build();
  }

  static String ms(double v) {
    return String.format(Locale.ROOT, "%.1f ms", v);
  }

  static String pct(double v) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * v);
  }
}
