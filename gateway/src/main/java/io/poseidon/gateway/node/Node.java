package io.poseidon.gateway.node;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.poseidon.gateway.http.ApiContract;
import io.poseidon.gateway.http.EventPublisher;
import io.poseidon.gateway.http.GatewayServer;
import io.poseidon.gateway.http.OffLoop;
import io.poseidon.gateway.http.QueryForwarder;
import io.poseidon.gateway.http.Responses;
import io.poseidon.gateway.http.ContractValidation;
import io.poseidon.gateway.http.RouteContext;
import io.poseidon.gateway.http.StreamRoutes;
import io.poseidon.gateway.http.TopicRoutes;
import io.poseidon.gateway.live.LiveHub;
import io.poseidon.gateway.live.LiveMessage;
import io.poseidon.gateway.http.auth.AccessControl;
import io.poseidon.gateway.http.auth.AdminKeyFile;
import io.poseidon.gateway.http.auth.ApiKeyDirectory;
import io.poseidon.gateway.http.auth.ApiKeyRoutes;
import io.poseidon.gateway.http.auth.ApiKeys;
import io.poseidon.gateway.http.auth.JwtVerifier;
import io.poseidon.topology.catalog.TopicProvisioner;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.runtime.ServiceRuntime;
import io.poseidon.topology.serde.RegistryRules;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.streams.StreamsDefaults;
import io.poseidon.topology.tracing.Tracing;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import java.time.Clock;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Poseidon node: the Vert.x gateway plus the services named in {@code node.services}, each a
 * Kafka Streams topology run through {@link ServiceRuntime}. Start-up order: check the services asked
 * for, the registry (and its compatibility rule) and Kafka (clear errors when they are not there),
 * create or verify the topics of the services it runs, bind HTTP (so {@code application.server}
 * names the real port), start the services. {@code /ready} turns 200 when every service is RUNNING;
 * until a service runs, its queries answer 503.
 */
public final class Node implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Node.class);

  private final PoseidonConfig config;
  private final Vertx vertx;
  private final Admin admin;
  private final EventPublisher publisher;
  private LiveHub liveHub;
  private PeerWatch peerWatch;
  private final QueryForwarder forwarder;
  private final OffLoop queryPool;
  private final Map<String, ServiceRuntime> runtimes = new LinkedHashMap<>();
  private final Map<String, QueryHolder<?>> queryHolders = new LinkedHashMap<>();
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<AutoCloseable> meterBinders = new ArrayList<>();
  private final ServiceMeters serviceMeters = new ServiceMeters(metrics);
  private final List<String> deployments = new ArrayList<>();
  private final ApiKeys apiKeys = new ApiKeys();
  private ApiKeyDirectory keyDirectory;
  private JwtVerifier jwt;
  private int httpPort = -1;
  private Tracing tracing = Tracing.off();
  private boolean ownsTracing;

  /** A service's query facade, set once its Streams client exists; until then queries answer 503. */
  private static final class QueryHolder<Q> {
    private final String service;
    private volatile Q queries;

    QueryHolder(String service) {
      this.service = service;
    }

    Q get() {
      Q q = queries;
      if (q == null) {
        throw new RouteContext.NotReadyException(service + " is starting; its stores are not queryable yet");
      }
      return q;
    }
  }

  private Node(PoseidonConfig config, Vertx vertx, Admin admin, EventPublisher publisher, QueryForwarder forwarder,
      OffLoop queryPool) {
    this.config = config;
    this.vertx = vertx;
    this.admin = admin;
    this.publisher = publisher;
    this.forwarder = forwarder;
    this.queryPool = queryPool;
  }

  public static Node start(ConfigSource source) {
    return start(source, null);
  }

  /**
   * As {@link #start(ConfigSource)}, with the spans of the gateway and the services going to
   * {@code tracing} (a test's in-memory exporter), or, when null, to the SDK the configuration
   * describes ({@code OTEL_*}, {@code tracing.*}: off by default), which the node closes when it stops.
   */
  public static Node start(ConfigSource source, Tracing tracing) {
    PoseidonConfig config = new PoseidonConfig(source);
    List<GatewayService<?>> running = servicesToRun(config);
    // a node nobody could call is a configuration error: said before anything is reached over the network
    AccessControl.checkIdentitySources(config);
    Clock clock = Clock.systemUTC();
    RegistryRules.ensureCompatibility(config.registryUrl(), config.getString(PoseidonConfig.REGISTRY_COMPATIBILITY));
    Admin admin = Admin.create(adminProps(config));
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(2, config.httpEventLoops())));
    Node node = null;
    try {
      JwtVerifier jwt = AccessControl.jwtVerifier(vertx, config);
      checkKafka(admin, config.bootstrapServers());
      SerdeFactory serdes = SerdeFactory.apicurio(config.registryUrl());
      Set<TopicSpec> topics = new LinkedHashSet<>();
      topics.add(ApiKeyDirectory.SPEC);
      running.forEach(s -> topics.addAll(s.module().topics()));
      RegistryRules.registerValueSchemas(config.registryUrl(), valueSchemas(topics));
      new TopicProvisioner(admin, config.getShort(PoseidonConfig.TOPICS_REPLICATION_FACTOR),
          config.getInt(PoseidonConfig.TOPICS_PARTITIONS)).ensure(topics, Duration.ofSeconds(60));

      EventPublisher publisher = new EventPublisher(vertx, EventPublisher.createProducer(config.bootstrapServers(),
          config.kafkaClientOverrides(), serdes.anyValueSerializer(), "poseidon-gateway-" + config.nodeId(),
          config.getLong(PoseidonConfig.HTTP_PUBLISH_MAX_BLOCK_MS)), config.getInt(PoseidonConfig.HTTP_PUBLISH_QUEUE_CAPACITY));
      OffLoop queryPool = new OffLoop(vertx, "gateway-queries", config.getInt(PoseidonConfig.HTTP_QUERY_THREADS),
          config.getInt(PoseidonConfig.HTTP_PUBLISH_QUEUE_CAPACITY));
      node = new Node(config, vertx, admin, publisher, new QueryForwarder(vertx, config.nodeId()), queryPool);
      node.jwt = jwt;
      node.ownsTracing = tracing == null;
      node.tracing = tracing != null ? tracing : NodeTracing.create(config);
      node.startKeyDirectory(serdes, clock);
      ServiceContext context = new ServiceContext(serdes, source, clock);
      node.startHttp(running, context);
      node.startServices(running, context);
      return node;
    } catch (RuntimeException e) {
      if (node != null) {
        node.close();
      } else {
        admin.close(Duration.ofSeconds(5));
        vertx.close();
      }
      throw e;
    }
  }

  /**
   * Reads every API key before the node serves (a revoked key is refused from the first request), then
   * makes the bootstrap admin key of {@code http.auth.admin-key-file} valid when the topic does not know it.
   */
  private void startKeyDirectory(SerdeFactory serdes, Clock clock) {
    keyDirectory = new ApiKeyDirectory(apiKeys, config.bootstrapServers(), config.kafkaClientOverrides(),
        serdes.valueDeserializer(io.poseidon.schemas.access.ApiKey.class), config.nodeId());
    keyDirectory.start(Duration.ofSeconds(60));
    String file = config.getString(PoseidonConfig.HTTP_AUTH_ADMIN_KEY_FILE);
    if (!file.isBlank()) {
      String key = AdminKeyFile.read(java.nio.file.Path.of(file));
      AdminKeyFile.registration(key, apiKeys, config.nodeId(), clock.instant()).ifPresent(record -> {
        await(publisher.publish(ApiKeyDirectory.SPEC, record.getKeyId(), record), "write the admin key of " + file);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (apiKeys.get(record.getKeyId()).isEmpty()) {
          if (System.nanoTime() > deadline) {
            throw new NodeStartException("the admin key of " + file + " was written but not read back within 30 s", null);
          }
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeStartException("interrupted", e);
          }
        }
        log.info("Admin key {} of {} registered", record.getKeyId(), file);
      });
    }
  }

  /** The services of {@code node.services}, each once; simulators only with {@code node.allow-simulators}. */
  static List<GatewayService<?>> servicesToRun(PoseidonConfig config) {
    List<GatewayService<?>> running = new ArrayList<>();
    for (String name : new LinkedHashSet<>(config.services())) {
      GatewayService<?> service = Services.named(name);
      if (service.module().simulator() && !config.allowSimulators()) {
        throw new ConfigException(PoseidonConfig.NODE_SERVICES, name, name + " is a simulator ("
            + service.module().description() + "): it would answer real commands with made-up results. Set "
            + PoseidonConfig.NODE_ALLOW_SIMULATORS + "=true (" + ConfigSource.envName(PoseidonConfig.NODE_ALLOW_SIMULATORS)
            + ") to run it on purpose; ./poseidon dev does");
      }
      running.add(service);
    }
    if (running.isEmpty()) {
      throw new ConfigException(PoseidonConfig.NODE_SERVICES, "", "name at least one service; available: "
          + Services.names());
    }
    return running;
  }

  /** The Avro value schema of each topic that has one (dead letters keep raw bytes). */
  static Map<String, Schema> valueSchemas(Set<TopicSpec> topics) {
    Map<String, Schema> schemas = new LinkedHashMap<>();
    for (TopicSpec topic : topics) {
      if (topic.valueSchema() != null) {
        schemas.put(topic.name(), SpecificData.get().getSchema(topic.valueSchema()));
      }
    }
    return schemas;
  }

  private void bindJvmMetrics() {
    metrics.config().commonTags("node", config.nodeId());
    new JvmMemoryMetrics().bindTo(metrics);
    new JvmThreadMetrics().bindTo(metrics);
    new ProcessorMetrics().bindTo(metrics);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(metrics);
    meterBinders.add(gc);
  }

  private void startHttp(List<GatewayService<?>> running, ServiceContext context) {
    bindJvmMetrics();
    ApiContract contract = Services.contract();
    OpenAPIContract resolved = await(contract.resolve(vertx), "resolve the OpenAPI contract");
    Responses responses = new Responses(config.nodeId(), forwarder, queryPool);
    ContractValidation validation = new ContractValidation(resolved, contract);
    Set<String> runningNames = new LinkedHashSet<>();
    running.forEach(s -> runningNames.add(s.name()));
    List<GatewayServer.Binding> bindings = new ArrayList<>();
    for (GatewayService<?> service : Services.ALL) {
      if (service.routes() != null) {
        bindings.add(binding(service, runningNames.contains(service.name()), responses, context));
      }
    }
    AccessControl access = new AccessControl(contract, apiKeys, jwt, AccessControl.Settings.from(config));
    TopicRoutes topicRoutes = new TopicRoutes(publisher, responses, Services.catalog(), context.clock());
    ApiKeyRoutes keyRoutes = new ApiKeyRoutes(publisher, responses, apiKeys, context.clock());
    liveHub = new LiveHub(liveKafka(context.serdes()), config.nodeId(), config.getInt(PoseidonConfig.HTTP_STREAM_REPLAY_RECORDS),
        config.getLong(PoseidonConfig.HTTP_STREAM_REPLAY_BYTES), config.getInt(PoseidonConfig.HTTP_STREAM_MAX_CLIENTS),
        config.getInt(PoseidonConfig.HTTP_STREAM_CATCH_UP_CONSUMERS), metrics);
    StreamRoutes streamRoutes = new StreamRoutes(vertx, liveHub, Services.catalog(), queryPool,
        new StreamRoutes.Settings(config.getInt(PoseidonConfig.HTTP_STREAM_CLIENT_BUFFER),
            io.poseidon.topology.config.DurationValidator.parse(config.getString(PoseidonConfig.HTTP_STREAM_HEARTBEAT))
                .toMillis()), config.nodeId());
    GatewayServer.Setup setup = new GatewayServer.Setup(contract, config.nodeId(), status(), metrics,
        config.getInt(PoseidonConfig.HTTP_MAX_BODY_BYTES), bindings, operations -> {
          topicRoutes.bind(operations);
          keyRoutes.bind(operations);
          streamRoutes.bind(operations);
        }, validation, access, tracing);
    try {
      httpPort = deployServers(setup, resolvePort(config.httpHost(), config.httpPort()), config.httpEventLoops());
    } catch (RuntimeException e) {
      throw new NodeStartException("cannot listen on " + config.httpHost() + ":" + config.httpPort() + " ("
          + e.getMessage() + "): is another node running? Choose another port with --http-port or "
          + "POSEIDON_HTTP_PORT", e);
    }
    log.info("Gateway listening on http://{}:{} ({} event loops)", config.httpHost(), httpPort, config.httpEventLoops());
  }

  /** Consumers of the live streams: bytes in, no group, committed events only; values rendered by each topic's schema. */
  private LiveHub.Kafka liveKafka(SerdeFactory serdes) {
    Map<String, org.apache.kafka.common.serialization.Deserializer<?>> deserializers =
        new java.util.concurrent.ConcurrentHashMap<>();
    int maxValueChars = config.getInt(PoseidonConfig.HTTP_STREAM_MAX_VALUE_BYTES);
    return new LiveHub.Kafka() {
      @Override
      public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer(String clientId, boolean earliest) {
        Map<String, Object> props = new java.util.HashMap<>(config.kafkaClientOverrides());
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, earliest ? "earliest" : "latest");
        props.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.remove(org.apache.kafka.clients.consumer.ConsumerConfig.GROUP_ID_CONFIG);
        return new org.apache.kafka.clients.consumer.KafkaConsumer<>(props,
            new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer());
      }

      @Override
      @SuppressWarnings({"unchecked", "rawtypes"})
      public java.util.function.Function<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>, LiveMessage>
          renderer(String topic) {
        org.apache.kafka.common.serialization.Deserializer<?> values = deserializers.computeIfAbsent(topic,
            t -> serdes.valueDeserializer((Class) Services.catalog().byName(t).orElseThrow().valueSchema()));
        return record -> LiveMessage.render(record, values, maxValueChars);
      }
    };
  }

  private <Q> GatewayServer.Binding binding(GatewayService<Q> service, boolean running, Responses responses,
      ServiceContext context) {
    QueryHolder<Q> holder = new QueryHolder<>(service.name());
    queryHolders.put(service.name(), holder);
    return service.binding(new RouteContext<>(publisher, responses, holder::get, context.config(), context.clock()),
        running);
  }

  /**
   * The port to listen on: {@code port}, or for 0 a free one picked now (servers of several verticles
   * share a port only when they all ask for the same number; Vert.x does not share the one it picks for 0).
   */
  static int resolvePort(String host, int port) {
    if (port != 0) {
      return port;
    }
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      throw new NodeStartException("cannot find a free port on " + host + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@code instances} HTTP servers, one verticle each, on the same port: Vert.x shares the port and
   * spreads connections over their event loops.
   */
  private int deployServers(GatewayServer.Setup setup, int port, int instances) {
    Set<Integer> bound = java.util.concurrent.ConcurrentHashMap.newKeySet();
    String id = await(vertx.deployVerticle(() -> new GatewayVerticle(setup, config.httpHost(), port, bound::add),
        new DeploymentOptions().setInstances(instances)), "start the HTTP servers");
    deployments.add(id);
    if (bound.size() != 1) {
      throw new IllegalStateException("the " + instances + " HTTP servers did not share one port: " + bound);
    }
    return bound.iterator().next();
  }

  @SuppressWarnings("unchecked")
  private <Q> void startServices(List<GatewayService<?>> running, ServiceContext context) {
    HostInfo self = new HostInfo(config.advertisedHost(), httpPort);
    String applicationServer = self.host() + ":" + self.port();
    for (GatewayService<?> service : running) {
      java.util.Properties props = StreamsDefaults.forService(config, service.name(), applicationServer);
      props.putAll(service.module().streamsConfig());
      props.putAll(serviceMeters.streamsConfig(service.name())); // dead letters and saga states counted
      props.put(Tracing.APP_CONFIG, tracing); // what its processors' spans go to (Tracing.of(context))
      ServiceRuntime runtime = new ServiceRuntime(service.name(), service.module().topology(context), props);
      runtimes.put(service.name(), runtime);
      meterBinders.add(serviceMeters.bindStreams(runtime.streams(), service.name()));
      QueryHolder<Q> holder = (QueryHolder<Q>) queryHolders.get(service.name());
      if (holder != null) {
        holder.queries = ((io.poseidon.topology.service.ServiceModule<Q>) service.module())
            .queries(new StoreQueries(runtime.streams(), self), context);
      }
    }
    runtimes.values().forEach(ServiceRuntime::start);
    peerWatch = new PeerWatch(vertx, admin, List.copyOf(runtimes.values()), self,
        io.poseidon.topology.config.DurationValidator.parse(config.getString(PoseidonConfig.NODE_PEER_CHECK_INTERVAL))
            .toMillis(), config.getInt(PoseidonConfig.NODE_PEER_CHECK_FAILURES), metrics);
  }

  private GatewayServer.Status status() {
    return new GatewayServer.Status() {
      @Override
      public JsonObject services() {
        JsonObject out = new JsonObject();
        runtimes.forEach((name, r) -> out.put(name, r.state().name()));
        return out;
      }

      @Override
      public boolean ready() {
        return !runtimes.isEmpty() && runtimes.values().stream().allMatch(ServiceRuntime::isRunning);
      }

      @Override
      public boolean failed() {
        return runtimes.values().stream().anyMatch(ServiceRuntime::isFailed);
      }
    };
  }

  public int httpPort() {
    return httpPort;
  }

  public boolean isReady() {
    return status().ready();
  }

  public PoseidonConfig config() {
    return config;
  }

  @Override
  public void close() {
    log.info("Stopping node {}", config.nodeId());
    if (peerWatch != null) {
      peerWatch.close();
    }
    for (String id : deployments) {
      try {
        vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("HTTP server did not stop cleanly: {}", e.toString());
      }
    }
    List<ServiceRuntime> reverse = new ArrayList<>(runtimes.values());
    Collections.reverse(reverse);
    reverse.forEach(r -> r.close(Duration.ofSeconds(30)));
    meterBinders.forEach(b -> {
      try {
        b.close();
      } catch (Exception e) {
        log.debug("closing a meter binder: {}", e.toString());
      }
    });
    serviceMeters.close();
    metrics.close();
    if (keyDirectory != null) {
      keyDirectory.close();
    }
    if (liveHub != null) {
      liveHub.close();
    }
    publisher.close();
    queryPool.close();
    forwarder.close();
    admin.close(Duration.ofSeconds(5));
    if (ownsTracing) {
      tracing.close(); // flushes the spans still buffered
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Vert.x did not close cleanly: {}", e.toString());
    }
    log.info("Node {} stopped", config.nodeId());
  }

  private static <T> T await(Future<T> future, String what) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while trying to " + what, e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("could not " + what + " within 30 s", e);
    }
  }

  private static Map<String, Object> adminProps(PoseidonConfig config) {
    Map<String, Object> props = new LinkedHashMap<>(config.kafkaClientOverrides());
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, "poseidon-admin-" + config.nodeId());
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    return props;
  }

  private static void checkKafka(Admin admin, String bootstrap) {
    try {
      admin.describeCluster().clusterId().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new NodeStartException("cannot reach Kafka at " + bootstrap + " (kafka.bootstrap.servers / "
          + ConfigSource.envName(PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS) + "): " + e, e);
    }
  }
}
