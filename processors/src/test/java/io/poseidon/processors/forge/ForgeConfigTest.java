package io.poseidon.processors.forge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.poseidon.topology.config.ConfigSource;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class ForgeConfigTest {

  @Test
  void shouldHaveDocumentedDefaults() {
    ForgeConfig config = ForgeConfig.defaults();

    assertEquals(0.8, config.defaultMinCoverage());
    assertEquals(0, config.defaultMaxCriticalVulnerabilities());
    assertEquals(60, config.stageTimeoutSeconds());
    assertEquals(3, config.maxAttempts());
    assertEquals(Duration.ofMillis(500), config.timerScanInterval());
  }

  @Test
  void shouldDoubleTheBackoffUpToItsMaximum() {
    ForgeConfig config = new ForgeConfig(ConfigSource.of(Map.of(
        ForgeConfig.RETRY_BACKOFF_MS, "1000", ForgeConfig.RETRY_BACKOFF_MAX_MS, "5000")));

    assertEquals(Duration.ofMillis(1000), config.retryBackoff(1));
    assertEquals(Duration.ofMillis(2000), config.retryBackoff(2));
    assertEquals(Duration.ofMillis(4000), config.retryBackoff(3));
    assertEquals(Duration.ofMillis(5000), config.retryBackoff(4));
    assertEquals(Duration.ofMillis(5000), config.retryBackoff(60));
  }

  @Test
  void shouldRejectACoverageDefaultOutsideZeroToOne() {
    assertThrows(ConfigException.class,
        () -> new ForgeConfig(ConfigSource.of(Map.of(ForgeConfig.DEFAULT_MIN_COVERAGE, "1.2"))));
  }
}
