package io.poseidon.loadtests;

import io.poseidon.deploy.local.LocalStack;
import io.poseidon.deploy.local.LocalStackConfig;
import io.poseidon.deploy.local.LocalStackMain;
import io.poseidon.gateway.http.EventPublisher;
import io.poseidon.gateway.node.Node;
import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.catalog.TopicProvisioner;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.schemas.depths.InstanceEvent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Read-your-writes under load (issue 11: "RYW query p99 ≤ 20 ms after a 202 at 1,000 req/s"). One op =
 * a registration of a fresh instance ({@code POST …/instances}, 202 with {@code Poseidon-Position}),
 * then at once {@code GET …/instances/{id}?after=<position>}, which the gateway answers once depths'
 * store has processed that position (IQv2 PositionBound). Measured: the read, from the 202 to the 200
 * (HdrHistogram), and the whole op from its intended send time (open model: coordinated omission
 * corrected). A sample of ops also reads once <em>without</em> {@code after} at the same moment: how
 * often that read is stale (404) is why the bound exists.
 *
 * <p>Baseline in the same run (the physical anchor): raw Kafka's read-after-write — the same Avro
 * event produced with the gateway's producer settings, and a plain consumer of the topic seeing it;
 * read latency from the broker's ack to the consumer's poll returning it.
 */
public final class ReadYourWritesBenchmark {

  static final double GOAL_P99_MS = 20;
  static final TopicSpec RAW_TOPIC = new TopicSpec("bench.raw-ryw", DepthsTopics.REGISTRATIONS.partitions(), "delete",
      Duration.ofHours(1), "service name (string)", InstanceEvent.class, "load-tests",
      "Raw-Kafka baseline of the read-your-writes benchmark.");

  private ReadYourWritesBenchmark() {}

  public static void main(String[] args) throws Exception {
    LocalStackMain.useLog4j2Config();
    Map<String, String> opts = new HashMap<>(Map.of("--rate", "1000", "--warmup", "10", "--measured", "30",
        "--stale-every", "10", "--out", "load-tests/results", "--jvm-warmup", "15"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!opts.containsKey(args[i])) {
        System.err.println("bench: unknown option " + args[i] + "; known: " + opts.keySet());
        System.exit(2);
      }
      opts.put(args[i], args[i + 1]);
    }
    BenchmarkMain.exit(() -> run(Integer.parseInt(opts.get("--rate")), Duration.ofSeconds(Long.parseLong(opts.get("--warmup"))),
        Duration.ofSeconds(Long.parseLong(opts.get("--measured"))), Duration.ofSeconds(Long.parseLong(opts.get("--jvm-warmup"))),
        Integer.parseInt(opts.get("--stale-every")), Path.of(opts.get("--out"))));
  }

  /** What a path's reads saw while recording. */
  static final class Reads {
    final Recorder afterAck = new Recorder(3);
    final LongAdder staleChecks = new LongAdder();
    final LongAdder stale = new LongAdder();
    volatile boolean recording;

    void read(long ackNanos, long seenNanos) {
      if (recording) {
        afterAck.recordValue(Math.max(0, (seenNanos - ackNanos) / 1_000));
      }
    }
  }

  /** Poseidon: the POST, then the bound GET on the same client. */
  static final class Gateway implements LoadTarget, AutoCloseable {
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    private final Context context = vertx.getOrCreateContext();
    private final HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(64));
    private final int port;
    private final RegistrationWorkload workload;
    private final int staleEvery;
    final Reads reads = new Reads();

    Gateway(int port, RegistrationWorkload workload, int staleEvery) {
      this.port = port;
      this.workload = workload;
      this.staleEvery = staleEvery;
    }

    @Override
    public CompletionStage<Outcome> fire(Request request) {
      String service = workload.service(request.index());
      String instanceId = "ryw-" + request.index() + "-" + System.nanoTime();
      CompletableFuture<Outcome> outcome = new CompletableFuture<>();
      context.runOnContext(v -> call(HttpMethod.POST, "/api/v1/services/" + service + "/instances",
          Buffer.buffer(RegistrationWorkload.jsonBody(instanceId))).onComplete(posted -> {
            if (posted.failed()) {
              outcome.complete(Outcome.of(posted.cause()));
              return;
            }
            if (posted.result().status() != 202) {
              outcome.complete(Outcome.failed("POST " + posted.result().status()));
              return;
            }
            long acked = System.nanoTime();
            String position = posted.result().position();
            String path = "/api/v1/services/" + service + "/instances/" + instanceId;
            if (staleEvery > 0 && request.measured() && request.index() % staleEvery == 0) {
              call(HttpMethod.GET, path, null).onSuccess(r -> {
                reads.staleChecks.increment();
                if (r.status() == 404) {
                  reads.stale.increment();
                }
              });
            }
            call(HttpMethod.GET, path + "?after=" + URLEncoder.encode(position, StandardCharsets.UTF_8), null)
                .onComplete(read -> {
                  if (read.failed()) {
                    outcome.complete(Outcome.of(read.cause()));
                  } else if (read.result().status() != 200) {
                    outcome.complete(Outcome.failed("GET " + read.result().status()));
                  } else {
                    reads.read(acked, System.nanoTime());
                    outcome.complete(Outcome.ok("200"));
                  }
                });
          }));
      return outcome;
    }

    private record Reply(int status, String position) {}

    private Future<Reply> call(HttpMethod method, String uri, Buffer body) {
      RequestOptions options = new RequestOptions().setMethod(method).setHost(GatewayTarget.HOST).setPort(port)
          .setURI(uri).setConnectTimeout(5_000).setIdleTimeout(10_000);
      if (body != null) {
        options.putHeader("Content-Type", "application/json");
      }
      return http.request(options).compose(req -> (body == null ? req.send() : req.send(body))
          .compose(response -> response.body().map(ignored -> new Reply(response.statusCode(),
              response.getHeader("Poseidon-Position")))));
    }

    @Override
    public void close() {
      GatewayTarget.await(http.close());
      GatewayTarget.await(vertx.close());
    }
  }

  /** Raw Kafka: produce (gateway settings), a plain consumer of the topic sees the record. */
  static final class Raw implements LoadTarget, AutoCloseable {
    private final Producer<String, SpecificRecord> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final RegistrationWorkload workload;
    private final Clock clock = Clock.systemUTC();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread poller;
    final Reads reads = new Reads();

    private static final class Pending {
      final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
      volatile long ackNanos;
      volatile long seenNanos;

      /** Both the ack and the record came: the read is charged from the ack (0 when it came first). */
      synchronized void maybeDone(Reads reads) {
        if (ackNanos != 0 && seenNanos != 0 && !outcome.isDone()) {
          reads.read(ackNanos, Math.max(ackNanos, seenNanos));
          outcome.complete(Outcome.ok("seen"));
        }
      }
    }

    Raw(Admin admin, String bootstrap, String registryUrl, RegistrationWorkload workload) {
      new TopicProvisioner(admin, (short) 1, 0).ensure(List.of(RAW_TOPIC), Duration.ofSeconds(30));
      this.workload = workload;
      this.producer = EventPublisher.createProducer(bootstrap, Map.of(), SerdeFactory.apicurio(registryUrl)
          .anyValueSerializer(), "bench-raw-ryw", (Long) PoseidonConfig.CONFIG.defaultValues()
          .get(PoseidonConfig.HTTP_PUBLISH_MAX_BLOCK_MS));
      this.consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
          new ByteArrayDeserializer(), new ByteArrayDeserializer());
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < RAW_TOPIC.partitions(); p++) {
        partitions.add(new TopicPartition(RAW_TOPIC.name(), p));
      }
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
      poller = new Thread(this::poll, "bench-raw-ryw-consumer");
      poller.setDaemon(true);
      poller.start();
    }

    private void poll() {
      while (running.get()) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          long now = System.nanoTime();
          Header id = r.headers().lastHeader("bench-id");
          Pending p = id == null ? null : pending.remove(Long.parseLong(new String(id.value(), StandardCharsets.UTF_8)));
          if (p != null) {
            p.seenNanos = now;
            p.maybeDone(reads);
          }
        }
      }
      consumer.close(Duration.ofSeconds(5));
    }

    @Override
    public CompletionStage<Outcome> fire(Request request) {
      String service = workload.service(request.index());
      InstanceEvent event = new InstanceEvent(EventMetas.first("depths.ServiceRegistered", "bench-raw-ryw", "anonymous",
          null, clock), RegistrationWorkload.registered(service, "ryw-" + request.index()));
      Pending p = new Pending();
      long id = request.index() * 2 + (request.measured() ? 1 : 0); // warm-up and measured indexes overlap
      pending.put(id, p);
      ProducerRecord<String, SpecificRecord> record = new ProducerRecord<>(RAW_TOPIC.name(), service, event);
      record.headers().add("bench-id", Long.toString(id).getBytes(StandardCharsets.UTF_8));
      producer.send(record, (metadata, error) -> {
        if (error != null) {
          pending.remove(id);
          p.outcome.complete(Outcome.of(error));
        } else {
          p.ackNanos = System.nanoTime();
          p.maybeDone(reads);
        }
      });
      return p.outcome;
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      poller.join(10_000);
      producer.close(Duration.ofSeconds(10));
    }
  }

  private record Phase(String name, PhaseResult load, Histogram reads, long staleChecks, long stale, CpuUsage cpu) {}

  static int run(int rate, Duration warmup, Duration measured, Duration jvmWarmup, int staleEvery, Path out)
      throws Exception {
    ZonedDateTime started = ZonedDateTime.now();
    Path work = Files.createTempDirectory("poseidon-ryw-bench-");
    ProcessStats.Machine machine = ProcessStats.machine();
    RegistrationWorkload workload = RegistrationWorkload.defaults();
    OpenModelLoad load = new OpenModelLoad(OpenModelLoad.Limits.defaults());
    List<Phase> phases = new ArrayList<>();
    CpuUsage idle;
    JfrProfile.Summary profile = null;
    String nodeConfig;
    try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral(work.resolve("stack")))) {
      Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "bench-stack-shutdown"));
      long registryPid = stack.registry().pid();
      try (Node node = RegistrationBenchmark.startNode(stack, work.resolve("state"));
           Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
        RegistrationBenchmark.awaitReady(node);
        nodeConfig = "depths, " + node.config().getString(PoseidonConfig.STREAMS_PROCESSING_GUARANTEE) + ", commit interval "
            + node.config().getLong(PoseidonConfig.STREAMS_COMMIT_INTERVAL_MS) + " ms";
        // JFR's instrumentation in place (and the code recompiled) before anything is measured: starting a
        // recording deoptimizes the hot code, and the recompilation burst alone swamped the first runs
        jdk.jfr.Recording jfrWarmUp = JfrProfile.warmUp();
        OpenModelSchedule warm = new OpenModelSchedule(rate, Duration.ZERO, jvmWarmup);
        OpenModelSchedule schedule = new OpenModelSchedule(rate, warmup, measured);
        say("JVM warm-up: %d s per path at %d ops/s (not recorded)", jvmWarmup.toSeconds(), rate);
        try (Raw raw = new Raw(admin, stack.bootstrapServers(), stack.registryUrl(), workload)) {
          RegistrationBenchmark.prime(raw);
          load.run("raw-kafka", warm, raw);
        }
        try (Gateway gateway = new Gateway(node.httpPort(), workload, 0)) {
          RegistrationBenchmark.prime(gateway);
          load.run("poseidon", warm, gateway);
        }
        idle = CpuUsage.idle(registryPid, Duration.ofSeconds(3));
        say("idle: other processes %.2f cores", idle.otherCores());

        try (Raw raw = new Raw(admin, stack.bootstrapServers(), stack.registryUrl(), workload)) {
          RegistrationBenchmark.prime(raw);
          phases.add(phase("raw-kafka (produce → consumer sees it)", load, schedule, raw, raw.reads, registryPid, warmup));
        }
        Thread.sleep(1_000);
        jdk.jfr.Recording recording = JfrProfile.start();
        try (Gateway gateway = new Gateway(node.httpPort(), workload, staleEvery)) {
          RegistrationBenchmark.prime(gateway);
          phases.add(phase("poseidon (202 → GET ?after= answers 200)", load, schedule, gateway, gateway.reads,
              registryPid, warmup));
        }
        Files.createDirectories(out);
        profile = JfrProfile.stop(recording, out.resolve(started.toLocalDate() + "-ryw-" + rate + ".jfr"));
        jfrWarmUp.close();
      }
    } finally {
      LocalStack.deleteRecursively(work);
    }
    String report = report(started, machine, rate, warmup, measured, idle, nodeConfig, phases, profile);
    Files.createDirectories(out);
    Path file = out.resolve(started.toLocalDate() + "-ryw-" + rate + ".md");
    Files.writeString(file, report);
    System.out.println(report);
    say("report written to %s", file.toAbsolutePath());
    return 0;
  }

  private static Phase phase(String name, OpenModelLoad load, OpenModelSchedule schedule, LoadTarget target, Reads reads,
      long registryPid, Duration warmup) throws InterruptedException {
    CpuUsage.Sample before = CpuUsage.sample(registryPid);
    // reads are recorded from the measured part on (the warm-up ops end before it, give or take in-flight ones)
    Thread timer = new Thread(() -> {
      try {
        Thread.sleep(warmup.toMillis());
        reads.afterAck.reset();
        reads.recording = true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    timer.start();
    PhaseResult result = load.run(name, schedule, target);
    reads.recording = false;
    timer.join();
    CpuUsage cpu = CpuUsage.between(before, CpuUsage.sample(registryPid));
    Histogram h = reads.afterAck.getIntervalHistogram();
    say("%s: ok %d failed %d %s; read p50 %.2f p99 %.2f max %.2f ms; whole op p99 %.2f ms; JVM %.2f cores, others %.2f",
        name, result.measuredOk(), result.measuredFailureCount(), result.measuredFailures(),
        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0,
        result.latencyMillis(99), cpu.jvmCores(), cpu.otherCores());
    return new Phase(name, result, h, reads.staleChecks.sum(), reads.stale.sum(), cpu);
  }

  static String report(ZonedDateTime started, ProcessStats.Machine machine, int rate, Duration warmup, Duration measured,
      CpuUsage idle, String nodeConfig, List<Phase> phases, JfrProfile.Summary profile) {
    StringBuilder md = new StringBuilder();
    md.append("# Read-your-writes under load — ").append(started.toLocalDate()).append("\n\n");
    md.append(String.format(Locale.ROOT, "Run %s by `%s` (`--rate %d --warmup %d --measured %d`).%n%n", started,
        ReadYourWritesBenchmark.class.getName(), rate, warmup.toSeconds(), measured.toSeconds()));
    md.append(String.format(Locale.ROOT, "- Machine: %d cores (%s), %d MiB, %s %s. Load before the run: other "
            + "processes %.2f cores (idle 3 s). Broker, registry (child process), node and load generator share it.%n",
        machine.processors(), machine.cpuModel(), machine.memTotalBytes() >> 20, machine.vm(), machine.javaVersion(),
        idle.otherCores()));
    md.append("- Node: ").append(nodeConfig).append(".\n");
    md.append("- Poseidon op: `POST /api/v1/services/{s}/instances` (fresh instance) → 202 with `Poseidon-Position` → "
        + "`GET …/instances/{id}?after=<position>` → 200. **Read** = 202 received → 200 received.\n");
    md.append("- Baseline (same run, same rate, same Avro event and producer settings): raw Kafka produce → a plain "
        + "`KafkaConsumer` (assigned, read_committed) of the topic returns it. **Read** = broker ack → consumer has it.\n");
    md.append("- Open model: op i is due at t0 + i/rate; the *whole op* column runs from that intended time "
        + "(coordinated omission corrected). HdrHistogram, 3 digits.\n\n");
    md.append("| path | ok | failed | read p50 ms | read p99 ms | read p99.9 ms | read max ms | whole op p99 ms | JVM cores | other cores |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (Phase p : phases) {
      md.append(String.format(Locale.ROOT, "| %s | %d | %d %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |%n", p.name(),
          p.load().measuredOk(), p.load().measuredFailureCount(), p.load().measuredFailures().isEmpty() ? ""
              : p.load().measuredFailures().toString(), ms(p.reads(), 50), ms(p.reads(), 99), ms(p.reads(), 99.9),
          p.reads().getMaxValue() / 1000.0, p.load().latencyMillis(99), p.cpu().jvmCores(), p.cpu().otherCores()));
    }
    if (phases.size() == 2) {
      Phase raw = phases.get(0);
      Phase poseidon = phases.get(1);
      double p99 = ms(poseidon.reads(), 99);
      md.append(String.format(Locale.ROOT, "%nRead p99 Poseidon / raw Kafka: **%.2f×** (%.2f ms / %.2f ms).%n",
          p99 / Math.max(0.001, ms(raw.reads(), 99)), p99, ms(raw.reads(), 99)));
      md.append(String.format(Locale.ROOT, "%nGoal: RYW read p99 ≤ %.0f ms after a 202 at %d req/s — %.2f ms: **%s**.%n",
          GOAL_P99_MS, rate, p99, p99 <= GOAL_P99_MS ? "met" : "missed"));
      if (poseidon.staleChecks() > 0) {
        md.append(String.format(Locale.ROOT, "%nWithout `?after=`: %d of %d reads sent at the same moment (%.1f %%) "
                + "answered 404 — the write not yet in the store — which is what the bound is for.%n",
            poseidon.stale(), poseidon.staleChecks(), 100.0 * poseidon.stale() / poseidon.staleChecks()));
      }
    }
    if (profile != null) {
      md.append("\n").append(JfrProfile.markdown(profile, "Poseidon phase (warm-up included)"));
    }
    return md.toString();
  }

  private static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
  }

  private static void say(String format, Object... args) {
    System.out.println("[bench " + java.time.LocalTime.now().withNano(0) + "] " + String.format(Locale.ROOT, format, args));
  }
}
