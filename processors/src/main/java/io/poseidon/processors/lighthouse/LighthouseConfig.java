package io.poseidon.processors.lighthouse;

import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.DurationValidator;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of lighthouse (metrics, logs, health, alerts, anomalies). */
public final class LighthouseConfig extends AbstractConfig {

  public static final String RETENTION_10S = "lighthouse.retention.10s";
  public static final String RETENTION_1M = "lighthouse.retention.1m";
  public static final String RETENTION_1H = "lighthouse.retention.1h";
  public static final String GRACE = "lighthouse.grace";
  public static final String EVALUATION_INTERVAL = "lighthouse.evaluation.interval";
  public static final String MAX_POINTS = "lighthouse.max.points";
  public static final String HEALTH_WINDOW = "lighthouse.health.window";
  public static final String HEALTH_LATENCY_METRIC = "lighthouse.health.latency.metric";
  public static final String HEALTH_LATENCY_STAT = "lighthouse.health.latency.stat";
  public static final String HEALTH_LATENCY_DEGRADED = "lighthouse.health.latency.degraded.ms";
  public static final String HEALTH_LATENCY_UNHEALTHY = "lighthouse.health.latency.unhealthy.ms";
  public static final String HEALTH_ERRORS_DEGRADED = "lighthouse.health.error.rate.degraded";
  public static final String HEALTH_ERRORS_UNHEALTHY = "lighthouse.health.error.rate.unhealthy";
  public static final String HEALTH_MIN_INSTANCES = "lighthouse.health.min.instances";
  public static final String HEALTH_REPEAT = "lighthouse.health.repeat";
  public static final String HEALTH_MIN_POINTS = "lighthouse.health.min.points";
  public static final String HEALTH_MIN_LOG_LINES = "lighthouse.health.min.log.lines";
  public static final String GROUP_WAIT = "lighthouse.alerts.group.wait";
  public static final String GROUP_INTERVAL = "lighthouse.alerts.group.interval";
  public static final String REPEAT_INTERVAL = "lighthouse.alerts.repeat.interval";
  public static final String RESOLVED_RETENTION = "lighthouse.alerts.resolved.retention";
  public static final String ANOMALY_SENSITIVITY = "lighthouse.anomaly.sensitivity";
  public static final String ANOMALY_WARMUP = "lighthouse.anomaly.warmup.windows";
  public static final String RECENT_ERRORS = "lighthouse.logs.recent.errors";
  public static final String WEBHOOK_URL = "lighthouse.webhook.url";
  public static final String WEBHOOK_ATTEMPTS = "lighthouse.webhook.attempts";
  public static final String WEBHOOK_BACKOFF = "lighthouse.webhook.backoff";

  public static final ConfigDef CONFIG = new ConfigDef()
      .define(RETENTION_10S, Type.STRING, "6h", new DurationValidator(Duration.ofMinutes(1)), Importance.MEDIUM,
          "How long lighthouse keeps 10 s windows of every series.")
      .define(RETENTION_1M, Type.STRING, "7d", new DurationValidator(Duration.ofMinutes(10)), Importance.MEDIUM,
          "How long lighthouse keeps 1 min windows (roll-ups of the 10 s ones) and per-minute log counts.")
      .define(RETENTION_1H, Type.STRING, "90d", new DurationValidator(Duration.ofHours(2)), Importance.MEDIUM,
          "How long lighthouse keeps 1 h windows.")
      .define(GRACE, Type.STRING, "1m", new DurationValidator(Duration.ZERO), Importance.MEDIUM,
          "How late a point may arrive after its 10 s window ended, by the task's event time (the newest point "
              + "or log line it aggregated); later points are counted as late (latePoints in queries), not "
              + "aggregated. Points more than 5 min ahead of the wall clock are counted the same way.")
      .define(EVALUATION_INTERVAL, Type.STRING, "5s", new DurationValidator(Duration.ofMillis(100)), Importance.MEDIUM,
          "How often alert rules, health and notification groups are evaluated (wall clock).")
      .define(MAX_POINTS, Type.INT, 10_000, Range.between(1, 100_000), Importance.LOW,
          "Most points in one POST /api/v1/metrics.")
      .define(HEALTH_WINDOW, Type.STRING, "1m", new DurationValidator(Duration.ofSeconds(10)), Importance.MEDIUM,
          "Default span, ending now, that health statistics are taken over.")
      .define(HEALTH_LATENCY_METRIC, Type.STRING, "http.server.duration", Importance.MEDIUM,
          "Default latency metric of health judgements (points in ms).")
      .define(HEALTH_LATENCY_STAT, Type.STRING, "p99", Importance.MEDIUM,
          "Default latency statistic of health judgements (p50, p90, p95, p99, avg, max).")
      .define(HEALTH_LATENCY_DEGRADED, Type.DOUBLE, 500.0, Range.atLeast(0), Importance.MEDIUM,
          "Default latency (ms) above which a service is DEGRADED.")
      .define(HEALTH_LATENCY_UNHEALTHY, Type.DOUBLE, 1000.0, Range.atLeast(0), Importance.MEDIUM,
          "Default latency (ms) above which a service is UNHEALTHY.")
      .define(HEALTH_ERRORS_DEGRADED, Type.DOUBLE, 0.05, Range.between(0, 1), Importance.MEDIUM,
          "Default error rate (ERROR and FATAL log lines / all) above which a service is DEGRADED.")
      .define(HEALTH_ERRORS_UNHEALTHY, Type.DOUBLE, 0.25, Range.between(0, 1), Importance.MEDIUM,
          "Default error rate above which a service is UNHEALTHY.")
      .define(HEALTH_MIN_INSTANCES, Type.INT, 1, Range.atLeast(0), Importance.MEDIUM,
          "Default number of live instances (depths) below which a service that had them is UNHEALTHY.")
      .define(HEALTH_MIN_POINTS, Type.INT, 5, Range.atLeast(1), Importance.LOW,
          "Latency points a health judgement needs in its window before it compares their statistic.")
      .define(HEALTH_MIN_LOG_LINES, Type.INT, 20, Range.atLeast(1), Importance.LOW,
          "Log lines a health judgement needs in its window before it compares their error rate.")
      .define(HEALTH_REPEAT, Type.STRING, "30s", new DurationValidator(Duration.ofSeconds(1)), Importance.LOW,
          "An unchanged judgement is reported again after this long.")
      .define(GROUP_WAIT, Type.STRING, "30s", new DurationValidator(Duration.ZERO), Importance.MEDIUM,
          "Alertmanager's group_wait: how long a new alert group waits before its first notification.")
      .define(GROUP_INTERVAL, Type.STRING, "5m", new DurationValidator(Duration.ZERO), Importance.MEDIUM,
          "Alertmanager's group_interval: the least time between two notifications of a changed group.")
      .define(REPEAT_INTERVAL, Type.STRING, "4h", new DurationValidator(Duration.ofSeconds(1)), Importance.MEDIUM,
          "Alertmanager's repeat_interval: an unchanged firing group is notified again after this long.")
      .define(RESOLVED_RETENTION, Type.STRING, "1h", new DurationValidator(Duration.ZERO), Importance.LOW,
          "How long a RESOLVED alert stays listed by GET /api/v1/alerts.")
      .define(ANOMALY_SENSITIVITY, Type.DOUBLE, 6.0, Range.atLeast(1), Importance.MEDIUM,
          "Robust z-score (deviation of a 10 s window's mean from the EWMA baseline, in EWMA absolute "
              + "deviations) above which a window is an anomaly; higher: fewer, surer anomalies.")
      .define(ANOMALY_WARMUP, Type.INT, 12, Range.atLeast(2), Importance.LOW,
          "Windows a series' baseline must have seen before it judges anomalies.")
      .define(RECENT_ERRORS, Type.INT, 20, Range.between(1, 1000), Importance.LOW,
          "Error lines kept per service for GET /api/v1/logs/errors.")
      .define(WEBHOOK_URL, Type.STRING, "", Importance.MEDIUM,
          "Where the webhook participant POSTs notifications (JSON); empty: no delivery.")
      .define(WEBHOOK_ATTEMPTS, Type.INT, 5, Range.between(1, 100), Importance.LOW,
          "Deliveries tried per notification before it goes to lighthouse.dlq.")
      .define(WEBHOOK_BACKOFF, Type.STRING, "1s", new DurationValidator(Duration.ZERO), Importance.LOW,
          "Wait before the second delivery attempt; doubled for each further one (at most 1 min).");

  public LighthouseConfig(ConfigSource source) {
    super(CONFIG, source.values(), false);
  }

  public static LighthouseConfig defaults() {
    return new LighthouseConfig(ConfigSource.of(Map.of()));
  }

  public static LighthouseConfig of(Map<String, String> overrides) {
    return new LighthouseConfig(ConfigSource.of(overrides));
  }

  public Duration duration(String key) {
    return DurationValidator.parse(getString(key));
  }

  public Duration retention10s() {
    return duration(RETENTION_10S);
  }

  public Duration retention1m() {
    return duration(RETENTION_1M);
  }

  public Duration retention1h() {
    return duration(RETENTION_1H);
  }

  public Duration grace() {
    return duration(GRACE);
  }

  public Duration evaluationInterval() {
    return duration(EVALUATION_INTERVAL);
  }

  public int maxPoints() {
    return getInt(MAX_POINTS);
  }

  public int recentErrors() {
    return getInt(RECENT_ERRORS);
  }

  public double anomalySensitivity() {
    return getDouble(ANOMALY_SENSITIVITY);
  }

  public int anomalyWarmup() {
    return getInt(ANOMALY_WARMUP);
  }
}
