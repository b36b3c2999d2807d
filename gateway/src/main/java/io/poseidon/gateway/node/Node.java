package io.poseidon.gateway.node;

import io.poseidon.gateway.http.NodeRoutes;
import io.poseidon.gateway.http.EventPublisher;
import io.poseidon.gateway.http.GatewayServer;
import io.poseidon.gateway.http.QueryForwarder;
import io.poseidon.gateway.http.Responses;
import io.poseidon.processors.current.CurrentQueries;
import io.poseidon.processors.current.CurrentService;
import io.poseidon.processors.depths.DepthsConfig;
import io.poseidon.processors.depths.DepthsQueries;
import io.poseidon.processors.depths.DepthsService;
import io.poseidon.processors.forge.ForgeQueries;
import io.poseidon.processors.forge.ForgeService;
import io.poseidon.processors.harbor.HarborQueries;
import io.poseidon.processors.harbor.HarborService;
import io.poseidon.topology.catalog.TopicProvisioner;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.runtime.PoseidonService;
import io.poseidon.topology.runtime.ServiceRuntime;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.streams.StreamsDefaults;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Poseidon node: the Vert.x gateway plus the services named in {@code node.services}, each a
 * Kafka Streams topology run through {@link ServiceRuntime}. Start-up order: check Kafka and the
 * registry (clear errors when they are not there), create or verify the catalogued topics, bind
 * HTTP (so {@code application.server} names the real port), start the services. {@code /ready}
 * turns 200 when every service is RUNNING.
 */
public final class Node implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Node.class);

  private final PoseidonConfig config;
  private final Vertx vertx;
  private final Admin admin;
  private final EventPublisher publisher;
  private final QueryForwarder forwarder;
  private final Map<String, ServiceRuntime> runtimes = new LinkedHashMap<>();
  private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<AutoCloseable> meterBinders = new ArrayList<>();
  private HttpServer server;
  private volatile DepthsQueries depthsQueries;
  private volatile HarborQueries harborQueries;
  private volatile ForgeQueries forgeQueries;
  private volatile CurrentQueries currentQueries;

  private Node(PoseidonConfig config, Vertx vertx, Admin admin, EventPublisher publisher, QueryForwarder forwarder) {
    this.config = config;
    this.vertx = vertx;
    this.admin = admin;
    this.publisher = publisher;
    this.forwarder = forwarder;
  }

  public static Node start(ConfigSource source) {
    PoseidonConfig config = new PoseidonConfig(source);
    Clock clock = Clock.systemUTC();
    checkRegistry(config.registryUrl());
    Admin admin = Admin.create(adminProps(config));
    Vertx vertx = Vertx.vertx();
    Node node = null;
    try {
      checkKafka(admin, config.bootstrapServers());
      SerdeFactory serdes = SerdeFactory.apicurio(config.registryUrl());
      List<PoseidonService> services = new ArrayList<>();
      for (String name : new LinkedHashSet<>(config.services())) {
        services.add(Services.create(name, serdes, source, clock));
      }
      Set<TopicSpec> topics = new LinkedHashSet<>();
      services.forEach(s -> topics.addAll(s.topics()));
      new TopicProvisioner(admin, config.getShort(PoseidonConfig.TOPICS_REPLICATION_FACTOR),
          config.getInt(PoseidonConfig.TOPICS_PARTITIONS)).ensure(topics, Duration.ofSeconds(60));

      EventPublisher publisher = new EventPublisher(vertx, EventPublisher.createProducer(config.bootstrapServers(),
          config.kafkaClientOverrides(), serdes.anyValueSerializer(), "poseidon-gateway-" + config.nodeId()));
      node = new Node(config, vertx, admin, publisher, new QueryForwarder(vertx, config.nodeId()));
      node.startHttp(source, clock);
      node.startServices(services, clock);
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

  private void bindJvmMetrics() {
    metrics.config().commonTags("node", config.nodeId());
    new JvmMemoryMetrics().bindTo(metrics);
    new JvmThreadMetrics().bindTo(metrics);
    new ProcessorMetrics().bindTo(metrics);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(metrics);
    meterBinders.add(gc);
  }

  private void startHttp(ConfigSource source, Clock clock) {
    bindJvmMetrics();
    Responses responses = new Responses(config.nodeId(), forwarder);
    List<Consumer<Router>> routes = NodeRoutes.forServices(config.services(), new NodeRoutes.Dependencies(
        publisher, responses, () -> queries(depthsQueries), new DepthsConfig(source), () -> queries(harborQueries),
        () -> queries(forgeQueries), () -> queries(currentQueries), clock));
    Router router = GatewayServer.router(vertx, config.nodeId(), status(), metrics,
        config.getInt(PoseidonConfig.HTTP_MAX_BODY_BYTES), routes);
    try {
      server = GatewayServer.listen(vertx, router, config.httpHost(), config.httpPort())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new NodeStartException("cannot listen on " + config.httpHost() + ":" + config.httpPort() + " ("
          + e.getCause().getMessage() + "): is another node running? Choose another port with --http-port or "
          + "POSEIDON_HTTP_PORT", e.getCause());
    } catch (Exception e) {
      throw new NodeStartException("cannot start the HTTP server: " + e, e);
    }
    log.info("Gateway listening on http://{}:{}", config.httpHost(), server.actualPort());
  }

  private void startServices(List<PoseidonService> services, Clock clock) {
    HostInfo self = new HostInfo(config.advertisedHost(), server.actualPort());
    String applicationServer = self.host() + ":" + self.port();
    for (PoseidonService service : services) {
      ServiceRuntime runtime = new ServiceRuntime(service.name(), service.topology(),
          StreamsDefaults.forService(config, service.name(), applicationServer));
      runtimes.put(service.name(), runtime);
      KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(runtime.streams(), Tags.of("service", service.name()));
      streamsMetrics.bindTo(metrics);
      meterBinders.add(streamsMetrics);
      StoreQueries queries = new StoreQueries(runtime.streams(), self);
      if (service.name().equals(DepthsService.NAME)) {
        depthsQueries = new DepthsQueries(queries, clock);
      } else if (service.name().equals(HarborService.NAME)) {
        harborQueries = new HarborQueries(queries);
      } else if (service.name().equals(ForgeService.NAME)) {
        forgeQueries = new ForgeQueries(queries);
      } else if (service.name().equals(CurrentService.NAME)) {
        currentQueries = new CurrentQueries(queries);
      }
    }
    runtimes.values().forEach(ServiceRuntime::start);
  }

  /** A service's queries once it started (requests before that fail with 500 and say so in the log). */
  private static <Q> Q queries(Q queries) {
    if (queries == null) {
      throw new IllegalStateException("the service is not started yet");
    }
    return queries;
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
    return server.actualPort();
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
    if (server != null) {
      try {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("HTTP server did not close cleanly: {}", e.toString());
      }
    }
    List<ServiceRuntime> reverse = new ArrayList<>(runtimes.values());
    java.util.Collections.reverse(reverse);
    reverse.forEach(r -> r.close(Duration.ofSeconds(30)));
    meterBinders.forEach(b -> {
      try {
        b.close();
      } catch (Exception e) {
        log.debug("closing a meter binder: {}", e.toString());
      }
    });
    metrics.close();
    publisher.close();
    forwarder.close();
    admin.close(Duration.ofSeconds(5));
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("Vert.x did not close cleanly: {}", e.toString());
    }
    log.info("Node {} stopped", config.nodeId());
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

  private static void checkRegistry(String registryUrl) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    URI info = URI.create(registryUrl + "/system/info");
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(info).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new NodeStartException("the schema registry at " + registryUrl + " answered " + response.statusCode()
            + " to GET /system/info: is registry.url the Apicurio v2 API (…/apis/registry/v2)?");
      }
    } catch (java.io.IOException e) {
      throw new NodeStartException("cannot reach the schema registry at " + registryUrl + " (registry.url / "
          + ConfigSource.envName(PoseidonConfig.REGISTRY_URL) + "): " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeStartException("interrupted while checking the registry", e);
    }
  }
}
