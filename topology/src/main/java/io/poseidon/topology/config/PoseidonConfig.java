package io.poseidon.topology.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;

/**
 * The node's typed configuration: Kafka, registry, Streams, topics and HTTP settings shared by every
 * service. Services add their own keys with their own {@link ConfigDef} (see {@code DepthsConfig}).
 * The full list with defaults is in docs/configuration.md (kept in sync by a test).
 */
public final class PoseidonConfig extends AbstractConfig {

  public static final String NODE_ID = "node.id";
  public static final String NODE_SERVICES = "node.services";
  public static final String KAFKA_BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
  public static final String REGISTRY_URL = "registry.url";
  public static final String STREAMS_STATE_DIR = "streams.state.dir";
  public static final String STREAMS_NUM_STREAM_THREADS = "streams.num.stream.threads";
  public static final String STREAMS_PROCESSING_GUARANTEE = "streams.processing.guarantee";
  public static final String STREAMS_COMMIT_INTERVAL_MS = "streams.commit.interval.ms";
  public static final String STREAMS_NUM_STANDBY_REPLICAS = "streams.num.standby.replicas";
  public static final String STREAMS_ROCKSDB_BLOCK_CACHE_BYTES = "streams.rocksdb.block.cache.bytes";
  public static final String STREAMS_ROCKSDB_WRITE_BUFFER_BYTES = "streams.rocksdb.write.buffer.bytes";
  public static final String STREAMS_APPLICATION_ID_PREFIX = "streams.application.id.prefix";
  public static final String TOPICS_REPLICATION_FACTOR = "topics.replication.factor";
  public static final String TOPICS_PARTITIONS = "topics.partitions";
  public static final String HTTP_HOST = "http.host";
  public static final String HTTP_PORT = "http.port";
  public static final String HTTP_ADVERTISED_HOST = "http.advertised.host";
  public static final String HTTP_MAX_BODY_BYTES = "http.max.body.bytes";

  public static final String NODE_ALLOW_SIMULATORS = "node.allow-simulators";
  public static final String REGISTRY_COMPATIBILITY = "registry.compatibility";
  public static final String HTTP_EVENT_LOOPS = "http.event-loops";
  public static final String HTTP_QUERY_THREADS = "http.query.threads";
  public static final String HTTP_PUBLISH_QUEUE_CAPACITY = "http.publish.queue.capacity";
  public static final String HTTP_PUBLISH_MAX_BLOCK_MS = "http.publish.max.block.ms";

  /** Global compatibility rules the node accepts in the registry: BACKWARD or stricter. */
  public static final List<String> COMPATIBILITY_LEVELS =
      List.of("BACKWARD", "BACKWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");

  public static final ConfigDef CONFIG = new ConfigDef()
      .define(NODE_ID, Type.STRING, "node-1", Importance.HIGH,
          "Name of this node in logs, metrics and query responses (served-by).")
      .define(NODE_SERVICES, Type.LIST, List.of("depths"), Importance.HIGH,
          "Services (Kafka Streams topologies) this node runs: names from the services table above.")
      .define(NODE_ALLOW_SIMULATORS, Type.BOOLEAN, false, Importance.MEDIUM,
          "Whether this node may run simulators (sim: a fake deploy agent and CI runner that answer real "
              + "commands with made-up results). ./poseidon dev sets it; keep it false in production.")
      .define(KAFKA_BOOTSTRAP_SERVERS, Type.STRING, "localhost:9092", Importance.HIGH,
          "Kafka bootstrap servers. Other kafka.* keys in the config file are passed to every Kafka client.")
      .define(REGISTRY_URL, Type.STRING, "http://localhost:8081/apis/registry/v2", Importance.HIGH,
          "Apicurio Registry v2 API URL (must end with /apis/registry/v2).")
      .define(REGISTRY_COMPATIBILITY, Type.STRING, "BACKWARD", ValidString.in(COMPATIBILITY_LEVELS.toArray(String[]::new)),
          Importance.MEDIUM, "Global compatibility rule the node makes sure the registry enforces at start-up (a "
              + "stricter rule already set is kept), so that no build can register a schema that breaks readers.")
      .define(STREAMS_APPLICATION_ID_PREFIX, Type.STRING, "poseidon-", Importance.MEDIUM,
          "Prefix of each service's Kafka Streams application.id (application.id = prefix + service).")
      .define(STREAMS_STATE_DIR, Type.STRING, Path.of(".poseidon", "state").toString(), Importance.HIGH,
          "Directory for RocksDB state stores. Keep it on persistent storage: it survives restarts.")
      .define(STREAMS_NUM_STREAM_THREADS, Type.INT, 1, Range.atLeast(1), Importance.MEDIUM,
          "Stream threads per service. More threads than cores hurts.")
      .define(STREAMS_PROCESSING_GUARANTEE, Type.STRING, "exactly_once_v2",
          ValidString.in("exactly_once_v2", "at_least_once"), Importance.MEDIUM,
          "Processing guarantee of every service.")
      .define(STREAMS_COMMIT_INTERVAL_MS, Type.LONG, 100L, Range.atLeast(1), Importance.LOW,
          "How often Streams commits (and, under exactly_once_v2, makes results visible).")
      .define(STREAMS_NUM_STANDBY_REPLICAS, Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
          "Standby replicas of each state store on other nodes (faster fail-over, queries served by standbys).")
      .define(STREAMS_ROCKSDB_BLOCK_CACHE_BYTES, Type.LONG, 16L * 1024 * 1024, Range.atLeast(1024 * 1024),
          Importance.LOW, "RocksDB block cache shared by all stores of a node.")
      .define(STREAMS_ROCKSDB_WRITE_BUFFER_BYTES, Type.LONG, 4L * 1024 * 1024, Range.atLeast(64 * 1024),
          Importance.LOW, "RocksDB memtable size per store.")
      .define(TOPICS_REPLICATION_FACTOR, Type.SHORT, (short) 1, Range.atLeast(1), Importance.HIGH,
          "Replication factor of created topics (catalog and Streams internal topics). 3 in production.")
      .define(TOPICS_PARTITIONS, Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
          "When above 0, overrides the partition count of every catalog topic created by this node.")
      .define(HTTP_HOST, Type.STRING, "127.0.0.1", Importance.HIGH,
          "Interface the gateway binds to (0.0.0.0 for all).")
      .define(HTTP_PORT, Type.INT, 8080, Range.between(0, 65535), Importance.HIGH,
          "Gateway HTTP port (0 picks a free port).")
      .define(HTTP_ADVERTISED_HOST, Type.STRING, "", Importance.MEDIUM,
          "Host other nodes use to reach this node's gateway for forwarded queries "
              + "(Streams application.server). Empty: http.host, or localhost when binding to 0.0.0.0.")
      .define(HTTP_MAX_BODY_BYTES, Type.INT, 3 * 1024 * 1024, Range.atLeast(1024), Importance.LOW,
          "Largest request body the gateway accepts (413 above): room for a knowledge document's 1 MiB body "
              + "in JSON; each operation's own limits (points, batch sizes, oracle.max.body.bytes) are checked after.")
      .define(HTTP_EVENT_LOOPS, Type.INT, 0, Range.between(0, 256), Importance.MEDIUM,
          "HTTP server instances, one verticle per event loop. 0: as many as the machine has cores.")
      .define(HTTP_QUERY_THREADS, Type.INT, 4, Range.between(1, 256), Importance.LOW,
          "Worker threads that read state stores and render answers off the event loop.")
      .define(HTTP_PUBLISH_QUEUE_CAPACITY, Type.INT, 10_000, Range.between(1, 1_000_000), Importance.LOW,
          "Commands waiting to be handed to the Kafka producer; when full the gateway answers 503 with "
              + "Retry-After instead of queueing more.")
      .define(HTTP_PUBLISH_MAX_BLOCK_MS, Type.LONG, 2_000L, Range.between(0, 60_000), Importance.LOW,
          "Longest a command waits for Kafka metadata or producer buffer space before the gateway answers 503.");

  private final ConfigSource source;

  public PoseidonConfig(ConfigSource source) {
    super(CONFIG, source.values(), false);
    this.source = source;
  }

  public ConfigSource source() {
    return source;
  }

  public String nodeId() {
    return getString(NODE_ID);
  }

  public List<String> services() {
    return getList(NODE_SERVICES);
  }

  public String bootstrapServers() {
    return getString(KAFKA_BOOTSTRAP_SERVERS);
  }

  public String registryUrl() {
    return getString(REGISTRY_URL);
  }

  /** Extra Kafka client settings ({@code kafka.*} keys other than bootstrap servers). */
  public Map<String, Object> kafkaClientOverrides() {
    Map<String, Object> extra = source.withPrefixStripped("kafka.");
    extra.remove("bootstrap.servers");
    return extra;
  }

  public String httpHost() {
    return getString(HTTP_HOST);
  }

  public int httpPort() {
    return getInt(HTTP_PORT);
  }

  /** {@code http.event-loops}, with 0 resolved to the number of cores. */
  public int httpEventLoops() {
    int loops = getInt(HTTP_EVENT_LOOPS);
    return loops > 0 ? loops : Runtime.getRuntime().availableProcessors();
  }

  public boolean allowSimulators() {
    return getBoolean(NODE_ALLOW_SIMULATORS);
  }

  public String advertisedHost() {
    String advertised = getString(HTTP_ADVERTISED_HOST);
    if (!advertised.isBlank()) {
      return advertised;
    }
    String host = httpHost();
    return host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
  }
}
