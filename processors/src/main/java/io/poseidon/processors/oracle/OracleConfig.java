package io.poseidon.processors.oracle;

import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.DurationValidator;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of oracle (indexing triggers, chunking, search, answers). */
public final class OracleConfig extends AbstractConfig {

  public static final String DEBOUNCE = "oracle.debounce";
  public static final String DEBOUNCE_MAX_WAIT = "oracle.debounce.max.wait";
  public static final String INDEXING_INTERVAL = "oracle.indexing.interval";
  public static final String INDEXING_BATCH = "oracle.indexing.batch";
  public static final String INDEXING_BATCH_TIME = "oracle.indexing.batch.time";
  public static final String CHUNK_MAX_TOKENS = "oracle.chunk.max.tokens";
  public static final String CHUNK_TARGET_TOKENS = "oracle.chunk.target.tokens";
  public static final String CHUNK_OVERLAP_TOKENS = "oracle.chunk.overlap.tokens";
  public static final String METRICS_INTERVAL = "oracle.metrics.interval";
  public static final String SEARCH_TIMEOUT = "oracle.search.timeout";
  public static final String CACHE_TTL = "oracle.cache.ttl";
  public static final String MAX_BODY_BYTES = "oracle.max.body.bytes";

  public static final ConfigDef CONFIG = new ConfigDef()
      .define(DEBOUNCE, Type.STRING, "2s", new DurationValidator(Duration.ZERO), Importance.MEDIUM,
          "How long a document must stay unchanged before it is indexed: a burst of changes within it is "
              + "indexed once, as its last version (a durable timer: a restart loses no pending change).")
      .define(DEBOUNCE_MAX_WAIT, Type.STRING, "30s", new DurationValidator(Duration.ZERO), Importance.LOW,
          "Longest a document that keeps changing waits for its indexing, from the first change of the burst.")
      .define(INDEXING_INTERVAL, Type.STRING, "200ms", new DurationValidator(Duration.ofMillis(10)), Importance.LOW,
          "How often each task looks for documents whose debounce ended (wall clock).")
      .define(INDEXING_BATCH, Type.INT, 32, Range.between(1, 10_000), Importance.LOW,
          "Most documents a task indexes in one look (the rest wait for the next one, so a burst does not "
              + "hold the stream thread for long).")
      .define(INDEXING_BATCH_TIME, Type.STRING, "2s", new DurationValidator(Duration.ofMillis(10)), Importance.LOW,
          "Longest a task spends indexing in one look before it lets the stream thread commit (embedding is the "
              + "slow part; a long look would hold the transaction open): the rest wait for the next look.")
      .define(CHUNK_MAX_TOKENS, Type.INT, 500, Range.between(50, 5_000), Importance.LOW,
          "A section of a document up to this many tokens (estimated: 1.3 per word) is one chunk; a longer "
              + "one is cut into windows of oracle.chunk.target.tokens.")
      .define(CHUNK_TARGET_TOKENS, Type.INT, 400, Range.between(20, 5_000), Importance.LOW,
          "Size of the windows a long section is cut into.")
      .define(CHUNK_OVERLAP_TOKENS, Type.INT, 60, Range.between(0, 1_000), Importance.LOW,
          "Tokens two consecutive windows of a long section share.")
      .define(METRICS_INTERVAL, Type.STRING, "10s", new DurationValidator(Duration.ofSeconds(1)), Importance.LOW,
          "How often each task reports its indexing metrics to lighthouse.metrics.")
      .define(SEARCH_TIMEOUT, Type.STRING, "2s", new DurationValidator(Duration.ofMillis(50)), Importance.MEDIUM,
          "How long a search waits for the other nodes' parts before it answers without them (partial: true).")
      .define(CACHE_TTL, Type.STRING, "60s", new DurationValidator(Duration.ZERO), Importance.LOW,
          "How long a search or answer may be served from the query cache (it is dropped sooner when the "
              + "index changes); 0 turns the cache off.")
      .define(MAX_BODY_BYTES, Type.INT, 1024 * 1024, Range.between(1, 3 * 1024 * 1024), Importance.LOW,
          "Largest document body (UTF-8 bytes).");

  public OracleConfig(ConfigSource source) {
    super(CONFIG, source.values(), false);
  }

  public static OracleConfig defaults() {
    return new OracleConfig(ConfigSource.of(Map.of()));
  }

  public static OracleConfig of(Map<String, String> overrides) {
    return new OracleConfig(ConfigSource.of(overrides));
  }

  public Duration duration(String key) {
    return DurationValidator.parse(getString(key));
  }

  public Duration debounce() {
    return duration(DEBOUNCE);
  }

  public Duration debounceMaxWait() {
    return duration(DEBOUNCE_MAX_WAIT);
  }

  public Duration indexingInterval() {
    return duration(INDEXING_INTERVAL);
  }

  public int indexingBatch() {
    return getInt(INDEXING_BATCH);
  }

  public Duration indexingBatchTime() {
    return duration(INDEXING_BATCH_TIME);
  }

  public MarkdownChunker chunker() {
    return new MarkdownChunker(getInt(CHUNK_MAX_TOKENS), getInt(CHUNK_TARGET_TOKENS), getInt(CHUNK_OVERLAP_TOKENS));
  }

  public Duration metricsInterval() {
    return duration(METRICS_INTERVAL);
  }

  public Duration searchTimeout() {
    return duration(SEARCH_TIMEOUT);
  }

  public Duration cacheTtl() {
    return duration(CACHE_TTL);
  }

  public int maxBodyBytes() {
    return getInt(MAX_BODY_BYTES);
  }
}
