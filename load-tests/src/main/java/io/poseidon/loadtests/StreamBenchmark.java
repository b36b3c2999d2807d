package io.poseidon.loadtests;

import io.poseidon.deploy.local.LocalStack;
import io.poseidon.deploy.local.LocalStackConfig;
import io.poseidon.deploy.local.LocalStackMain;
import io.poseidon.gateway.http.EventPublisher;
import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.avro.specific.SpecificRecord;

/**
 * The live stream under many clients: {@code --ws} WebSocket and {@code --sse} SSE clients (1,000 each)
 * on one node, each following one service's events of {@code depths.registrations} ({@code key=svc-NNN};
 * {@code --services} 1,000 keys, so each event goes to its key's clients), while an open-model producer
 * writes {@code --rate} (5,000) events/s in total. Measured: delivery latency from the event's send time
 * ({@code meta.time}) to the client, per transport (HdrHistogram), events lost, node RSS growth, and
 * the node's live consumers per topic; beside it, in the same run, a raw Kafka consumer of the same
 * topic (the physical anchor). Goals (issue 11): p99 ≤ 100 ms, RSS growth ≤ 200 MB, one consumer.
 */
public final class StreamBenchmark {

  private StreamBenchmark() {}

  public static void main(String[] args) throws Exception {
    LocalStackMain.useLog4j2Config();
    Map<String, String> opts = new HashMap<>(Map.of("--rate", "5000", "--ws", "1000", "--sse", "1000",
        "--services", "1000", "--warmup", "10", "--measured", "30", "--out", "load-tests/results",
        // the node's heap policy as ./poseidon and the k8s StatefulSet run it ("" for the JVM's defaults)
        "--node-jvm", "-XX:MaxHeapFreeRatio=30 -XX:MinHeapFreeRatio=10"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!opts.containsKey(args[i])) {
        System.err.println("bench: unknown option " + args[i] + "; known: " + opts.keySet());
        System.exit(2);
      }
      opts.put(args[i], args[i + 1]);
    }
    BenchmarkMain.exit(() -> run(Integer.parseInt(opts.get("--rate")), Integer.parseInt(opts.get("--ws")),
        Integer.parseInt(opts.get("--sse")), Integer.parseInt(opts.get("--services")),
        Duration.ofSeconds(Long.parseLong(opts.get("--warmup"))), Duration.ofSeconds(Long.parseLong(opts.get("--measured"))),
        Path.of(opts.get("--out")), opts.get("--node-jvm")));
  }

  /** Latency of what clients of one kind received, while recording. */
  static final class Sink {
    final Recorder latency = new Recorder(3);
    final AtomicLong received = new AtomicLong();
    final AtomicInteger connected = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    /** Why connections ended: WebSocket close codes and reasons, SSE end or error, with when (s since connect). */
    final Map<String, AtomicInteger> closeReasons = new java.util.concurrent.ConcurrentHashMap<>();
    volatile long connectedAt = System.nanoTime();
    volatile boolean recording;

    void ended(String why) {
      long s = (System.nanoTime() - connectedAt) / 1_000_000_000L;
      closeReasons.computeIfAbsent(why + " after ~" + (s / 5 * 5) + " s", k -> new AtomicInteger()).incrementAndGet();
    }

    /** One message: its first "time" is the event's send time. */
    void message(String text) {
      if (!recording) {
        return;
      }
      int at = text.indexOf("\"time\":\"");
      if (at < 0) {
        return;
      }
      int end = text.indexOf('"', at + 8);
      long sent = Instant.parse(text.substring(at + 8, end)).toEpochMilli();
      latency.recordValue(Math.max(0, System.currentTimeMillis() - sent) * 1_000);
      received.incrementAndGet();
    }
  }

  private record Phase(String name, Histogram latency, long received, long expected, CpuUsage cpu) {}

  static int run(int rate, int ws, int sse, int services, Duration warmup, Duration measured, Path out, String nodeJvm)
      throws Exception {
    ZonedDateTime started = ZonedDateTime.now();
    Path work = Files.createTempDirectory("poseidon-stream-bench-");
    ProcessStats.Machine machine = ProcessStats.machine();
    RegistrationWorkload workload = new RegistrationWorkload(services, 4);
    List<Phase> phases = new ArrayList<>();
    String consumers;
    ProcessStats.Memory rssBefore;
    ProcessStats.Memory rssDuring;
    long nodeRssBefore;
    long nodeRssDuring;
    long nodeHeapBefore;
    long nodeHeapDuring;
    long nodeCommittedBefore;
    long nodeCommittedDuring;
    int evicted;
    CpuUsage idle;
    Sink wsSink = new Sink();
    Sink sseSink = new Sink();
    Map<String, AtomicInteger> wsEnded;
    Map<String, AtomicInteger> sseEnded;
    JfrProfile.Summary profile;
    jdk.jfr.Recording jfrWarmUp = JfrProfile.warmUp();
    Vertx clients = Vertx.vertx();
    try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral(work.resolve("stack")))) {
      long registry = stack.registry().pid();
      idle = CpuUsage.idle(registry, Duration.ofSeconds(3));
      say("idle: other processes %.2f cores", idle.otherCores());
      // the node in a process of its own: its memory is then its own, not shared with the 2,000 clients
      try (NodeProcess node = NodeProcess.start("bench-stream", work.resolve("node"), stack,
               Map.of("POSEIDON_HTTP_RATE_LIMIT_REQUESTS_PER_SECOND", "0", "JAVA_XMX", "-Xmx1g", "JAVA_FLAGS", nodeJvm));
           Producer<String, SpecificRecord> producer = EventPublisher.createProducer(stack.bootstrapServers(), Map.of(),
               SerdeFactory.apicurio(stack.registryUrl()).anyValueSerializer(), "bench-stream-producer", 2_000L)) {
        node.awaitReady(new FailoverBenchmark.HttpClientLike());
        LoadTarget target = request -> {
          String service = workload.service(request.index());
          InstanceEvent event = new InstanceEvent(
              EventMetas.first("depths.ServiceRegistered", "bench-stream", "anonymous", null, Clock.systemUTC()),
              RegistrationWorkload.registered(service, workload.instanceId(request.index())));
          CompletableFuture<Outcome> acked = new CompletableFuture<>();
          producer.send(new ProducerRecord<>(DepthsTopics.REGISTRATIONS.name(), service, event),
              (md, error) -> acked.complete(error == null ? Outcome.ok("ack") : Outcome.of(error)));
          return acked;
        };
        OpenModelLoad load = new OpenModelLoad(new OpenModelLoad.Limits(4096, Duration.ofSeconds(10), Duration.ofSeconds(30)));

        // the anchor: one raw consumer of the same topic, same load
        Sink rawSink = new Sink();
        AtomicBoolean rawRunning = new AtomicBoolean(true);
        Thread raw = rawConsumer(stack.bootstrapServers(), rawSink, rawRunning);
        phases.add(phase("raw Kafka consumer", load, rate, warmup, measured, target, registry, List.of(rawSink)));
        rawRunning.set(false);
        raw.join(5_000);

        System.gc();
        rssBefore = ProcessStats.memoryAfterGc(registry);
        nodeRssBefore = node.rssAfterGcBytes();
        long[] heapBefore = node.heapAfterGcBytes();
        nodeHeapBefore = heapBefore[0];
        nodeCommittedBefore = heapBefore[1];
        connect(clients, node.port, ws, sse, workload, wsSink, sseSink);
        say("connected %d WebSocket and %d SSE clients", wsSink.connected.get(), sseSink.connected.get());
        wsSink.connectedAt = System.nanoTime();
        sseSink.connectedAt = wsSink.connectedAt;
        say("node live metrics after connecting:%n%s", scrape(clients, node.port));
        jdk.jfr.Recording recording = JfrProfile.start();
        phases.add(phase("live stream (" + ws + " WebSocket + " + sse + " SSE clients)", load, rate, warmup, measured,
            target, registry, List.of(wsSink, sseSink)));
        Files.createDirectories(out);
        profile = JfrProfile.stop(recording, out.resolve(started.toLocalDate() + "-stream.jfr"));
        jfrWarmUp.close();
        rssDuring = ProcessStats.memoryAfterGc(registry);
        nodeRssDuring = node.rssAfterGcBytes();
        long[] heapDuring = node.heapAfterGcBytes();
        nodeHeapDuring = heapDuring[0];
        nodeCommittedDuring = heapDuring[1];
        say("node heap after a full GC: in use %d MB before the clients, %d MB with them; committed %d MB, %d MB",
            nodeHeapBefore >> 20, nodeHeapDuring >> 20, nodeCommittedBefore >> 20, nodeCommittedDuring >> 20);
        evicted = wsSink.closed.get() + sseSink.closed.get();
        say("connections ended: WebSocket %s; SSE %s", wsSink.closeReasons, sseSink.closeReasons);
        wsEnded = new java.util.TreeMap<>(wsSink.closeReasons); // what ended during the run, not at our own close below
        sseEnded = new java.util.TreeMap<>(sseSink.closeReasons);
        consumers = scrape(clients, node.port);
        say("node log (last lines):%n%s", node.logTail(60));
      }
    } finally {
      clients.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      LocalStack.deleteRecursively(work);
    }
    String report = report(started, machine, nodeJvm, rate, ws, sse, services, warmup, measured, idle, phases, rssBefore,
        rssDuring, nodeRssBefore, nodeRssDuring, nodeHeapBefore, nodeHeapDuring, nodeCommittedBefore, nodeCommittedDuring,
        evicted, wsEnded, sseEnded, consumers, profile);
    Files.createDirectories(out);
    Path file = out.resolve(started.toLocalDate() + "-stream.md");
    Files.writeString(file, report);
    System.out.println(report);
    say("report written to %s", file.toAbsolutePath());
    return 0;
  }

  private static Phase phase(String name, OpenModelLoad load, int rate, Duration warmup, Duration measured,
      LoadTarget target, long registry, List<Sink> sinks) throws InterruptedException {
    OpenModelSchedule schedule = new OpenModelSchedule(rate, warmup, measured);
    Thread recorder = new Thread(() -> {
      try {
        Thread.sleep(warmup.toMillis());
        sinks.forEach(s -> {
          s.latency.reset();
          s.recording = true;
        });
        Thread.sleep(measured.toMillis());
        sinks.forEach(s -> s.recording = false);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    CpuUsage.Sample before = CpuUsage.sample(registry);
    recorder.start();
    PhaseResult produced = load.run(name, schedule, target);
    recorder.join();
    Thread.sleep(2_000); // the last events of the window arrive
    CpuUsage cpu = CpuUsage.between(before, CpuUsage.sample(registry));
    Histogram all = new Histogram(3);
    long received = 0;
    for (Sink s : sinks) {
      all.add(s.latency.getIntervalHistogram());
      received += s.received.get();
    }
    long expected = sinks.size() == 1 ? produced.measuredOk() : produced.measuredOk() * 2; // each event: 1 WS + 1 SSE client
    say("%-44s produced %d (p99 ack %.1f ms), received %d, delivery p50 %.1f p99 %.1f p99.9 %.1f max %.1f ms; "
            + "JVM %.2f cores, others %.2f", name, produced.measuredOk(), produced.latencyMillis(99), received,
        all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(99) / 1000.0,
        all.getValueAtPercentile(99.9) / 1000.0, all.getMaxValue() / 1000.0, cpu.jvmCores(), cpu.otherCores());
    return new Phase(name, all, received, expected, cpu);
  }

  /** A plain consumer of the topic from its end: what reading Kafka costs, without the gateway. */
  private static Thread rawConsumer(String bootstrap, Sink sink, AtomicBoolean running) {
    Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    List<TopicPartition> partitions = consumer.partitionsFor(DepthsTopics.REGISTRATIONS.name()).stream()
        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    Thread thread = new Thread(() -> {
      try (consumer) {
        while (running.get()) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            if (sink.recording) {
              sink.latency.recordValue(Math.max(0, System.currentTimeMillis() - r.timestamp()) * 1_000);
              sink.received.incrementAndGet();
            }
          }
        }
      }
    }, "bench-raw-consumer");
    thread.start();
    return thread;
  }

  /** {@code ws} WebSocket and {@code sse} SSE clients, client i following service i % services. */
  private static void connect(Vertx vertx, int port, int ws, int sse, RegistrationWorkload workload, Sink wsSink,
      Sink sseSink) throws InterruptedException {
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(sse + 1));
    WebSocketClient sockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(ws + 1));
    CountDownLatch ready = new CountDownLatch(ws + sse);
    for (int i = 0; i < Math.max(ws, sse); i++) {
      String uri = "/api/v1/stream?topics=" + DepthsTopics.REGISTRATIONS.name() + "&key=" + workload.service(i);
      if (i < ws) {
        sockets.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri))
            .onSuccess(socket -> {
              wsSink.connected.incrementAndGet();
              socket.textMessageHandler(wsSink::message);
              socket.closeHandler(v -> {
                wsSink.closed.incrementAndGet();
                wsSink.ended("WebSocket close " + socket.closeStatusCode() + " " + socket.closeReason());
              });
              socket.exceptionHandler(err -> wsSink.ended("WebSocket error " + err));
              ready.countDown();
            }).onFailure(err -> ready.countDown());
      }
      if (i < sse) {
        http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(uri)
                .putHeader("Accept", "text/event-stream"))
            .compose(req -> req.send())
            .onSuccess(resp -> {
              sseSink.connected.incrementAndGet();
              StringBuilder pending = new StringBuilder();
              resp.handler(buf -> {
                pending.append(buf.toString());
                int nl;
                while ((nl = pending.indexOf("\n")) >= 0) {
                  String line = pending.substring(0, nl);
                  pending.delete(0, nl + 1);
                  if (line.startsWith("data: ")) {
                    sseSink.message(line);
                  }
                }
              });
              resp.endHandler(v -> {
                sseSink.closed.incrementAndGet();
                sseSink.ended("SSE end");
              });
              resp.exceptionHandler(err -> {
                sseSink.closed.incrementAndGet();
                sseSink.ended("SSE error " + err);
              });
              ready.countDown();
            }).onFailure(err -> ready.countDown());
      }
    }
    if (!ready.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException("clients did not connect within 120 s");
    }
  }

  /** The node's live stream metrics, as /metrics shows them. */
  private static String scrape(Vertx vertx, int port) throws Exception {
    String metrics = vertx.createHttpClient().request(HttpMethod.GET, port, "127.0.0.1", "/metrics")
        .compose(req -> req.send().compose(r -> r.body())).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS).toString();
    StringBuilder out = new StringBuilder();
    metrics.lines().filter(l -> l.startsWith("poseidon_live_")).forEach(l -> out.append(l).append('\n'));
    return out.toString();
  }

  static String report(ZonedDateTime started, ProcessStats.Machine machine, String nodeJvm, int rate, int ws, int sse, int services,
      Duration warmup, Duration measured, CpuUsage idle, List<Phase> phases, ProcessStats.Memory rssBefore,
      ProcessStats.Memory rssDuring, long nodeRssBefore, long nodeRssDuring, long nodeHeapBefore, long nodeHeapDuring,
      long nodeCommittedBefore, long nodeCommittedDuring, int evicted, Map<String, AtomicInteger> wsEnded, Map<String, AtomicInteger> sseEnded, String consumers,
      JfrProfile.Summary profile) {
    StringBuilder md = new StringBuilder();
    md.append("# Live streams under many clients — ").append(started.toLocalDate()).append("\n\n");
    md.append(String.format(Locale.ROOT, "Run %s by `%s` (`--rate %d --ws %d --sse %d --services %d --warmup %d "
            + "--measured %d%s`). The node (depths, `http.auth.mode=none`, -Xmx1g%s) runs in a process of its own "
            + "(`poseidon node`); this JVM holds `LocalStack` (embedded broker + registry), the producer and every "
            + "client. Open-model producer (events sent on schedule "
            + "whatever happens), HdrHistogram; delivery latency = client receive time − the event's `meta.time` "
            + "(set when the producer sends it; millisecond resolution).%n%n",
        started.toOffsetDateTime(), StreamBenchmark.class.getName(), rate, ws, sse, services, warmup.toSeconds(),
        measured.toSeconds(), nodeJvm.isBlank() ? "" : " --node-jvm '" + nodeJvm + "'",
        nodeJvm.isBlank() ? "" : " " + nodeJvm));
    md.append(String.format(Locale.ROOT, "- Machine: %d cores (%s), %d MiB, %s %s. Load before the run: other "
            + "processes %.2f cores (idle 3 s).%n", machine.processors(), machine.cpuModel(),
        machine.memTotalBytes() >> 20, machine.vm(), machine.javaVersion(), idle.otherCores()));
    md.append("- Baseline (same run, same load, same topic `depths.registrations`): one raw `KafkaConsumer` "
        + "(read_committed) reading from the end; latency = receive time − record timestamp.\n");
    md.append(String.format(Locale.ROOT, "- Stream phase: client i follows `key=svc-%%03d` of %d services, so each "
        + "event reaches one WebSocket and one SSE client (%d events/s in, %d deliveries/s out).%n%n", services, rate,
        2 * rate));
    md.append("| phase | received | expected | p50 ms | p99 ms | p99.9 ms | max ms | p99 / raw | JVM cores | other cores |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|\n");
    double rawP99 = phases.get(0).latency().getValueAtPercentile(99) / 1000.0;
    for (Phase p : phases) {
      Histogram h = p.latency();
      md.append(String.format(Locale.ROOT, "| %s | %d | %s | %.1f | %.1f | %.1f | %.1f | %s | %s | %s |%n", p.name(),
          p.received(), p.expected() < 0 ? "—" : Long.toString(p.expected()), h.getValueAtPercentile(50) / 1000.0,
          h.getValueAtPercentile(99) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMaxValue() / 1000.0,
          p == phases.get(0) ? "—" : String.format(Locale.ROOT, "%.2f", h.getValueAtPercentile(99) / 1000.0
              / Math.max(rawP99, 1)),
          p.cpu() == null ? "—" : String.format(Locale.ROOT, "%.2f", p.cpu().jvmCores()),
          p.cpu() == null ? "—" : String.format(Locale.ROOT, "%.2f", p.cpu().otherCores())));
    }
    double p99 = phases.get(1).latency().getValueAtPercentile(99) / 1000.0;
    long growth = nodeRssDuring - nodeRssBefore;
    long clientSide = rssDuring.rssBytes() - rssBefore.rssBytes();
    md.append(String.format(Locale.ROOT, "%nGoals: delivery p99 ≤ 100 ms — %.1f ms (%s); node RSS growth with the "
            + "clients connected ≤ 200 MB — %d MB (%s): the node process's VmRSS after a full GC (jcmd GC.run) %d MB "
            + "before the clients connected, %d MB with the %d clients connected at the end of the stream phase. "
            + "(The benchmark JVM, with broker and clients, grew %d MB.) One consumer per topic — see the metrics "
            + "below. Client connections that ended during the run: %d (WebSocket: %s; SSE: %s). The node's heap in "
            + "use right after a full GC (jcmd GC.heap_info): %d MB before the clients, %d MB with them (+%d MB: what "
            + "the clients hold live); its committed heap then: %d MB, %d MB (+%d MB, heap G1 grew under the load "
            + "and kept). The JFR profile below is of the benchmark JVM (clients, broker), not of the node.%n%n",
        p99, p99 <= 100 ? "met" : "missed", growth >> 20, growth <= 200L << 20 ? "met" : "missed",
        nodeRssBefore >> 20, nodeRssDuring >> 20, ws + sse, clientSide >> 20, evicted,
        wsEnded.isEmpty() ? "none" : wsEnded.toString(), sseEnded.isEmpty() ? "none" : sseEnded.toString(),
        nodeHeapBefore >> 20, nodeHeapDuring >> 20, (nodeHeapDuring - nodeHeapBefore) >> 20, nodeCommittedBefore >> 20,
        nodeCommittedDuring >> 20, (nodeCommittedDuring - nodeCommittedBefore) >> 20));
    md.append("Node metrics at the end of the stream phase:\n\n```\n").append(consumers).append("```\n");
    if (profile != null) {
      md.append("\n").append(JfrProfile.markdown(profile, "stream phase"));
    }
    return md.toString();
  }

  private static void say(String format, Object... args) {
    System.out.println("[stream-bench] " + String.format(Locale.ROOT, format, args));
  }
}
