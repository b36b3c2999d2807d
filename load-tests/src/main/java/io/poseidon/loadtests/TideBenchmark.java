package io.poseidon.loadtests;

import io.poseidon.deploy.local.LocalStack;
import io.poseidon.deploy.local.LocalStackConfig;
import io.poseidon.deploy.local.LocalStackMain;
import io.poseidon.gateway.http.EventPublisher;
import io.poseidon.gateway.node.Node;
import io.poseidon.processors.tide.TideConfig;
import io.poseidon.processors.tide.TideModule;
import io.poseidon.processors.tide.TideTopics;
import io.poseidon.processors.tide.TideTopology;
import io.poseidon.schemas.tide.Condition;
import io.poseidon.schemas.tide.ConditionOp;
import io.poseidon.schemas.tide.IngestEvent;
import io.poseidon.schemas.tide.IngestKind;
import io.poseidon.schemas.tide.RawEnvelope;
import io.poseidon.schemas.tide.RoutingRule;
import io.poseidon.schemas.tide.RuleEvent;
import io.poseidon.schemas.tide.RuleMatch;
import io.poseidon.topology.catalog.TopicProvisioner;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.streams.StreamsDefaults;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;

/**
 * tide against raw Kafka, on one machine in one run (issue "tide", performance):
 *
 * <ol>
 *   <li><b>Topology throughput</b>: {@code --records} raw records of 200–500 bytes are written to
 *       {@code tide.ingest} once; then, alternately, a raw Kafka Streams passthrough (same source,
 *       serdes, partitions, EOS v2 and settings; it forwards each record unchanged to a topic of the
 *       same shape) and the tide topology (20 rules, one record in three matched by a rule on a
 *       payload field, de-duplication and counters on) each read all of them with a fresh
 *       application id. Records/s = the slope of the committed offsets between 10 % and 90 % of the
 *       input (start-up and the last commit are not in it). Goal: tide ≥ 70 % of the passthrough.</li>
 *   <li><b>Ingest endpoint</b>: open-model saturation searches in batches of 100 records: a raw
 *       producer (the gateway's producer settings, 100 records, done when all are acknowledged)
 *       against {@code POST /api/v1/ingest} with a JSON array of 100 envelopes on a node running tide.
 *       Goal: the endpoint ≥ 50 % of the raw producer's records/s.</li>
 * </ol>
 * Writes {@code <out>/<date>-tide.md}; with {@code --jfr} a JFR profile of the last tide run.
 */
public final class TideBenchmark {

  static final int RULES = 20;
  static final int BATCH = 100;
  static final TopicSpec PASSTHROUGH_OUT = new TopicSpec("bench.passthrough-out", TideTopics.INGEST.partitions(),
      "delete", Duration.ofHours(1), "as tide.ingest", IngestEvent.class, "load-tests",
      "Output of the raw Kafka Streams passthrough of the tide benchmark.");
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);

  private final Map<String, String> options;
  private final LocalStack stack;
  private final Admin admin;
  private final SerdeFactory serdes;
  private final Path workDir;
  private final StringBuilder report = new StringBuilder();
  private JfrProfile.Summary profile;
  private JfrProfile.Summary endpointProfile;

  private TideBenchmark(Map<String, String> options, LocalStack stack, Admin admin, Path workDir) {
    this.options = options;
    this.stack = stack;
    this.admin = admin;
    this.serdes = SerdeFactory.apicurio(stack.registryUrl());
    this.workDir = workDir;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("records", "200000");
    options.put("runs", "2");
    options.put("saturate", "20");
    options.put("saturation-seconds", "8");
    options.put("out", Files.isDirectory(Path.of("load-tests")) ? "load-tests/results" : "results");
    options.put("jfr", "true");
    options.put("connections", "16");
    options.put("parts", "all");
    options.put("p99-limit-ms", "250");
    options.put("stream-threads", "1");
    options.put("ids", "true");
    options.put("node-config", ""); // key=value,key=value: node settings for every path (streams.rocksdb.* ...)
    for (int i = 0; i < args.length; i++) {
      String name = args[i].replaceFirst("^--", "");
      if (!options.containsKey(name) || i + 1 >= args.length) {
        System.err.println("usage: TideBenchmark [--records N] [--runs N] [--saturate BATCHES_PER_S] "
            + "[--saturation-seconds S] [--connections N] [--jfr true|false] [--parts all|topology|ingest] "
            + "[--p99-limit-ms MS] [--stream-threads N] [--ids true|false] [--node-config key=value,...] [--out DIR]");
        System.exit(2);
      }
      options.put(name, args[++i]);
    }
    LocalStackMain.useLog4j2Config();
    ZonedDateTime started = ZonedDateTime.now();
    Path workDir = Files.createTempDirectory("poseidon-tide-bench-");
    try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral(workDir.resolve("stack")));
         Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
      Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "bench-stack-shutdown"));
      TideBenchmark bench = new TideBenchmark(options, stack, admin, workDir);
      String body = bench.run(started);
      Path out = Path.of(options.get("out"));
      Files.createDirectories(out);
      Path file = out.resolve(started.toLocalDate() + "-tide.md");
      Files.writeString(file, body);
      System.out.println(body);
      say("report written to %s", file.toAbsolutePath());
    } finally {
      LocalStack.deleteRecursively(workDir);
    }
  }

  private String run(ZonedDateTime started) throws Exception {
    long begin = System.nanoTime();
    long registryPid = stack.registry().pid();
    Files.createDirectories(Path.of(options.get("out")));
    jdk.jfr.Recording warmUp = Boolean.parseBoolean(options.get("jfr")) ? JfrProfile.warmUp() : null;
    List<TopicSpec> topics = new ArrayList<>(new TideModule().topics());
    topics.add(PASSTHROUGH_OUT);
    new TopicProvisioner(admin, (short) 1, 0).ensure(topics, Duration.ofSeconds(60));
    putRules();
    int records = Integer.parseInt(options.get("records"));
    long bytes = fill(records);
    CpuUsage idle = idle(Duration.ofSeconds(3));
    say("idle: JVM %.2f cores, registry %.2f, other processes %.2f", idle.jvmCores(), idle.registryCores(),
        idle.otherCores());

    // --- 1. topology throughput ---
    int runs = Integer.parseInt(options.get("runs"));
    List<Run> passthrough = new ArrayList<>();
    List<Run> tide = new ArrayList<>();
    for (int i = 1; i <= runs && !options.get("parts").equals("ingest"); i++) {
      passthrough.add(runTopology("passthrough", i, records, registryPid, null));
      jdk.jfr.Recording recording = warmUp != null && i == runs ? JfrProfile.start() : null;
      tide.add(runTopology("tide", i, records, registryPid, recording));
      if (recording != null) {
        warmUp.close();
      }
    }

    // --- 2. ingest endpoint vs raw producer, batches of 100 ---
    SaturationSearch.Result raw = new SaturationSearch.Result("raw-producer", List.of(), 0);
    SaturationSearch.Result endpoint = new SaturationSearch.Result("ingest-endpoint", List.of(), 0);
    double p99Limit = Double.parseDouble(options.get("p99-limit-ms"));
    if (options.get("parts").equals("topology")) {
      return markdown(started, Duration.ofNanos(System.nanoTime() - begin), records, bytes, idle, passthrough, tide, raw,
          endpoint, p99Limit);
    }
    Path state = workDir.resolve("node-state");
    Files.createDirectories(state);
    // the node's tide starts at the end of tide.ingest: part 1's input is not this part's work
    skipToEnd("poseidon-" + TideModule.NAME, TideTopics.INGEST.name());
    Map<String, String> settings = BenchmarkOptions.nodeConfig(options.get("node-config"));
    settings.putAll(Map.of(
        PoseidonConfig.HTTP_AUTH_MODE, "none", // what these measure is the services, not access control
        PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, stack.bootstrapServers(),
        PoseidonConfig.REGISTRY_URL, stack.registryUrl(),
        PoseidonConfig.HTTP_PORT, "0",
        PoseidonConfig.NODE_ID, "bench-node",
        PoseidonConfig.NODE_SERVICES, "tide",
        PoseidonConfig.STREAMS_STATE_DIR, state.toString()));
    try (Node node = Node.start(ConfigSource.of(settings))) {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (!node.isReady() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      OpenModelLoad load = new OpenModelLoad(new OpenModelLoad.Limits(512, Duration.ofSeconds(10), Duration.ofSeconds(30)));
      int start = Integer.parseInt(options.get("saturate"));
      Duration step = Duration.ofSeconds(Long.parseLong(options.get("saturation-seconds")));
      jdk.jfr.Recording recording = Boolean.parseBoolean(options.get("jfr")) ? JfrProfile.start() : null;
      // each step starts with the node's tide caught up: what one step wrote is not the next one's load
      SaturationSearch.BetweenSteps drain = () -> drain("poseidon-" + TideModule.NAME);
      try (IngestTarget target = new IngestTarget(node.httpPort(), Integer.parseInt(options.get("connections")))) {
        endpoint = SaturationSearch.run("ingest-endpoint", load, target, start, BenchmarkOptions.SATURATION_FACTOR,
            5_000, BenchmarkOptions.SATURATION_WARMUP, step, p99Limit, registryPid, drain);
      }
      if (recording != null) {
        endpointProfile = JfrProfile.stop(recording, Path.of(options.get("out")).resolve(
            java.time.LocalDate.now() + "-tide-ingest-endpoint.jfr"));
      }
      Thread.sleep(3_000);
      try (RawBatchTarget target = new RawBatchTarget(stack.bootstrapServers(), serdes)) {
        raw = SaturationSearch.run("raw-producer", load, target, start, BenchmarkOptions.SATURATION_FACTOR,
            5_000, BenchmarkOptions.SATURATION_WARMUP, step, p99Limit, registryPid, drain);
      }
    }
    return markdown(started, Duration.ofNanos(System.nanoTime() - begin), records, bytes, idle, passthrough, tide, raw,
        endpoint, p99Limit);
  }

  /** One read of the whole input by one topology. */
  record Run(String path, int index, long records, double recordsPerSecond, double wallSeconds, CpuUsage cpu) {}

  private Run runTopology(String path, int index, long records, long registryPid, jdk.jfr.Recording recording)
      throws Exception {
    String prefix = "bench-" + path + "-" + index + "-";
    Map<String, String> settings = BenchmarkOptions.nodeConfig(options.get("node-config"));
    settings.putAll(Map.of(
        PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, stack.bootstrapServers(),
        PoseidonConfig.REGISTRY_URL, stack.registryUrl(),
        PoseidonConfig.NODE_ID, "bench",
        PoseidonConfig.STREAMS_APPLICATION_ID_PREFIX, prefix,
        PoseidonConfig.STREAMS_NUM_STREAM_THREADS, options.get("stream-threads"),
        PoseidonConfig.STREAMS_STATE_DIR, workDir.resolve("state-" + path + "-" + index).toString()));
    PoseidonConfig config = new PoseidonConfig(ConfigSource.of(settings));
    Properties props = StreamsDefaults.forService(config, TideModule.NAME, "127.0.0.1:1");
    Topology topology = path.equals("tide") ? TideTopology.build(serdes, TideConfig.defaults(), Clock.systemUTC())
        : passthrough();
    String group = StreamsDefaults.applicationId(config, TideModule.NAME);
    CpuUsage.Sample before = CpuUsage.sample(registryPid);
    long t0 = System.nanoTime();
    double rate;
    try (KafkaStreams streams = new KafkaStreams(topology, props)) {
      streams.start();
      rate = CommittedRate.await(admin, group, TideTopics.INGEST.name(), records, RUN_TIMEOUT);
      streams.close(Duration.ofSeconds(30));
    }
    CpuUsage cpu = CpuUsage.between(before, CpuUsage.sample(registryPid));
    if (recording != null) {
      profile = JfrProfile.stop(recording, Path.of(options.get("out")).resolve(
          java.time.LocalDate.now() + "-tide-topology.jfr"));
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    say("%s run %d: %,.0f records/s (10-90 %%), %.1f s in all, JVM %.2f cores, others %.2f", path, index, rate, wall,
        cpu.jvmCores(), cpu.otherCores());
    Thread.sleep(2_000);
    return new Run(path, index, records, rate, wall, cpu);
  }

  /** The group's lag on tide.ingest now, after waiting (at most 3 minutes) until it is 0. */
  private long drain(String group) throws InterruptedException {
    long lag = ConsumerLag.of(admin, group, TideTopics.INGEST.name());
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (ConsumerLag.of(admin, group, TideTopics.INGEST.name()) != 0 && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    return lag;
  }

  /** Commits {@code group}'s offsets of {@code topic} at its end, before the group's first member starts. */
  private void skipToEnd(String group, String topic) throws Exception {
    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < TideTopics.INGEST.partitions(); p++) {
      latest.put(new org.apache.kafka.common.TopicPartition(topic, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
    }
    Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> at = new HashMap<>();
    admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) ->
        at.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(info.offset())));
    admin.alterConsumerGroupOffsets(group, at).all().get(30, TimeUnit.SECONDS);
  }

  /** The baseline: the same source and serdes, each record forwarded unchanged. */
  private Topology passthrough() {
    Topology topology = new Topology();
    topology.addSource("passthrough-source", Serdes.String().deserializer(), serdes.valueDeserializer(IngestEvent.class),
        TideTopics.INGEST.name());
    topology.addSink("passthrough-sink", PASSTHROUGH_OUT.name(), Serdes.String().serializer(),
        serdes.anyValueSerializer(), "passthrough-source");
    return topology;
  }

  /** 19 rules that look at every record and never match, and one that takes ERROR logs (a third of them). */
  private void putRules() throws Exception {
    try (Producer<String, SpecificRecord> producer = producer("bench-rules")) {
      for (int i = 1; i < RULES; i++) {
        Map<String, Condition> payload = new HashMap<>();
        payload.put(i % 2 == 0 ? "level" : "path", new Condition(i % 3 == 0 ? ConditionOp.REGEX : ConditionOp.PREFIX,
            i % 3 == 0 ? "^/never/" + i + "/.*" : "never-" + i));
        RoutingRule rule = RoutingRule.newBuilder().setRuleId("r-" + i).setPriority(100 - i)
            .setMatch(RuleMatch.newBuilder().setKind(IngestKind.LOG)
                .setAttributes(Map.of("service", new Condition(ConditionOp.EQUALS, "svc-" + i))).setPayload(payload).build())
            .setDestination("tide.archive").build();
        producer.send(new ProducerRecord<>(TideTopics.ROUTING_RULES.name(), rule.getRuleId(), ruleEvent(rule)));
      }
      RoutingRule errors = RoutingRule.newBuilder().setRuleId("errors").setPriority(1)
          .setMatch(RuleMatch.newBuilder().setKind(IngestKind.LOG)
              .setPayload(Map.of("level", new Condition(ConditionOp.EQUALS, "ERROR"))).build())
          .setDestination("tide.archive").setSet(Map.of("team", "on-call")).build();
      producer.send(new ProducerRecord<>(TideTopics.ROUTING_RULES.name(), errors.getRuleId(), ruleEvent(errors))).get();
    }
  }

  private static RuleEvent ruleEvent(RoutingRule rule) {
    return new RuleEvent(EventMetas.first("tide.RoutingRule", "bench", "bench", null, Clock.systemUTC()), rule);
  }

  /** Writes the input once: logs of 200–500 bytes, one in three at level ERROR. Returns the payload bytes. */
  private long fill(int records) throws Exception {
    long begin = System.nanoTime();
    long bytes = 0;
    try (Producer<String, SpecificRecord> producer = producer("bench-fill")) {
      SplittableRandom random = new SplittableRandom(42);
      CompletableFuture<?> last = null;
      for (int i = 0; i < records; i++) {
        RawEnvelope raw = Workload.log(i, random);
        if (!Boolean.parseBoolean(options.get("ids"))) {
          raw = RawEnvelope.newBuilder(raw).setId(null).build(); // no id, no de-duplication: what it costs
        }
        bytes += raw.getPayload().length();
        CompletableFuture<Void> acked = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(TideTopics.INGEST.name(), TideTopics.ingestKey(raw),
            new IngestEvent(EventMetas.first("tide.RawEnvelope", "bench", "bench", null, Clock.systemUTC()), raw)),
            (md, e) -> {
              if (e != null) {
                acked.completeExceptionally(e);
              } else {
                acked.complete(null);
              }
            });
        last = acked;
      }
      producer.flush();
      last.get(60, TimeUnit.SECONDS);
    }
    say("wrote %,d records (payloads %.0f bytes on average) to tide.ingest in %.1f s", records, (double) bytes / records,
        (System.nanoTime() - begin) / 1e9);
    return bytes;
  }

  private Producer<String, SpecificRecord> producer(String clientId) {
    return EventPublisher.createProducer(stack.bootstrapServers(), Map.of(), serdes.anyValueSerializer(), clientId,
        30_000);
  }

  private CpuUsage idle(Duration over) throws InterruptedException {
    CpuUsage.Sample before = CpuUsage.sample(stack.registry().pid());
    Thread.sleep(over.toMillis());
    return CpuUsage.between(before, CpuUsage.sample(stack.registry().pid()));
  }

  /** The raw records both parts send. */
  static final class Workload {
    private static final String WORDS = "request served cache refreshed slow downstream call retrying upstream "
        + "returned payment provider timeout database connection refused queue above threshold ";

    private Workload() {}

    static RawEnvelope log(long i, SplittableRandom random) {
      String level = i % 3 == 0 ? "ERROR" : i % 3 == 1 ? "INFO" : "WARN";
      int length = 150 + random.nextInt(300); // with the fields around it: 200–500 bytes of payload
      StringBuilder message = new StringBuilder(length);
      while (message.length() < length) {
        message.append(WORDS, 0, Math.min(WORDS.length(), length - message.length()));
      }
      String payload = "{\"level\":\"" + level + "\",\"message\":\"" + message + "\",\"path\":\"/api/orders/" + i
          + "\",\"traceId\":\"" + Long.toHexString(random.nextLong()) + "\"}";
      return RawEnvelope.newBuilder().setSource("bench-shipper-" + (i % 8)).setKind(IngestKind.LOG)
          .setId(Long.toString(i)).setAttributes(Map.of("service", "svc-" + (100 + i % 10), "instance", "i-" + i % 4))
          .setPayload(payload).build();
    }

    /** The same record as the ingest endpoint takes it (JSON envelope). */
    static String json(RawEnvelope raw) {
      StringBuilder attrs = new StringBuilder();
      raw.getAttributes().forEach((k, v) -> attrs.append(attrs.length() == 0 ? "" : ",").append('"').append(k)
          .append("\":\"").append(v).append('"'));
      return "{\"source\":\"" + raw.getSource() + "\",\"kind\":\"log\",\"id\":\"" + raw.getId() + "\",\"attributes\":{"
          + attrs + "},\"payload\":" + raw.getPayload() + "}";
    }
  }

  /** A batch of 100 raw records with the gateway's producer settings; done when all are acknowledged. */
  static final class RawBatchTarget implements LoadTarget, AutoCloseable {
    private final Producer<String, SpecificRecord> producer;
    private final Clock clock = Clock.systemUTC();
    private final SplittableRandom random = new SplittableRandom(7);
    private long next = 10_000_000L;

    RawBatchTarget(String bootstrapServers, SerdeFactory serdes) {
      this.producer = EventPublisher.createProducer(bootstrapServers, Map.of(), serdes.anyValueSerializer(),
          "bench-raw-batches", 30_000);
    }

    @Override
    public CompletionStage<Outcome> fire(Request request) {
      CompletableFuture<Outcome> done = new CompletableFuture<>();
      AtomicInteger left = new AtomicInteger(BATCH);
      for (int i = 0; i < BATCH; i++) {
        RawEnvelope raw = Workload.log(next++, random);
        producer.send(new ProducerRecord<>(TideTopics.INGEST.name(), TideTopics.ingestKey(raw),
            new IngestEvent(EventMetas.first("tide.RawEnvelope", "bench", "bench", null, clock), raw)), (md, e) -> {
              if (e != null) {
                done.complete(Outcome.of(e));
              } else if (left.decrementAndGet() == 0) {
                done.complete(Outcome.ok("acked"));
              }
            });
      }
      return done;
    }

    @Override
    public void close() {
      producer.close(Duration.ofSeconds(10));
    }
  }

  /** {@code POST /api/v1/ingest} with a JSON array of 100 envelopes; done on the 202. */
  static final class IngestTarget implements LoadTarget, AutoCloseable {
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    private final Context context = vertx.getOrCreateContext();
    private final HttpClient http;
    private final int port;
    private final SplittableRandom random = new SplittableRandom(11);
    private long next = 50_000_000L;

    IngestTarget(int port, int connections) {
      this.port = port;
      this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(connections));
    }

    @Override
    public CompletionStage<Outcome> fire(Request request) {
      StringBuilder body = new StringBuilder(BATCH * 500).append('[');
      for (int i = 0; i < BATCH; i++) {
        body.append(i == 0 ? "" : ",").append(Workload.json(Workload.log(next++, random)));
      }
      Buffer buffer = Buffer.buffer(body.append(']').toString());
      CompletableFuture<Outcome> outcome = new CompletableFuture<>();
      context.runOnContext(v -> http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
              .setPort(port).setURI("/api/v1/ingest").putHeader("Content-Type", "application/json")
              .setIdleTimeout(30_000))
          .compose(req -> req.send(buffer).compose(resp -> resp.body().map(b -> resp.statusCode())))
          .onComplete(done -> outcome.complete(done.failed() ? Outcome.of(done.cause())
              : done.result() == 202 ? Outcome.ok("202") : Outcome.failed(Integer.toString(done.result())))));
      return outcome;
    }

    @Override
    public void close() throws Exception {
      http.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private String markdown(ZonedDateTime started, Duration took, int records, long bytes, CpuUsage idle,
      List<Run> passthrough, List<Run> tide, SaturationSearch.Result raw, SaturationSearch.Result endpoint,
      double p99Limit) {
    ProcessStats.Machine m = ProcessStats.machine();
    StringBuilder out = new StringBuilder();
    out.append("# tide benchmark: tide vs a raw Kafka Streams passthrough, ingest endpoint vs a raw producer (")
        .append(started.toLocalDate()).append(")\n\n");
    out.append("`io.poseidon.loadtests.TideBenchmark ").append(options.entrySet().stream()
        .map(e -> "--" + e.getKey() + " " + e.getValue()).reduce((a, b) -> a + " " + b).orElse(""))
        .append("`, started ").append(started).append(", took ").append(took.toSeconds()).append(" s.\n\n");
    out.append("> Everything shares the same ").append(m.processors()).append(" cores: the Kafka broker (in this JVM), "
        + "the Apicurio registry (child process), the topologies / the node, and the load generator. The ratios, "
        + "measured in the same run, are the result.\n\n");
    out.append("## Machine\n\n- nproc: ").append(m.processors()).append(" · CPU: ").append(m.cpuModel())
        .append(" · RAM: ").append(String.format(Locale.ROOT, "%.1f GB", m.memTotalBytes() / 1e9)).append("\n- Java ")
        .append(m.javaVersion()).append(" (").append(m.vm()).append("), max heap ").append(m.maxHeapBytes() >> 20)
        .append(" MB · ").append(m.os()).append("\n- Idle, without load (3 s): this JVM ")
        .append(fmt(idle.jvmCores())).append(" cores, registry ").append(fmt(idle.registryCores()))
        .append(", **other processes ").append(fmt(idle.otherCores())).append(" cores**\n\n");

    double pass = best(passthrough);
    double tideRate = best(tide);
    out.append("## 1. Topology throughput: tide vs raw Kafka Streams passthrough\n\n");
    out.append("- Input: ").append(String.format(Locale.ROOT, "%,d", records)).append(" raw log records on `tide.ingest` (")
        .append(TideTopics.INGEST.partitions()).append(" partitions), payloads ")
        .append(String.format(Locale.ROOT, "%.0f", (double) bytes / records))
        .append(" bytes on average (200–500 with the envelope), written once before the runs; keys `<source>/<id>`, "
            + "every id distinct.\n");
    out.append("- **Baseline: raw Kafka Streams passthrough** — the same source, the same Avro serdes with Apicurio, "
        + "the same `StreamsDefaults` (EOS v2, commit 100 ms, 1 stream thread, lz4, error handlers), each record "
        + "forwarded unchanged to `bench.passthrough-out` (6 partitions).\n");
    out.append("- **tide**: `TideTopology` as a node runs it, ").append(RULES).append(" rules (19 that test "
        + "attributes and a payload field of every log and never match, one that takes `level = ERROR`: one record "
        + "in three), de-duplication, enrichment lookup, counters; the other records go to `lighthouse.logs`.\n");
    out.append("- Each run is a fresh application id reading everything from the start; records/s is the slope of "
        + "the committed offsets between 10 % and 90 % of the input. Runs alternate: passthrough, tide, ...\n\n");
    out.append("| run | path | records/s (10–90 %) | wall s (start to all committed) | JVM cores | other processes' cores |\n");
    out.append("|---:|---|---:|---:|---:|---:|\n");
    for (int i = 0; i < passthrough.size(); i++) {
      for (Run r : List.of(passthrough.get(i), tide.get(i))) {
        out.append("| ").append(r.index()).append(" | ").append(r.path()).append(" | ")
            .append(String.format(Locale.ROOT, "%,.0f", r.recordsPerSecond())).append(" | ")
            .append(String.format(Locale.ROOT, "%.1f", r.wallSeconds())).append(" | ").append(fmt(r.cpu().jvmCores()))
            .append(" | ").append(fmt(r.cpu().otherCores())).append(" |\n");
      }
    }
    double topologyRatio = tideRate / pass;
    out.append("\n**tide / passthrough (best run of each): ").append(String.format(Locale.ROOT, "%.2f", topologyRatio))
        .append("** — goal ≥ 0.70: ").append(topologyRatio >= 0.70 ? "**met**" : "**missed**").append("\n");

    out.append("\n## 2. Ingest endpoint vs raw producer, batches of ").append(BATCH).append("\n\n");
    out.append("- **Baseline: raw producer** — a `KafkaProducer` with the gateway's settings (acks=all, idempotence, "
        + "linger 5 ms, lz4) sends 100 `IngestEvent`s to `tide.ingest`; a batch is done when all 100 are acknowledged.\n");
    out.append("- **ingest endpoint** — `POST /api/v1/ingest` with a JSON array of the same 100 envelopes, on a node "
        + "running tide (which routes everything both paths write, on the same cores); done on the `202`.\n");
    out.append("- Open model (batches due at fixed times, latency from the intended send time, HdrHistogram), rising "
        + "×1.25 per step until p99 > ").append((int) p99Limit).append(" ms (`--p99-limit-ms`: a bulk request of 100 "
        + "records, not an interactive one), < 95 % of the target achieved, or a failure. The node's tide topology "
        + "routes what both paths write, on the same cores; before each step it has caught up (the lag after a step "
        + "is in the table).\n\n");
    out.append(SaturationSearch.markdown(raw, endpoint, p99Limit)
        .replace("## Saturation", "### Steps (rates in batches/s)").replace("raw-kafka", "raw-producer")
        .replace("| poseidon |", "| ingest-endpoint |").replace("ratio poseidon / raw", "ratio endpoint / raw")
        .replace("req/s", "batches/s").replace("depths lag after", "tide lag after (drained before the next step)"));
    double ingestRatio = raw.saturationRate() == 0 ? Double.NaN : (double) endpoint.saturationRate() / raw.saturationRate();
    out.append("\n**ingest endpoint / raw producer: ").append(String.format(Locale.ROOT, "%,d", endpoint.saturationRate() * BATCH))
        .append(" vs ").append(String.format(Locale.ROOT, "%,d", raw.saturationRate() * BATCH)).append(" records/s = ")
        .append(String.format(Locale.ROOT, "%.2f", ingestRatio)).append("** — goal ≥ 0.50: ")
        .append(ingestRatio >= 0.50 ? "**met**" : "**missed**").append("\n");
    if (profile != null) {
      out.append(JfrProfile.markdown(profile, "last tide run"));
    }
    if (endpointProfile != null) {
      out.append(JfrProfile.markdown(endpointProfile, "the ingest endpoint's saturation search, every step"));
    }
    return out.toString();
  }

  private static double best(List<Run> runs) {
    return runs.stream().mapToDouble(Run::recordsPerSecond).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static void say(String format, Object... args) {
    System.out.println("[tide-bench " + java.time.LocalTime.now().withNano(0) + "] "
        + String.format(Locale.ROOT, format, args));
  }
}
