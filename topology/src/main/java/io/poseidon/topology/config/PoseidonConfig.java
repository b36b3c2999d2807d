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
  public static final String NODE_PEER_CHECK_INTERVAL = "node.peer-check.interval";
  public static final String NODE_PEER_CHECK_FAILURES = "node.peer-check.failures";
  public static final String REGISTRY_COMPATIBILITY = "registry.compatibility";
  public static final String HTTP_EVENT_LOOPS = "http.event-loops";
  public static final String HTTP_QUERY_THREADS = "http.query.threads";
  public static final String HTTP_PUBLISH_QUEUE_CAPACITY = "http.publish.queue.capacity";
  public static final String HTTP_PUBLISH_MAX_BLOCK_MS = "http.publish.max.block.ms";

  public static final String HTTP_AUTH_MODE = "http.auth.mode";
  public static final String HTTP_AUTH_ANONYMOUS_ROLE = "http.auth.anonymous-role";
  public static final String HTTP_AUTH_ADMIN_KEY_FILE = "http.auth.admin-key-file";
  public static final String HTTP_AUTH_PROD_ENVIRONMENTS = "http.auth.prod-environments";
  public static final String HTTP_AUTH_JWT_ALGORITHMS = "http.auth.jwt.algorithms";
  public static final String HTTP_AUTH_JWT_PUBLIC_KEY_FILE = "http.auth.jwt.public-key-file";
  public static final String HTTP_AUTH_JWT_JWKS_FILE = "http.auth.jwt.jwks-file";
  public static final String HTTP_AUTH_JWT_ISSUER = "http.auth.jwt.issuer";
  public static final String HTTP_AUTH_JWT_AUDIENCE = "http.auth.jwt.audience";
  public static final String HTTP_AUTH_JWT_LEEWAY_SECONDS = "http.auth.jwt.leeway-seconds";
  public static final String HTTP_AUTH_JWT_ROLES_CLAIM = "http.auth.jwt.roles-claim";
  public static final String HTTP_AUTH_JWT_SERVICES_CLAIM = "http.auth.jwt.services-claim";
  public static final String HTTP_RATE_LIMIT_REQUESTS_PER_SECOND = "http.rate-limit.requests-per-second";
  public static final String HTTP_RATE_LIMIT_BURST = "http.rate-limit.burst";
  public static final String HTTP_STREAM_CLIENT_BUFFER = "http.stream.client-buffer";
  public static final String HTTP_STREAM_REPLAY_RECORDS = "http.stream.replay-records";
  public static final String HTTP_STREAM_REPLAY_BYTES = "http.stream.replay-bytes";
  public static final String HTTP_STREAM_HEARTBEAT = "http.stream.heartbeat";
  public static final String HTTP_STREAM_MAX_CLIENTS = "http.stream.max-clients";
  public static final String HTTP_STREAM_CATCH_UP_CONSUMERS = "http.stream.catch-up-consumers";
  public static final String HTTP_STREAM_MAX_VALUE_BYTES = "http.stream.max-value-bytes";
  public static final String HTTP_CORS_ALLOWED_ORIGINS = "http.cors.allowed-origins";

  public static final String TRACING_EXPORTER = "tracing.exporter";
  public static final String TRACING_SERVICE_NAME = "tracing.service-name";
  public static final String TRACING_OTLP_ENDPOINT = "tracing.otlp.endpoint";

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
      .define(STREAMS_NUM_STANDBY_REPLICAS, Type.INT, 1, Range.atLeast(0), Importance.MEDIUM,
          "Standby replicas of each state store on other nodes: when a node crashes, its keys are answered by a "
              + "standby at once (Poseidon-Replica: standby) and its tasks move to a warm copy. One node alone has "
              + "none whatever this says (a standby lives on another node). docs/live.md says what a crash costs.")
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
          "Longest a command waits for Kafka metadata or producer buffer space before the gateway answers 503.")
      .define(HTTP_AUTH_MODE, Type.STRING, "required", ValidString.in("required", "none"), Importance.HIGH,
          "required: every route but health, readiness, metrics and the contract needs an identity (an API key "
              + "or a JWT, docs/security.md) or the anonymous role; the node refuses to start without an identity "
              + "source (an admin key file or JWT keys). none: no access control at all, every caller is an admin and "
              + "nothing is rate-limited (behind your own authenticating proxy only; the node says so loudly).")
      .define(HTTP_AUTH_ANONYMOUS_ROLE, Type.STRING, "none", ValidString.in("none", "viewer", "developer", "operator"),
          Importance.HIGH, "Role of a request without credentials (none: it is answered 401). Never admin; secrets "
              + "and API keys always need an identity. ./poseidon dev sets operator.")
      .define(HTTP_AUTH_ADMIN_KEY_FILE, Type.STRING, "", Importance.HIGH,
          "File holding an admin API key (psk_...) the node makes valid at start-up: how the first admin gets in "
              + "before any key was created through the API. ./poseidon dev writes .poseidon/admin-key (mode 600) "
              + "on its first start. Empty: none.")
      .define(HTTP_AUTH_PROD_ENVIRONMENTS, Type.LIST, List.of("prod", "production"), Importance.MEDIUM,
          "Environments whose changes need the operator role where an operation names an environment "
              + "(deployments, configuration).")
      .define(HTTP_AUTH_JWT_ALGORITHMS, Type.LIST, List.of("RS256", "ES256"), Importance.MEDIUM,
          "The only JWS algorithms a bearer token may be signed with (none is never accepted; an HS* algorithm "
              + "only with a JWKS oct key).")
      .define(HTTP_AUTH_JWT_PUBLIC_KEY_FILE, Type.STRING, "", Importance.HIGH,
          "PEM public key (RSA or EC) that verifies bearer tokens, for the first algorithm of its type in "
              + HTTP_AUTH_JWT_ALGORITHMS + ". Empty: none.")
      .define(HTTP_AUTH_JWT_JWKS_FILE, Type.STRING, "", Importance.HIGH,
          "JWKS file ({\"keys\": [...]}) whose keys verify bearer tokens; keys of algorithms outside "
              + HTTP_AUTH_JWT_ALGORITHMS + " are ignored. Empty: none.")
      .define(HTTP_AUTH_JWT_ISSUER, Type.STRING, "", Importance.HIGH,
          "Required iss of bearer tokens (empty: not checked; set it in production).")
      .define(HTTP_AUTH_JWT_AUDIENCE, Type.STRING, "poseidon", Importance.HIGH,
          "Required aud of bearer tokens.")
      .define(HTTP_AUTH_JWT_LEEWAY_SECONDS, Type.INT, 30, Range.between(0, 300), Importance.LOW,
          "Clock skew allowed when checking exp and nbf.")
      .define(HTTP_AUTH_JWT_ROLES_CLAIM, Type.STRING, "roles", Importance.MEDIUM,
          "Claim holding the token's roles (a string or an array; a dotted path such as realm_access.roles "
              + "reaches into objects); the highest Poseidon role named wins.")
      .define(HTTP_AUTH_JWT_SERVICES_CLAIM, Type.STRING, "services", Importance.LOW,
          "Claim limiting a token to some services (an array; absent: every service).")
      .define(HTTP_RATE_LIMIT_REQUESTS_PER_SECOND, Type.DOUBLE, 500.0, Range.atLeast(0), Importance.MEDIUM,
          "Requests per second each principal may make to this node, per route class (reads, writes); 429 with "
              + "Retry-After beyond it. Health, readiness, metrics and the contract are not limited. 0: no limit.")
      .define(HTTP_RATE_LIMIT_BURST, Type.INT, 0, Range.atLeast(0), Importance.MEDIUM,
          "Requests a principal may make at once above the rate (the token bucket's size). 0: twice "
              + HTTP_RATE_LIMIT_REQUESTS_PER_SECOND + ".")
      .define(NODE_PEER_CHECK_INTERVAL, Type.STRING, "1s", new DurationValidator(java.time.Duration.ofMillis(100)),
          Importance.LOW, "How often a node checks that the other nodes of its services still accept connections.")
      .define(NODE_PEER_CHECK_FAILURES, Type.INT, 2, Range.atLeast(0), Importance.MEDIUM,
          "Checks in a row a node's port must refuse connections before the other nodes remove its static members "
              + "from the services' consumer groups, so its tasks move to the live nodes now rather than after the "
              + "session timeout (a crashed process refuses at once; a slow one does not count). 0: never; wait "
              + "for the session timeout.")
      .define(HTTP_STREAM_CLIENT_BUFFER, Type.INT, 1_000, Range.between(1, 1_000_000), Importance.MEDIUM,
          "Events a live stream client may have waiting (its connection slower than the events); one more and it "
              + "is closed with a reason (WebSocket 1008, an SSE comment) and may resume from its last id.")
      .define(HTTP_STREAM_REPLAY_RECORDS, Type.INT, 10_000, Range.between(0, 10_000_000), Importance.LOW,
          "Latest events each topic's live feed keeps, so a client resuming close behind needs no consumer of its "
              + "own; one resuming from further back reads the history first (http.stream.catch-up-consumers).")
      .define(HTTP_STREAM_REPLAY_BYTES, Type.LONG, 32L * 1024 * 1024, Range.atLeast(0), Importance.LOW,
          "Heap each topic's replay buffer may take (whichever of it and http.stream.replay-records is hit first).")
      .define(HTTP_STREAM_HEARTBEAT, Type.STRING, "15s", new DurationValidator(java.time.Duration.ofSeconds(1)), Importance.LOW,
          "How often an idle live stream sends a heartbeat (an SSE comment, a WebSocket ping) so proxies keep it open.")
      .define(HTTP_STREAM_MAX_CLIENTS, Type.INT, 10_000, Range.atLeast(1), Importance.MEDIUM,
          "Live stream clients one node serves; beyond it a new one is answered 503 with Retry-After.")
      .define(HTTP_STREAM_CATCH_UP_CONSUMERS, Type.INT, 8, Range.between(1, 1_000), Importance.LOW,
          "Clients that may read history (from=earliest, an old position) with a consumer of their own at once; "
              + "more are answered 503 with Retry-After.")
      .define(HTTP_STREAM_MAX_VALUE_BYTES, Type.INT, 1024 * 1024, Range.atLeast(1024), Importance.LOW,
          "Largest event value a live stream sends as JSON; a larger one is sent as {\"truncated\": true, \"chars\": n}.")
      .define(HTTP_CORS_ALLOWED_ORIGINS, Type.LIST, List.of(), Importance.MEDIUM,
          "Origins browsers may call the API from (exact, e.g. https://portal.example.com); empty: no CORS.")
      .define(TRACING_EXPORTER, Type.STRING, "none", ValidString.in("none", "otlp"), Importance.MEDIUM,
          "Where the node's spans go: none (off: trace ids still travel with every event, no span is recorded) "
              + "or otlp (OpenTelemetry Protocol, to tracing.otlp.endpoint). The standard OTEL_TRACES_EXPORTER "
              + "wins when set (docs/tracing.md).")
      .define(TRACING_OTLP_ENDPOINT, Type.STRING, "", Importance.MEDIUM,
          "OTLP endpoint of the collector (http/protobuf: http://collector:4318); empty: OpenTelemetry's default "
              + "(http://localhost:4318). OTEL_EXPORTER_OTLP_ENDPOINT wins when set.")
      .define(TRACING_SERVICE_NAME, Type.STRING, "poseidon", Importance.LOW,
          "service.name of the node's spans (each span names its Poseidon service too); OTEL_SERVICE_NAME wins "
              + "when set.");

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
