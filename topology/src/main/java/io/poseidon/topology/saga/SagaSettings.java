package io.poseidon.topology.saga;

import io.poseidon.topology.config.DurationValidator;
import io.poseidon.topology.timers.Backoff;
import java.time.Duration;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The config keys every saga has, defined once with the service's prefix: how often it scans for due
 * timers ({@code <service>.timer.scan.interval.ms}), how long finished work is kept
 * ({@code <service>.retention}, a duration such as {@code 30d}) and, for sagas that retry, attempts and backoff
 * ({@code <service>.max.attempts}, {@code .retry.backoff.ms}, {@code .retry.backoff.max.ms}).
 */
public final class SagaSettings {

  private SagaSettings() {}

  public static String timerScanIntervalKey(String service) {
    return service + ".timer.scan.interval.ms";
  }

  public static String retentionKey(String service) {
    return service + ".retention";
  }

  public static String maxAttemptsKey(String service) {
    return service + ".max.attempts";
  }

  public static String retryBackoffKey(String service) {
    return service + ".retry.backoff.ms";
  }

  public static String retryBackoffMaxKey(String service) {
    return service + ".retry.backoff.max.ms";
  }

  /**
   * @param timers what the timers are for, in words: "step timeouts, health gate ends, retries"
   * @param finished what is finished and kept: "deployments (with their history)"
   */
  public static ConfigDef defineTimersAndRetention(ConfigDef def, String service, long scanIntervalMs, String timers,
      String finished) {
    return def
        .define(timerScanIntervalKey(service), Type.LONG, scanIntervalMs, Range.atLeast(10), Importance.LOW,
            "How often " + service + " looks for due timers (" + timers + "; wall-clock punctuation).")
        .define(retentionKey(service), Type.STRING, "30d", new DurationValidator(Duration.ofSeconds(1)), Importance.MEDIUM,
            "How long finished " + finished + " stay in " + service + "'s stores (queryable) before they are "
                + "removed with tombstones; their events stay on the topics.");
  }

  /** @param unit what is retried, in words: "deploy or rollback step", "stage" */
  public static ConfigDef defineRetries(ConfigDef def, String service, String unit) {
    return def
        .define(maxAttemptsKey(service), Type.INT, 3, Range.between(1, 100), Importance.MEDIUM,
            "Attempts of one " + unit + " (the first try included) when the participant reports a retryable "
                + "failure.")
        .define(retryBackoffKey(service), Type.LONG, 1_000L, Range.atLeast(1), Importance.LOW,
            "Wait before the first retry of a " + unit + "; each further retry waits twice as long.")
        .define(retryBackoffMaxKey(service), Type.LONG, 30_000L, Range.atLeast(1), Importance.LOW,
            "Longest wait between two attempts of a " + unit + ".");
  }

  public static Duration timerScanInterval(AbstractConfig config, String service) {
    return Duration.ofMillis(config.getLong(timerScanIntervalKey(service)));
  }

  public static Duration retention(AbstractConfig config, String service) {
    return DurationValidator.parse(config.getString(retentionKey(service)));
  }

  public static int maxAttempts(AbstractConfig config, String service) {
    return config.getInt(maxAttemptsKey(service));
  }

  /**
   * Wait before trying attempt {@code failedAttempt + 1}: {@code retry.backoff.ms × 2^(failedAttempt-1)},
   * at most {@code retry.backoff.max.ms}.
   */
  public static Duration retryBackoff(AbstractConfig config, String service, int failedAttempt) {
    return Backoff.exponential(config.getLong(retryBackoffKey(service)), config.getLong(retryBackoffMaxKey(service)),
        failedAttempt);
  }
}
