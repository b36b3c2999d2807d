package io.poseidon.processors.lighthouse;

import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.processors.harbor.HarborTopics;
import io.poseidon.schemas.lighthouse.AlertStatus;
import io.poseidon.schemas.lighthouse.LogCounts;
import io.poseidon.schemas.lighthouse.NotificationGroup;
import io.poseidon.schemas.lighthouse.RecentErrors;
import io.poseidon.schemas.lighthouse.SeriesAggregate;
import io.poseidon.schemas.lighthouse.SeriesInfo;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import io.poseidon.topology.streams.StreamsDefaults;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/** lighthouse — metrics aggregation, service health, alerts and anomalies. */
public final class LighthouseModule implements ServiceModule<LighthouseQueries> {

  public static final String NAME = "lighthouse";
  /** Commit (and flush the record cache) once a second, not every 100 ms: see {@link #streamsConfig}. */
  static final long COMMIT_INTERVAL_MS = 1_000L;
  static final long CACHE_BYTES = 128L * 1024 * 1024;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "metrics aggregation, service health, alerts and anomalies";
  }

  @Override
  public ConfigDef config() {
    return LighthouseConfig.CONFIG;
  }

  @Override
  public List<TopicSpec> ownedTopics() {
    return LighthouseTopics.OWNED;
  }

  /** depths' instance changes (live instances) and harbor's deployment events (what runs where). */
  @Override
  public List<TopicSpec> usedTopics() {
    return List.of(DepthsTopics.INSTANCE_CHANGES, HarborTopics.DEPLOYMENT_EVENTS);
  }

  @Override
  public Topology topology(ServiceContext context) {
    return LighthouseTopology.build(context.serdes(), new LighthouseConfig(context.config()), context.clock());
  }

  @Override
  public LighthouseQueries queries(StoreQueries stores, ServiceContext context) {
    return new LighthouseQueries(stores);
  }

  @Override
  public List<Schema> eventRoots() {
    return List.of(SeriesAggregate.getClassSchema(), SeriesInfo.getClassSchema(), LogCounts.getClassSchema(),
        RecentErrors.getClassSchema(), AlertStatus.getClassSchema(), NotificationGroup.getClassSchema());
  }

  /**
   * Metrics and logs are co-partitioned inputs of one task, but nothing needs their records in timestamp
   * order against each other: without this, a task whose logs partition has nothing buffered waits for a
   * fetch to confirm it is empty (up to fetch.max.wait.ms) before it processes metrics — a quarter of the
   * throughput on the benchmark.
   */
  @Override
  public Map<String, Object> streamsConfig() {
    // a commit writes every window changed since the last one into RocksDB: on a slow disk longer than
    // Streams' 10 s transaction timeout (StreamsDefaults.LONG_TRANSACTION_TIMEOUT_MS)
    return Map.ofEntries(Map.entry(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, -1L),
        Map.entry(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS),
        Map.entry(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, CACHE_BYTES),
        StreamsDefaults.longTransactions());
  }

  /** Evaluations every second and short notification timers, so a local stack reacts while you watch. */
  @Override
  public Map<String, String> devDefaults() {
    return Map.of(LighthouseConfig.EVALUATION_INTERVAL, "1s", LighthouseConfig.GROUP_WAIT, "2s",
        LighthouseConfig.GROUP_INTERVAL, "30s", LighthouseConfig.HEALTH_REPEAT, "10s");
  }
}
