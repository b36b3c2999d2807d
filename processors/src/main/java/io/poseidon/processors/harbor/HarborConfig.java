package io.poseidon.processors.harbor;

import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.saga.SagaSettings;
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
  public static final String MAX_ATTEMPTS = SagaSettings.maxAttemptsKey(HarborModule.NAME);
  public static final String RETRY_BACKOFF_MS = SagaSettings.retryBackoffKey(HarborModule.NAME);
  public static final String RETRY_BACKOFF_MAX_MS = SagaSettings.retryBackoffMaxKey(HarborModule.NAME);
  public static final String TIMER_SCAN_INTERVAL_MS = SagaSettings.timerScanIntervalKey(HarborModule.NAME);
  public static final String RETENTION = SagaSettings.retentionKey(HarborModule.NAME);

  public static final ConfigDef CONFIG = new ConfigDef()
      .define(DEFAULT_HEALTH_GATE_SECONDS, Type.INT, 10, Range.between(1, HarborValidation.MAX_SECONDS),
          Importance.MEDIUM,
          "How long a service must stay healthy in an environment before promotion, for a request that does "
              + "not give healthGateSeconds.")
      .define(DEFAULT_STEP_TIMEOUT_SECONDS, Type.INT, 60, Range.between(1, HarborValidation.MAX_SECONDS),
          Importance.MEDIUM,
          "How long a deploy agent may take for one deploy or rollback step, for a request that does not give "
              + "stepTimeoutSeconds. A step that times out counts as failed (not retried).");

  static {
    SagaSettings.defineRetries(CONFIG, HarborModule.NAME, "deploy or rollback step");
    SagaSettings.defineTimersAndRetention(CONFIG, HarborModule.NAME, 500L,
        "step timeouts, health gate ends, retries", "deployments (state and history)");
  }

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
    return SagaSettings.maxAttempts(this, HarborModule.NAME);
  }

  /**
   * Wait before trying attempt {@code failedAttempt + 1}: {@code retry.backoff.ms × 2^(failedAttempt-1)},
   * at most {@code retry.backoff.max.ms}.
   */
  public Duration retryBackoff(int failedAttempt) {
    return SagaSettings.retryBackoff(this, HarborModule.NAME, failedAttempt);
  }

  public Duration timerScanInterval() {
    return SagaSettings.timerScanInterval(this, HarborModule.NAME);
  }

  /** How long a finished deployment stays queryable. */
  public Duration retention() {
    return SagaSettings.retention(this, HarborModule.NAME);
  }
}
