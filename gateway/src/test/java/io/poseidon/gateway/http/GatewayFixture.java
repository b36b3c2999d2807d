package io.poseidon.gateway.http;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.poseidon.gateway.node.GatewayService;
import io.poseidon.gateway.node.Services;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.query.FakeStreams;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.service.ServiceContext;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The gateway as a node builds it — the contract, every service's routes, the one error handling —
 * over real HTTP on a free port, without a broker: commands go to a {@link MockProducer}, queries to
 * {@link FakeStreams} stores. Every answered (operationId, status) is recorded, so a test can check the
 * contract documents it.
 */
final class GatewayFixture implements AutoCloseable {

  static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
  static final int MAX_BODY_BYTES = 4096;

  /** A live hub without a broker: requests are checked, starting a feed fails (503). */
  private static io.poseidon.gateway.live.LiveHub noKafkaHub() {
    return new io.poseidon.gateway.live.LiveHub(new io.poseidon.gateway.live.LiveHub.Kafka() {
      @Override
      public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer(String clientId, boolean earliest) {
        throw new IllegalStateException("no Kafka in this test");
      }

      @Override
      public java.util.function.Function<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>,
          io.poseidon.gateway.live.LiveMessage> renderer(String topic) {
        throw new IllegalStateException("no Kafka in this test");
      }
    }, "fixture", 10, 1 << 20, 10, 1, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  }

  /** (operationId → statuses) answered by any fixture in this JVM. */
  static final Map<String, Set<Integer>> ANSWERED = new ConcurrentHashMap<>();

  final Vertx vertx;
  final MockProducer<String, SpecificRecord> producer;
  final FakeStreams streams;
  final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  final ApiContract contract = Services.contract();
  private final EventPublisher publisher;
  private final OffLoop queryPool;
  private final QueryForwarder forwarder;
  private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
  private volatile boolean servicesStarted = true;
  /** The keys access control knows; {@link #key} adds one. */
  final io.poseidon.gateway.http.auth.ApiKeys keys = new io.poseidon.gateway.http.auth.ApiKeys();
  /** As ./poseidon dev: anonymous callers are operators, keys and JWTs are checked. */
  io.poseidon.gateway.http.auth.AccessControl.Settings accessSettings = new io.poseidon.gateway.http.auth.AccessControl
      .Settings(io.poseidon.gateway.http.auth.AccessControl.Mode.REQUIRED, io.poseidon.gateway.http.auth.Role.OPERATOR,
      Set.of("prod"), 0, 0, List.of());
  io.poseidon.gateway.http.auth.JwtVerifier jwt;
  /** Where the server spans go (a test's in-memory exporter); set before {@link #start()}. */
  io.poseidon.topology.tracing.Tracing tracing = io.poseidon.topology.tracing.Tracing.off();
  private HttpServer server;

  final String nodeId;

  GatewayFixture(Vertx vertx, String nodeId, int publishQueueCapacity, Serializer<SpecificRecord> values) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.producer = new MockProducer<>(true, null, new StringSerializer(), values);
    this.publisher = new EventPublisher(vertx, producer, publishQueueCapacity);
    this.queryPool = new OffLoop(vertx, "test-queries", 2, 100);
    this.forwarder = new QueryForwarder(vertx, nodeId);
    this.streams = new FakeStreams(new HostInfo("127.0.0.1", 0));
  }

  GatewayFixture(Vertx vertx) {
    this(vertx, "node-a", 100, (topic, value) -> new byte[16]);
  }

  /** Starts the server; until {@link #servicesStarted(boolean)} says otherwise the services run. */
  GatewayFixture start() throws Exception {
    Responses responses = new Responses(nodeId, forwarder, queryPool);
    ContractValidation validation = new ContractValidation(await(contract.resolve(vertx)), contract);
    List<GatewayServer.Binding> bindings = new ArrayList<>();
    for (GatewayService<?> service : Services.ALL) {
      if (service.routes() != null) {
        bindings.add(binding(service, responses));
      }
    }
    GatewayServer.Status status = new GatewayServer.Status() {
      @Override
      public JsonObject services() {
        return new JsonObject().put("depths", servicesStarted ? "RUNNING" : "CREATED");
      }

      @Override
      public boolean ready() {
        return servicesStarted;
      }

      @Override
      public boolean failed() {
        return false;
      }
    };
    GatewayServer.Setup setup = new GatewayServer.Setup(contract, nodeId, status,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), MAX_BODY_BYTES, bindings,
        ops -> {
          new TopicRoutes(publisher, responses, Services.catalog(), clock).bind(ops);
          new io.poseidon.gateway.http.auth.ApiKeyRoutes(publisher, responses, keys, clock).bind(ops);
          new StreamRoutes(vertx, noKafkaHub(), Services.catalog(), new OffLoop(vertx, "fixture-stream", 1, 10),
              new StreamRoutes.Settings(10, 15_000), nodeId).bind(ops);
        }, validation,
        new io.poseidon.gateway.http.auth.AccessControl(contract, keys, jwt, accessSettings), tracing);
    Router router = GatewayServer.router(vertx, setup);
    router.route().order(-1).handler(ctx -> {
      ctx.addEndHandler(done -> contract.operationOf(ctx.request().method().name(), ctx.request().path())
          .ifPresent(operationId -> ANSWERED.computeIfAbsent(operationId, id -> ConcurrentHashMap.newKeySet())
              .add(ctx.response().getStatusCode())));
      ctx.next();
    });
    server = await(GatewayServer.listen(vertx, router, "127.0.0.1", 0));
    return this;
  }

  private <Q> GatewayServer.Binding binding(GatewayService<Q> service, Responses responses) {
    ServiceContext context = new ServiceContext(null, ConfigSource.of(Map.of()), clock);
    StoreQueries stores = new StoreQueries(streams, streams.self());
    Q queries = service.module().queries(stores, context);
    return service.binding(new RouteContext<>(publisher, responses, () -> {
      if (!servicesStarted) {
        throw new RouteContext.NotReadyException(service.name() + " is starting");
      }
      return queries;
    }, context.config(), clock), true);
  }

  /** A valid API key named {@code name} with {@code role}, limited to {@code services} (none: all). */
  String key(String name, io.poseidon.gateway.http.auth.Role role, String... services) {
    io.poseidon.gateway.http.auth.ApiKeys.Created created = io.poseidon.gateway.http.auth.ApiKeys.create(name, role,
        List.of(services), "test", NOW);
    keys.apply(created.keyId(), created.record());
    return created.key();
  }

  void servicesStarted(boolean started) {
    servicesStarted = started;
  }

  int port() {
    return server.actualPort();
  }

  /** A reply read in full. */
  record Reply(int status, Map<String, String> headers, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }

    String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    String code() {
      return json().getString("code");
    }
  }

  Reply call(HttpMethod method, String path, Map<String, String> headers, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
        .timeout(Duration.ofSeconds(10))
        .method(method.name(), body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    if (actingAs != null && !headers.containsKey("X-API-Key") && !headers.containsKey("Authorization")) {
      request.header("X-API-Key", actingAs);
    }
    try {
      HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
      Map<String, String> h = new java.util.HashMap<>();
      response.headers().map().forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
      return new Reply(response.statusCode(), h, response.body());
    } catch (java.io.IOException e) {
      throw new AssertionError(method + " " + path + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private volatile String actingAs;

  /** Every later call without credentials of its own sends {@code key}. */
  GatewayFixture actAs(String key) {
    actingAs = key;
    return this;
  }

  Reply get(String path) {
    return call(HttpMethod.GET, path, Map.of(), null);
  }

  Reply postJson(String path, String body) {
    return call(HttpMethod.POST, path, Map.of("Content-Type", "application/json"), body);
  }

  Reply post(String path, Map<String, String> headers, String body) {
    return call(HttpMethod.POST, path, headers, body);
  }

  /** Sends raw bytes (requests no HTTP client would write) and returns the raw answer. */
  String raw(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    if (server != null) {
      await(server.close());
    }
    publisher.close();
    queryPool.close();
    forwarder.close();
  }
}
