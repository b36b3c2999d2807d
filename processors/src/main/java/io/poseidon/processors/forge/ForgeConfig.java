package io.poseidon.processors.forge;

import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.saga.SagaSettings;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of forge (pipeline runs). */
public final class ForgeConfig extends AbstractConfig {

  public static final String DEFAULT_MIN_COVERAGE = "forge.default.min.coverage";
  public static final String DEFAULT_MAX_CRITICAL_VULNERABILITIES = "forge.default.max.critical.vulnerabilities";
  public static final String STAGE_TIMEOUT_SECONDS = "forge.stage.timeout.seconds";
  public static final String MAX_ATTEMPTS = SagaSettings.maxAttemptsKey(ForgeModule.NAME);
  public static final String RETRY_BACKOFF_MS = SagaSettings.retryBackoffKey(ForgeModule.NAME);
  public static final String RETRY_BACKOFF_MAX_MS = SagaSettings.retryBackoffMaxKey(ForgeModule.NAME);
  public static final String TIMER_SCAN_INTERVAL_MS = SagaSettings.timerScanIntervalKey(ForgeModule.NAME);
  public static final String RETENTION = SagaSettings.retentionKey(ForgeModule.NAME);

  /** Longest stage timeout: one day. */
  public static final int MAX_SECONDS = 86_400;

  public static final ConfigDef CONFIG = new ConfigDef()
      .define(DEFAULT_MIN_COVERAGE, Type.DOUBLE, 0.8, Range.between(0.0, 1.0), Importance.MEDIUM,
          "Quality gate of the test stage for a request that does not give minCoverage: the stage's "
              + "'coverage' metric (0-1) must reach this. 0 turns the gate off.")
      .define(DEFAULT_MAX_CRITICAL_VULNERABILITIES, Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
          "Quality gate of the security stage for a request that does not give maxCriticalVulnerabilities: "
              + "the stage's 'criticalVulnerabilities' metric must not exceed this.")
      .define(STAGE_TIMEOUT_SECONDS, Type.INT, 60, Range.between(1, MAX_SECONDS), Importance.MEDIUM,
          "How long a runner may take for one stage attempt. A stage that times out fails the run (not "
              + "retried).");

  static {
    SagaSettings.defineRetries(CONFIG, ForgeModule.NAME, "stage");
    SagaSettings.defineTimersAndRetention(CONFIG, ForgeModule.NAME, 500L, "stage timeouts, retries",
        "pipeline runs");
  }

  public ForgeConfig(ConfigSource source) {
    super(CONFIG, source.values(), false);
  }

  public static ForgeConfig defaults() {
    return new ForgeConfig(ConfigSource.of(Map.of()));
  }

  public double defaultMinCoverage() {
    return getDouble(DEFAULT_MIN_COVERAGE);
  }

  public int defaultMaxCriticalVulnerabilities() {
    return getInt(DEFAULT_MAX_CRITICAL_VULNERABILITIES);
  }

  public int stageTimeoutSeconds() {
    return getInt(STAGE_TIMEOUT_SECONDS);
  }

  public int maxAttempts() {
    return SagaSettings.maxAttempts(this, ForgeModule.NAME);
  }

  /**
   * Wait before trying attempt {@code failedAttempt + 1}: {@code retry.backoff.ms × 2^(failedAttempt-1)},
   * at most {@code retry.backoff.max.ms}.
   */
  public Duration retryBackoff(int failedAttempt) {
    return SagaSettings.retryBackoff(this, ForgeModule.NAME, failedAttempt);
  }

  public Duration timerScanInterval() {
    return SagaSettings.timerScanInterval(this, ForgeModule.NAME);
  }

  /** How long a finished pipeline run stays queryable. */
  public Duration retention() {
    return SagaSettings.retention(this, ForgeModule.NAME);
  }
}
