package io.poseidon.topology.streams;

import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.errors.DeadLetterDeserializationHandler;
import io.poseidon.topology.errors.DeadLetterProcessingHandler;
import io.poseidon.topology.errors.DeadLetterProductionHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The Streams settings every Poseidon service runs with, in one place: exactly-once v2, explicit
 * naming of every store and internal topic enforced, dead-letter handlers for the three kinds of
 * errors, bounded RocksDB, {@code acks=all} with idempotence. A service changes nothing here; it
 * only brings its topology.
 */
public final class StreamsDefaults {

  /**
   * The transaction timeout of a service whose transactions can be long: a commit that writes many windows
   * into RocksDB (lighthouse), a punctuation that embeds documents (oracle). Streams' default (10 s) is
   * shorter than such a transaction on a slow machine: the coordinator aborted it and fenced the thread, and
   * its tasks redid the work (load-tests/results/2026-12-03-lighthouse.md, -oracle.md). The cost of a longer
   * one: after a crash, read_committed consumers of the service's topics can wait this long for its open
   * transaction to be aborted. A module puts it in its {@code streamsConfig()} with {@link
   * #longTransactions()}.
   */
  public static final int LONG_TRANSACTION_TIMEOUT_MS = 60_000;

  /** The producer setting of {@link #LONG_TRANSACTION_TIMEOUT_MS}, for a module's {@code streamsConfig()}. */
  public static java.util.Map.Entry<String, Object> longTransactions() {
    return java.util.Map.entry(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG),
        LONG_TRANSACTION_TIMEOUT_MS);
  }

  private StreamsDefaults() {}

  public static String applicationId(PoseidonConfig config, String service) {
    return config.getString(PoseidonConfig.STREAMS_APPLICATION_ID_PREFIX) + service;
  }

  /**
   * @param applicationServer {@code host:port} of this node's gateway, so other nodes can forward
   *     interactive queries here
   */
  public static Properties forService(PoseidonConfig config, String service, String applicationServer) {
    Properties p = new Properties();
    config.kafkaClientOverrides().forEach(p::put);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId(config, service));
    p.put(StreamsConfig.CLIENT_ID_CONFIG, applicationId(config, service) + "-" + config.nodeId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
    p.put(StreamsConfig.STATE_DIR_CONFIG,
        Path.of(config.getString(PoseidonConfig.STREAMS_STATE_DIR)).toAbsolutePath().toString());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.getString(PoseidonConfig.STREAMS_PROCESSING_GUARANTEE));
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.getLong(PoseidonConfig.STREAMS_COMMIT_INTERVAL_MS));
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.getInt(PoseidonConfig.STREAMS_NUM_STREAM_THREADS));
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.getInt(PoseidonConfig.STREAMS_NUM_STANDBY_REPLICAS));
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) config.getShort(PoseidonConfig.TOPICS_REPLICATION_FACTOR));
    p.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
    applyErrorHandling(p, service);
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbConfigSetter.class);
    p.put(BoundedRocksDbConfigSetter.BLOCK_CACHE_BYTES, config.getLong(PoseidonConfig.STREAMS_ROCKSDB_BLOCK_CACHE_BYTES));
    p.put(BoundedRocksDbConfigSetter.WRITE_BUFFER_BYTES, config.getLong(PoseidonConfig.STREAMS_ROCKSDB_WRITE_BUFFER_BYTES));
    p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG), true);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // Static membership: a node that restarts (cleanly or after kill -9) takes its partitions back at
    // once instead of waiting out the session timeout of its previous incarnation. node.id must be
    // unique per node.
    p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG),
        applicationId(config, service) + "-" + config.nodeId());
    return p;
  }

  /** Settings for TopologyTestDriver: the same handlers and naming rules, no broker. */
  public static Properties forTopologyTest(String service) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "test-" + service);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "test:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, tempStateDir(service));
    // at_least_once here only: under exactly_once_v2 TopologyTestDriver drops the dead letters of
    // unreadable records (they sit in a transaction it never commits). Production runs EOS v2, and
    // DepthsTopologyIT checks the same dead letter on the real broker under EOS v2.
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    applyErrorHandling(p, service);
    return p;
  }

  /** A state directory of its own for each driver (TopologyTestDriver deletes it on close). */
  private static String tempStateDir(String service) {
    try {
      return Files.createTempDirectory("poseidon-ttd-" + service + "-").toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a state directory for a topology test", e);
    }
  }

  /** Explicit naming and the dead-letter handlers: identical in production and in topology tests. */
  private static void applyErrorHandling(Properties p, String service) {
    p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, TopicSpec.deadLetterName(service));
    p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProductionHandler.class);
  }
}
