package io.poseidon.processors.tide;

import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.DurationValidator;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of tide (ingestion and routing). */
public final class TideConfig extends AbstractConfig {

  public static final String DEDUP_WINDOW = "tide.dedup.window";
  public static final String STATS_RETENTION = "tide.stats.retention";
  public static final String MAX_PAYLOAD_BYTES = "tide.max.payload.bytes";
  public static final String MAX_BATCH = "tide.max.batch";
  public static final String DEDUP_INDEX = "tide.dedup.index";

  public static final ConfigDef CONFIG = new ConfigDef()
      .define(DEDUP_WINDOW, Type.STRING, "10m", new DurationValidator(Duration.ofSeconds(1)), Importance.MEDIUM,
          "A raw record whose (source, id) tide saw within this window is a duplicate: counted, not routed.")
      .define(STATS_RETENTION, Type.STRING, "7d", new DurationValidator(Duration.ofMinutes(1)), Importance.LOW,
          "How long tide keeps its per-minute counters (routed by rule and destination, duplicates, dead letters).")
      .define(MAX_PAYLOAD_BYTES, Type.INT, 256 * 1024, Range.between(1024, 8 * 1024 * 1024), Importance.LOW,
          "Largest payload of one raw record (its JSON text).")
      .define(DEDUP_INDEX, Type.STRING, "memory", ConfigDef.ValidString.in("memory", "rocksdb"), Importance.LOW,
          "Where the de-duplication index lives: memory (the keys of the last three windows on the heap, about "
              + "150 bytes each: fastest) or rocksdb (on disk, for windows holding millions of keys). Either way it "
              + "is rebuilt from the changelogged log tide-dedup-store when a task starts.")
      .define(MAX_BATCH, Type.INT, 1000, Range.between(1, 10_000), Importance.LOW,
          "Most raw records in one POST /api/v1/ingest.");

  public TideConfig(ConfigSource source) {
    super(CONFIG, source.values(), false);
  }

  public static TideConfig defaults() {
    return new TideConfig(ConfigSource.of(Map.of()));
  }

  public Duration dedupWindow() {
    return DurationValidator.parse(getString(DEDUP_WINDOW));
  }

  public Duration statsRetention() {
    return DurationValidator.parse(getString(STATS_RETENTION));
  }

  public int maxPayloadBytes() {
    return getInt(MAX_PAYLOAD_BYTES);
  }

  /** True when the de-duplication index is a RocksDB store, false for the heap. */
  public boolean dedupIndexOnDisk() {
    return getString(DEDUP_INDEX).equals("rocksdb");
  }

  public int maxBatch() {
    return getInt(MAX_BATCH);
  }
}
