package io.poseidon.processors.tide;

import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.processors.depths.InstanceDirectory;
import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.processors.oracle.OracleTopics;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.tide.IngestEvent;
import io.poseidon.schemas.tide.RuleEvent;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.tracing.TracedProcessor;
import java.time.Clock;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * tide — ingestion, classification and routing. Reads raw records from {@code tide.ingest} (keyed by
 * {@code <source>/<id>}, so the records a de-duplication compares meet on one partition) and routes each
 * ({@link TideRouter}) to a typed destination — {@code lighthouse.metrics}, {@code lighthouse.logs},
 * {@code oracle.documents} — or {@code tide.archive}. Stores:
 * <ul>
 *   <li>{@code tide-rules-store} (global): the routing rules of {@code tide.routing-rules}, on every node,
 *       kept in the node's {@link RuleBook} by its updater;</li>
 *   <li>{@code tide-instance-store} (global): the instances depths announced on
 *       {@code depths.instance-changes} (their registration events: a global store's values are
 *       serialized under its source topic's registry subject, so they keep that topic's type), for
 *       enrichment;</li>
 *   <li>{@code tide-dedup-store}: the de-duplication log, the (source, id) keys routed, a batch per commit
 *       ({@link DedupLog}: one changelog record per commit instead of one per input);</li>
 *   <li>{@code tide-dedup-index}: the same keys by (source, id) in window-wide buckets, for lookups — a local
 *       store without a changelog (on the heap, or RocksDB with {@code tide.dedup.index=rocksdb}), rebuilt from
 *       the log when the task starts;</li>
 *   <li>{@code tide-counter-store}: per-minute counters by rule and destination, duplicates and dead
 *       letters ({@link TideCounters}, written once per commit; {@link TideQueries#localStats}).</li>
 * </ul>
 */
public final class TideTopology {

  public static final String INGEST_SOURCE = "tide-ingest-source";
  public static final String RULES_SOURCE = "tide-rules-source";
  public static final String RULES_UPDATER = "tide-rules-updater";
  public static final String INSTANCES_SOURCE = "tide-instances-source";
  public static final String INSTANCES_UPDATER = "tide-instances-updater";
  public static final String ROUTER = "tide-router";
  public static final String METRICS_SINK = "tide-metrics-sink";
  public static final String LOGS_SINK = "tide-logs-sink";
  public static final String DOCUMENTS_SINK = "tide-documents-sink";
  public static final String ARCHIVE_SINK = "tide-archive-sink";
  public static final String RULES_STORE = "tide-rules-store";
  public static final String INSTANCE_STORE = "tide-instance-store";
  public static final String DEDUP_STORE = "tide-dedup-store";
  public static final String DEDUP_INDEX = "tide-dedup-index";
  /** The de-duplication stores keep three windows: a record's bucket and the ones on either side. */
  static final int DEDUP_RETENTION_WINDOWS = 3;
  public static final String COUNTER_STORE = "tide-counter-store";

  private TideTopology() {}

  public static Topology build(SerdeFactory serdes, TideConfig config, Clock clock) {
    Serde<String> keys = Serdes.String();
    Serializer<SpecificRecord> values = serdes.anyValueSerializer();
    RuleBook book = new RuleBook();
    Duration window = config.dedupWindow();

    Topology topology = new Topology();
    // global stores restore through their processors, so the rule book is complete after a restart
    topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RULES_STORE), keys,
            serdes.valueSerde(RuleEvent.class)).withLoggingDisabled(), RULES_SOURCE, keys.deserializer(),
        serdes.valueDeserializer(RuleEvent.class), TideTopics.ROUTING_RULES.name(), RULES_UPDATER,
        () -> new GlobalUpdaters.Rules(book));
    topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(INSTANCE_STORE), keys,
            serdes.valueSerde(InstanceEvent.class)).withLoggingDisabled(), INSTANCES_SOURCE, keys.deserializer(),
        serdes.valueDeserializer(InstanceEvent.class), DepthsTopics.INSTANCE_CHANGES.name(), INSTANCES_UPDATER,
        () -> new InstanceDirectory(INSTANCE_STORE));

    topology.addSource(INGEST_SOURCE, keys.deserializer(), serdes.valueDeserializer(IngestEvent.class),
        TideTopics.INGEST.name());
    topology.addProcessor(ROUTER, TracedProcessor.of(TideModule.NAME, () -> new TideRouter(book, config, clock)), INGEST_SOURCE);
    // de-duplication: the log of (source, id) keys, a batch per commit, is the changelogged truth; the index
    // holds them by key, (source, id) → its record time, in buckets of one window (TideRouter.seen looks at
    // three buckets with point lookups: a bloom filter answers a miss without reading). The index has no
    // changelog: the router rebuilds it from the log when its task starts. On the heap by default
    // (tide.dedup.index): a RocksDB write and reads per record halved tide's throughput (ADR 0021)
    Duration dedupRetention = window.multipliedBy(DEDUP_RETENTION_WINDOWS);
    topology.addStateStore(DedupLog.builder(DEDUP_STORE, dedupRetention, window), ROUTER);
    topology.addStateStore(Stores.windowStoreBuilder(config.dedupIndexOnDisk()
        ? Stores.persistentWindowStore(DEDUP_INDEX, dedupRetention, window, false)
        : Stores.inMemoryWindowStore(DEDUP_INDEX, dedupRetention, window, false), keys, Serdes.Long())
        .withCachingDisabled().withLoggingDisabled(), ROUTER);
    // counters: per-minute sums, added in memory and written once per commit
    topology.addStateStore(TideCounters.builder(COUNTER_STORE, config.statsRetention(),
        Duration.ofMillis(TideRouter.COUNTER_WINDOW_MS)), ROUTER);
    topology.addSink(METRICS_SINK, LighthouseTopics.METRICS.name(), keys.serializer(), values, ROUTER);
    topology.addSink(LOGS_SINK, LighthouseTopics.LOGS.name(), keys.serializer(), values, ROUTER);
    topology.addSink(DOCUMENTS_SINK, OracleTopics.DOCUMENTS.name(), keys.serializer(), values, ROUTER);
    topology.addSink(ARCHIVE_SINK, TideTopics.ARCHIVE.name(), keys.serializer(), values, ROUTER);
    return topology;
  }
}
