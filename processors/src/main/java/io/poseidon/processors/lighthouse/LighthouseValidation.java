package io.poseidon.processors.lighthouse;

import io.poseidon.schemas.lighthouse.AlertRule;
import io.poseidon.schemas.lighthouse.HealthPolicy;
import io.poseidon.schemas.lighthouse.MetricBatch;
import io.poseidon.schemas.lighthouse.MetricPoint;
import io.poseidon.topology.config.DurationValidator;
import io.poseidon.topology.validation.Ids;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The rules metric batches, alert rules and health policies follow beyond their Avro schemas: one rule
 * set for the gateway (a 400 with field errors before anything is produced) and for the topology (a
 * rule produced by anyone else that breaks them is ignored with a warning).
 */
public final class LighthouseValidation {

  public static final int MAX_NAME_CHARS = 200;
  public static final int MAX_LABELS = 32;
  public static final int MAX_LABEL_CHARS = 256;
  public static final Set<String> SEVERITIES = Set.of("critical", "warning", "info");
  /** Longest alert or health window: the 10 s windows a rule merges are kept 6 h by default. */
  public static final Duration MAX_WINDOW = Duration.ofHours(6);

  private LighthouseValidation() {}

  public static Map<String, String> check(MetricBatch batch, int maxPoints) {
    Map<String, String> problems = new LinkedHashMap<>();
    Ids.checkService("service", batch.getService(), problems);
    if (batch.getInstance() != null) {
      Ids.checkText("instance", batch.getInstance(), MAX_LABEL_CHARS, problems);
    }
    if (batch.getPoints().isEmpty()) {
      problems.put("points", "must have at least one point");
    } else if (batch.getPoints().size() > maxPoints) {
      problems.put("points", "has " + batch.getPoints().size() + " points; at most " + maxPoints + " ("
          + LighthouseConfig.MAX_POINTS + ") in one batch");
    }
    for (int i = 0; i < batch.getPoints().size() && problems.size() < 20; i++) {
      MetricPoint p = batch.getPoints().get(i);
      checkName("points[" + i + "].name", p.getName(), problems);
      if (!Double.isFinite(p.getValue())) {
        problems.put("points[" + i + "].value", "must be a finite number");
      }
      checkLabels("points[" + i + "].labels", p.getLabels(), problems);
    }
    return problems;
  }

  public static Map<String, String> check(AlertRule rule) {
    Map<String, String> problems = new LinkedHashMap<>();
    Ids.checkId("ruleId", rule.getRuleId(), problems);
    Ids.checkService("service", rule.getService(), problems);
    checkName("metric", rule.getMetric(), problems);
    if (Stat.parse(rule.getStat()).isEmpty()) {
      problems.put("stat", "must be one of " + Stat.names() + ", got " + rule.getStat());
    }
    checkWindow("window", rule.getWindow(), Duration.ofSeconds(10), problems);
    checkWindow("for", rule.getForDuration(), Duration.ZERO, problems);
    if (!Double.isFinite(rule.getThreshold())) {
      problems.put("threshold", "must be a finite number");
    }
    if (!SEVERITIES.contains(rule.getSeverity())) {
      problems.put("severity", "must be one of critical, warning, info, got " + rule.getSeverity());
    }
    checkLabels("labels", rule.getLabels(), problems);
    if (rule.getDescription() != null) {
      Ids.checkText("description", rule.getDescription(), 1000, problems);
    }
    return problems;
  }

  public static Map<String, String> check(HealthPolicy policy) {
    Map<String, String> problems = new LinkedHashMap<>();
    Ids.checkService("service", policy.getService(), problems);
    checkWindow("window", policy.getWindow(), Duration.ofSeconds(10), problems);
    checkName("latencyMetric", policy.getLatencyMetric(), problems);
    if (Stat.parse(policy.getLatencyStat()).filter(s -> s != Stat.COUNT && s != Stat.SUM).isEmpty()) {
      problems.put("latencyStat", "must be one of min, max, avg, p50, p90, p95, p99, got " + policy.getLatencyStat());
    }
    checkRange("latencyDegradedMs", policy.getLatencyDegradedMs(), Double.MAX_VALUE, problems);
    checkRange("latencyUnhealthyMs", policy.getLatencyUnhealthyMs(), Double.MAX_VALUE, problems);
    checkRange("errorRateDegraded", policy.getErrorRateDegraded(), 1, problems);
    checkRange("errorRateUnhealthy", policy.getErrorRateUnhealthy(), 1, problems);
    if (policy.getMinInstances() < 0 || policy.getMinInstances() > 10_000) {
      problems.put("minInstances", "must be 0-10000");
    }
    return problems;
  }

  private static void checkRange(String field, Double value, double max, Map<String, String> problems) {
    if (value != null && (!Double.isFinite(value) || value < 0 || value > max)) {
      problems.put(field, max == 1 ? "must be a ratio between 0 and 1" : "must be a number ≥ 0");
    }
  }

  private static void checkName(String field, String name, Map<String, String> problems) {
    if (name == null || name.isBlank() || name.length() > MAX_NAME_CHARS || Ids.hasControlCharacters(name)) {
      problems.put(field, "must be 1-" + MAX_NAME_CHARS + " characters without control characters");
    }
  }

  private static void checkLabels(String field, Map<String, String> labels, Map<String, String> problems) {
    if (labels.size() > MAX_LABELS) {
      problems.put(field, "has " + labels.size() + " labels; at most " + MAX_LABELS);
      return;
    }
    labels.forEach((k, v) -> {
      if (k.isEmpty() || k.length() > MAX_LABEL_CHARS || Ids.hasControlCharacters(k) || k.indexOf('=') >= 0) {
        problems.put(field + "." + k, "a label name is 1-" + MAX_LABEL_CHARS + " characters, no '=' or control characters");
      } else if (v.length() > MAX_LABEL_CHARS || Ids.hasControlCharacters(v)) {
        problems.put(field + "." + k, "a label value is at most " + MAX_LABEL_CHARS + " characters, no control characters");
      }
    });
  }

  private static void checkWindow(String field, String value, Duration min, Map<String, String> problems) {
    try {
      Duration d = DurationValidator.parse(value);
      if (d.compareTo(min) < 0 || d.compareTo(MAX_WINDOW) > 0) {
        problems.put(field, "must be between " + (min.isZero() ? "0s" : min.toSeconds() + "s") + " and 6h");
      }
    } catch (IllegalArgumentException e) {
      problems.put(field, "must be a duration such as 0s, 30s, 1m or 5m");
    }
  }
}
