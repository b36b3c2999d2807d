package io.poseidon.processors.depths;

import io.poseidon.topology.config.ConfigSource;
import java.time.Duration;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of depths (service discovery). */
public final class DepthsConfig extends AbstractConfig {

  public static final String DEFAULT_TTL_SECONDS = "depths.default.ttl.seconds";
  public static final String MAX_TTL_SECONDS = "depths.max.ttl.seconds";
  public static final String EXPIRY_SCAN_INTERVAL_MS = "depths.expiry.scan.interval.ms";

  public static final ConfigDef CONFIG = new ConfigDef()
      .define(DEFAULT_TTL_SECONDS, Type.INT, 30, Range.between(1, 86_400), Importance.MEDIUM,
          "TTL of a registration that does not give ttlSeconds.")
      .define(MAX_TTL_SECONDS, Type.INT, 86_400, Range.between(1, 31 * 86_400), Importance.LOW,
          "Largest ttlSeconds a registration may ask for.")
      .define(EXPIRY_SCAN_INTERVAL_MS, Type.LONG, 1_000L, Range.atLeast(10), Importance.LOW,
          "How often depths looks for instances whose TTL has elapsed (wall-clock punctuation).");

  public DepthsConfig(ConfigSource source) {
    super(CONFIG, source.values(), false);
  }

  public static DepthsConfig defaults() {
    return new DepthsConfig(ConfigSource.of(java.util.Map.of()));
  }

  public int defaultTtlSeconds() {
    return getInt(DEFAULT_TTL_SECONDS);
  }

  public int maxTtlSeconds() {
    return getInt(MAX_TTL_SECONDS);
  }

  public Duration expiryScanInterval() {
    return Duration.ofMillis(getLong(EXPIRY_SCAN_INTERVAL_MS));
  }
}
