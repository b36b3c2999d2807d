package io.poseidon.processors.harbor;

import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.timers.Backoff;
import java.time.Duration;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of harbor (deployment sagas). */
public final class HarborConfig extends AbstractConfig {

  public static final String DEFAULT_HEALTH_GATE_SECONDS = "harbor.default.health.gate.seconds";
  public static final String DEFAULT_STEP_TIMEOUT_SECONDS = "harbor.default.step.timeout.seconds";
  public static final String MAX_ATTEMPTS = "harbor.max.attempts";
  public static final String RETRY_BACKOFF_MS = "harbor.retry.backoff.ms";
  public static final String RETRY_BACKOFF_MAX_MS = "harbor.retry.backoff.max.ms";
  public static final String TIMER_SCAN_INTERVAL_MS = "harbor.timer.scan.interval.ms";

  public static final ConfigDef CONFIG = new ConfigDef()
      .define(DEFAULT_HEALTH_GATE_SECONDS, Type.INT, 10, Range.between(1, HarborValidation.MAX_SECONDS),
          Importance.MEDIUM,
          "How long a service must stay healthy in an environment before promotion, for a request that does "
              + "not give healthGateSeconds.")
      .define(DEFAULT_STEP_TIMEOUT_SECONDS, Type.INT, 60, Range.between(1, HarborValidation.MAX_SECONDS),
          Importance.MEDIUM,
          "How long a deploy agent may take for one deploy or rollback step, for a request that does not give "
              + "stepTimeoutSeconds. A step that times out counts as failed (not retried).")
      .define(MAX_ATTEMPTS, Type.INT, 3, Range.between(1, 100), Importance.MEDIUM,
          "Attempts of one deploy or rollback step (the first try included) when the agent reports a "
              + "retryable failure.")
      .define(RETRY_BACKOFF_MS, Type.LONG, 1_000L, Range.atLeast(1), Importance.LOW,
          "Wait before the first retry of a step; each further retry waits twice as long.")
      .define(RETRY_BACKOFF_MAX_MS, Type.LONG, 30_000L, Range.atLeast(1), Importance.LOW,
          "Longest wait between two attempts of a step.")
      .define(TIMER_SCAN_INTERVAL_MS, Type.LONG, 500L, Range.atLeast(10), Importance.LOW,
          "How often harbor looks for due timers (step timeouts, health gate ends, retries; wall-clock "
              + "punctuation).");

  public HarborConfig(ConfigSource source) {
    super(CONFIG, source.values(), false);
  }

  public static HarborConfig defaults() {
    return new HarborConfig(ConfigSource.of(java.util.Map.of()));
  }

  public int defaultHealthGateSeconds() {
    return getInt(DEFAULT_HEALTH_GATE_SECONDS);
  }

  public int defaultStepTimeoutSeconds() {
    return getInt(DEFAULT_STEP_TIMEOUT_SECONDS);
  }

  public int maxAttempts() {
    return getInt(MAX_ATTEMPTS);
  }

  /**
   * Wait before trying attempt {@code failedAttempt + 1}: {@code retry.backoff.ms × 2^(failedAttempt-1)},
   * at most {@code retry.backoff.max.ms}.
   */
  public Duration retryBackoff(int failedAttempt) {
    return Backoff.exponential(getLong(RETRY_BACKOFF_MS), getLong(RETRY_BACKOFF_MAX_MS), failedAttempt);
  }

  public Duration timerScanInterval() {
    return Duration.ofMillis(getLong(TIMER_SCAN_INTERVAL_MS));
  }
}
