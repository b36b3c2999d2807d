package io.poseidon.processors.anchor;

import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.DurationValidator;
import io.poseidon.topology.validation.Ids;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigException;

/** Settings of anchor (configuration and secrets). */
public final class AnchorConfig extends AbstractConfig {

  public static final String MASTER_KEYS_FILE = "anchor.master-keys.file";
  public static final String MASTER_KEY_ID = "anchor.master-key.id";
  public static final String MASTER_KEYS_GENERATE = "anchor.master-keys.generate";
  public static final String APPLY_TIMEOUT = "anchor.apply.timeout";
  public static final String ROTATION_INTERVAL = "anchor.rotation.interval";
  public static final String ROTATION_BATCH = "anchor.rotation.batch";
  public static final String OUTCOME_RETENTION = "anchor.outcome.retention";
  public static final String CONFIG_MAX_KEYS = "anchor.config.max-keys";
  public static final String CONFIG_MAX_VALUE_CHARS = "anchor.config.max-value-chars";
  public static final String SECRET_MAX_BYTES = "anchor.secret.max-bytes";

  public static final ConfigDef CONFIG = new ConfigDef()
      .define(MASTER_KEYS_FILE, Type.STRING, "", Importance.HIGH,
          "The master key file: one line keyId=base64(32 random bytes) per key ('#' starts a comment). Required on a "
              + "node that runs anchor; keys are never read from anywhere else. Keep it mode 600.")
      .define(MASTER_KEY_ID, Type.STRING, "k1", Importance.HIGH,
          "The master key (an id in anchor.master-keys.file) that wraps new data keys until a rotation "
              + "(POST /api/v1/secrets/rotate-master-key) names another.")
      .define(MASTER_KEYS_GENERATE, Type.BOOLEAN, false, Importance.LOW,
          "Development only (./poseidon dev sets it): create anchor.master-keys.file with one random key named "
              + "anchor.master-key.id when the file is missing.")
      .define(APPLY_TIMEOUT, Type.STRING, "5s", new DurationValidator(Duration.ofMillis(100)), Importance.LOW,
          "How long a config or secret write waits for anchor's decision (its version, or a conflict) before it "
              + "answers 202 without one.")
      .define(ROTATION_INTERVAL, Type.STRING, "1s", new DurationValidator(Duration.ofMillis(10)), Importance.LOW,
          "How often each task re-wraps a batch of its data keys during a master key rotation.")
      .define(ROTATION_BATCH, Type.INT, 100, Range.between(1, 100_000), Importance.LOW,
          "Most secret versions one task re-wraps per rotation interval.")
      .define(OUTCOME_RETENTION, Type.STRING, "1h", new DurationValidator(Duration.ofSeconds(1)), Importance.LOW,
          "How long the outcome of a command (what a write waits for) is kept.")
      .define(CONFIG_MAX_KEYS, Type.INT, 1000, Range.between(1, 100_000), Importance.LOW,
          "Most keys in one configuration version.")
      .define(CONFIG_MAX_VALUE_CHARS, Type.INT, 8192, Range.between(1, 1024 * 1024), Importance.LOW,
          "Longest configuration value.")
      .define(SECRET_MAX_BYTES, Type.INT, 64 * 1024, Range.between(1, 512 * 1024), Importance.LOW,
          "Largest secret value (UTF-8 bytes).");

  public AnchorConfig(ConfigSource source) {
    super(CONFIG, source.values(), false);
    if (!Ids.isId(getString(MASTER_KEY_ID))) {
      throw new ConfigException(MASTER_KEY_ID, getString(MASTER_KEY_ID), Ids.ID_RULE);
    }
  }

  public static AnchorConfig defaults() {
    return new AnchorConfig(ConfigSource.of(Map.of()));
  }

  /** The master key file, or null when not set. */
  public Path masterKeysFile() {
    String file = getString(MASTER_KEYS_FILE).trim();
    return file.isEmpty() ? null : Path.of(file);
  }

  public String masterKeyId() {
    return getString(MASTER_KEY_ID);
  }

  public boolean generateMasterKeys() {
    return getBoolean(MASTER_KEYS_GENERATE);
  }

  public Duration applyTimeout() {
    return DurationValidator.parse(getString(APPLY_TIMEOUT));
  }

  public Duration rotationInterval() {
    return DurationValidator.parse(getString(ROTATION_INTERVAL));
  }

  public int rotationBatch() {
    return getInt(ROTATION_BATCH);
  }

  public Duration outcomeRetention() {
    return DurationValidator.parse(getString(OUTCOME_RETENTION));
  }

  public int configMaxKeys() {
    return getInt(CONFIG_MAX_KEYS);
  }

  public int configMaxValueChars() {
    return getInt(CONFIG_MAX_VALUE_CHARS);
  }

  public int secretMaxBytes() {
    return getInt(SECRET_MAX_BYTES);
  }
}
