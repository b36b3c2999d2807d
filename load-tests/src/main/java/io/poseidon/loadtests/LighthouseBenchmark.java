package io.poseidon.loadtests;

import io.poseidon.deploy.local.LocalStack;
import io.poseidon.deploy.local.LocalStackConfig;
import io.poseidon.deploy.local.LocalStackMain;
import io.poseidon.gateway.http.EventPublisher;
import io.poseidon.processors.lighthouse.LighthouseConfig;
import io.poseidon.processors.lighthouse.LighthouseModule;
import io.poseidon.processors.lighthouse.LighthouseQueries;
import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.processors.lighthouse.LighthouseTopology;
import io.poseidon.processors.lighthouse.Series;
import io.poseidon.processors.lighthouse.Stat;
import io.poseidon.schemas.lighthouse.MetricBatch;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.schemas.lighthouse.MetricPoint;
import io.poseidon.topology.catalog.TopicProvisioner;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.query.QueryResult;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.streams.StreamsDefaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * lighthouse against raw Kafka Streams, on one machine in one run (issue "lighthouse", performance):
 *
 * <ol>
 *   <li><b>Aggregation throughput</b>: {@code --batches} metric batches of 100–1,000 points over 10,000
 *       series (20 services × 5 instances × 100 series; a batch is one instance's points, 1–10 per series
 *       of it) are written to {@code lighthouse.metrics} once; then, alternately, a raw Kafka Streams job
 *       that only sums the same points (same source, serdes, EOS v2 and settings; per batch one cached
 *       key-value read and write per series: the least a per-series aggregation does) and the lighthouse
 *       topology each read all of them with a fresh application id. Points/s = the slope of the committed
 *       offsets between 10 % and 90 % of the input × the points per batch. Goals: ≥ 1,000,000 points/s
 *       and ≥ 50 % of the raw job.</li>
 *   <li><b>Quantile accuracy</b>: after the last lighthouse run, p50 / p90 / p99 of 20 series read from its
 *       1 min windows (merged) against the exact percentiles of the same generated values.</li>
 *   <li><b>Query latency</b>: a 24 h series (one point every 10 s, written in order before the rest)
 *       queried at 1 min step (1,440 points) from the lighthouse stores, open model at
 *       {@code --query-rate}/s, HdrHistogram, latency from the intended time. Goal: p99 ≤ 20 ms.</li>
 * </ol>
 * Writes {@code <out>/<date>-lighthouse.md}; with {@code --jfr} a JFR profile of the last lighthouse run.
 */
public final class LighthouseBenchmark {

  static final int SERVICES = 20;
  static final int INSTANCES = 5;
  static final int SERIES_PER_INSTANCE = 100;
  static final String SUMS_STORE = "bench-sums-store";
  static final String LONG_SERVICE = "history";
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);

  private final Map<String, String> options;
  private final LocalStack stack;
  private final Admin admin;
  private final SerdeFactory serdes;
  private final Path workDir;
  private final Map<String, List<Double>> exact = new TreeMap<>();
  private final List<String> accuracy = new ArrayList<>();
  private PhaseResult queryResult;
  private volatile String firstFailure;
  private JfrProfile.Summary profile;
  private long points;
  private long batches;

  private LighthouseBenchmark(Map<String, String> options, LocalStack stack, Admin admin, Path workDir) {
    this.options = options;
    this.stack = stack;
    this.admin = admin;
    this.serdes = SerdeFactory.apicurio(stack.registryUrl());
    this.workDir = workDir;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("batches", "20000");
    options.put("runs", "2");
    options.put("query-rate", "50");
    options.put("query-seconds", "20");
    options.put("out", Files.isDirectory(Path.of("load-tests")) ? "load-tests/results" : "results");
    options.put("jfr", "true");
    options.put("guarantee", "exactly_once_v2");
    options.put("stream-threads", "1");
    options.put("node-config", ""); // key=value,key=value: node settings for both paths (streams.rocksdb.* ...)
    for (int i = 0; i < args.length; i++) {
      String name = args[i].replaceFirst("^--", "");
      if (!options.containsKey(name) || i + 1 >= args.length) {
        System.err.println("usage: LighthouseBenchmark [--batches N] [--runs N] [--query-rate N] [--query-seconds S] "
            + "[--jfr true|false] [--guarantee exactly_once_v2|at_least_once] [--stream-threads N] [--node-config key=value,...] [--out DIR]");
        System.exit(2);
      }
      options.put(name, args[++i]);
    }
    LocalStackMain.useLog4j2Config();
    ZonedDateTime started = ZonedDateTime.now();
    Path workDir = Files.createTempDirectory("poseidon-lighthouse-bench-");
    try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral(workDir.resolve("stack")));
         Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
      Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "bench-stack-shutdown"));
      LighthouseBenchmark bench = new LighthouseBenchmark(options, stack, admin, workDir);
      String body = bench.run(started);
      Path out = Path.of(options.get("out"));
      Files.createDirectories(out);
      Path file = out.resolve(started.toLocalDate() + "-lighthouse.md");
      Files.writeString(file, body);
      System.out.println(body);
      say("report written to %s", file.toAbsolutePath());
    } finally {
      LocalStack.deleteRecursively(workDir);
    }
  }

  /** One read of the whole input by one topology. */
  record Run(String path, int index, double batchesPerSecond, double wallSeconds, CpuUsage cpu) {}

  private String run(ZonedDateTime started) throws Exception {
    long begin = System.nanoTime();
    Files.createDirectories(Path.of(options.get("out"))); // the JFR profile is written there before the report
    jdk.jfr.Recording warmUp = Boolean.parseBoolean(options.get("jfr")) ? JfrProfile.warmUp() : null;
    new TopicProvisioner(admin, (short) 1, 0).ensure(new LighthouseModule().topics(), Duration.ofSeconds(60));
    Instant now = Instant.now();
    long historyPoints = fillHistory(now.minus(Duration.ofHours(24)), now);
    fill(Integer.parseInt(options.get("batches")), now);
    CpuUsage idle = idle(Duration.ofSeconds(3));
    List<Run> raw = new ArrayList<>();
    List<Run> lighthouse = new ArrayList<>();
    int runs = Integer.parseInt(options.get("runs"));
    for (int i = 1; i <= runs; i++) {
      raw.add(runTopology("raw-sum", i, null, false));
      jdk.jfr.Recording recording = warmUp != null && i == runs ? JfrProfile.start() : null;
      lighthouse.add(runTopology("lighthouse", i, recording, i == runs));
      if (recording != null) {
        warmUp.close();
      }
    }
    return markdown(started, Duration.ofNanos(System.nanoTime() - begin), idle, raw, lighthouse, historyPoints);
  }

  private Run runTopology(String path, int index, jdk.jfr.Recording recording, boolean measureQueries)
      throws Exception {
    String prefix = "bench-" + path + "-" + index + "-";
    Map<String, String> settings = BenchmarkOptions.nodeConfig(options.get("node-config"));
    settings.putAll(Map.of(
        PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, stack.bootstrapServers(),
        PoseidonConfig.REGISTRY_URL, stack.registryUrl(),
        PoseidonConfig.NODE_ID, "bench",
        PoseidonConfig.STREAMS_APPLICATION_ID_PREFIX, prefix,
        PoseidonConfig.STREAMS_PROCESSING_GUARANTEE, options.get("guarantee"),
        PoseidonConfig.STREAMS_NUM_STREAM_THREADS, options.get("stream-threads"),
        PoseidonConfig.STREAMS_STATE_DIR, workDir.resolve("state-" + path + "-" + index).toString()));
    PoseidonConfig config = new PoseidonConfig(ConfigSource.of(settings));
    Properties props = StreamsDefaults.forService(config, LighthouseModule.NAME, "127.0.0.1:1");
    props.putAll(new LighthouseModule().streamsConfig()); // as the node applies them
    // a long evaluation interval: this measures aggregation (there are no rules, so evaluations are cheap anyway)
    LighthouseConfig lighthouseConfig = LighthouseConfig.of(Map.of(LighthouseConfig.EVALUATION_INTERVAL, "30s"));
    Topology topology = path.equals("lighthouse")
        ? LighthouseTopology.build(serdes, lighthouseConfig, Clock.systemUTC()) : rawSum();
    String group = StreamsDefaults.applicationId(config, LighthouseModule.NAME);
    long registryPid = stack.registry().pid();
    CpuUsage.Sample before = CpuUsage.sample(registryPid);
    long t0 = System.nanoTime();
    try (KafkaStreams streams = new KafkaStreams(topology, props)) {
      streams.start();
      double rate = CommittedRate.await(admin, group, LighthouseTopics.METRICS.name(), batches, RUN_TIMEOUT);
      CpuUsage cpu = CpuUsage.between(before, CpuUsage.sample(registryPid));
      if (recording != null) {
        profile = JfrProfile.stop(recording, Path.of(options.get("out")).resolve(
            java.time.LocalDate.now() + "-lighthouse-topology.jfr"));
      }
      if (measureQueries) {
        Thread.sleep(1_000); // the last commit: caches flushed into the stores
        checkAccuracy(streams);
        measureQueries(streams);
      }
      streams.close(Duration.ofSeconds(30));
      double wall = (System.nanoTime() - t0) / 1e9;
      say("%s run %d: %,.0f batches/s = %,.0f points/s (10-90 %%), JVM %.2f cores, others %.2f", path, index, rate,
          rate * points / batches, cpu.jvmCores(), cpu.otherCores());
      Thread.sleep(2_000);
      return new Run(path, index, rate, wall, cpu);
    }
  }

  /** The baseline: the same source and serdes; per batch, the points summed per series into a cached store. */
  private Topology rawSum() {
    Topology topology = new Topology();
    topology.addSource("raw-sum-source", Serdes.String().deserializer(), serdes.valueDeserializer(MetricEvent.class),
        LighthouseTopics.METRICS.name());
    topology.addProcessor("raw-sum", RawSum::new, "raw-sum-source");
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SUMS_STORE), Serdes.String(),
        Serdes.Double()).withCachingEnabled(), "raw-sum");
    return topology;
  }

  static final class RawSum implements Processor<String, MetricEvent, Void, Void> {
    private KeyValueStore<String, Double> sums;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      sums = context.getStateStore(SUMS_STORE);
    }

    @Override
    public void process(Record<String, MetricEvent> record) {
      MetricBatch batch = (MetricBatch) record.value().getPayload();
      Map<String, Double> bySeries = new HashMap<>();
      for (MetricPoint p : batch.getPoints()) {
        bySeries.merge(Series.key(batch.getService(), p.getName(), p.getLabels()), p.getValue(), Double::sum);
      }
      bySeries.forEach((k, v) -> {
        Double before = sums.get(k);
        sums.put(k, before == null ? v : before + v);
      });
    }
  }

  /**
   * p50 / p90 / p99 of 20 series as a user asks for them (LighthouseQueries, one step of 24 h: coarse windows
   * merged, plus the 10 s window each series is still in), against the exact percentiles of their values.
   */
  private void checkAccuracy(KafkaStreams streams) {
    LighthouseQueries queries = new LighthouseQueries(new StoreQueries(streams, new HostInfo("127.0.0.1", 1)));
    Instant from = Instant.now().minus(Duration.ofHours(12));
    Instant to = from.plus(Duration.ofHours(24));
    double worst = 0;
    for (Map.Entry<String, List<Double>> e : exact.entrySet()) {
      String[] parts = e.getKey().split("\0", -1);
      Map<String, String> labels = new HashMap<>();
      for (String pair : parts[2].split("\1")) {
        labels.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
      }
      double[] values = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
      StringBuilder line = new StringBuilder("| `" + e.getKey().replace('\0', '/').replace('\1', ',') + "` | "
          + values.length);
      long aggregated = -1;
      StringBuilder cells = new StringBuilder();
      for (Stat stat : List.of(Stat.P50, Stat.P90, Stat.P99)) {
        double q = stat == Stat.P50 ? 0.50 : stat == Stat.P90 ? 0.90 : 0.99;
        double truth = values[(int) Math.floor(q * (values.length - 1))];
        QueryResult<LighthouseQueries.MetricsAnswer> r = queries.metrics(parts[0], parts[1], stat, from, to,
            Duration.ofHours(24), labels);
        double got = Double.NaN;
        if (r instanceof QueryResult.Local<LighthouseQueries.MetricsAnswer> local && local.value().series().size() == 1
            && local.value().series().get(0).points().size() == 1) {
          LighthouseQueries.Point point = local.value().series().get(0).points().get(0);
          got = point.value();
          aggregated = point.count();
        }
        double error = Math.abs(got - truth) / Math.abs(truth);
        worst = Double.isNaN(error) ? Double.NaN : Math.max(worst, error);
        cells.append(String.format(Locale.ROOT, " | %.2f / %.2f (%.2f %%)", truth, got, 100 * error));
      }
      accuracy.add(line.append(" / ").append(aggregated).append(cells).append(" |").toString());
    }
    accuracy.add(String.format(Locale.ROOT, "worst relative error: %.3f %%", 100 * worst));
  }

  /** The 24 h series at 1 min step, open model, from a single query thread (as a gateway worker runs it). */
  private void measureQueries(KafkaStreams streams) throws Exception {
    LighthouseQueries queries = new LighthouseQueries(new StoreQueries(streams, new HostInfo("127.0.0.1", 1)));
    Instant to = Instant.now();
    Instant from = to.minus(Duration.ofHours(24));
    ExecutorService worker = Executors.newSingleThreadExecutor();
    LoadTarget target = request -> CompletableFuture.supplyAsync(() -> {
      QueryResult<LighthouseQueries.MetricsAnswer> r = queries.metrics(LONG_SERVICE, "http.server.duration", Stat.P99,
          from, to, Duration.ofMinutes(1), Map.of());
      if (r instanceof QueryResult.Local<LighthouseQueries.MetricsAnswer> local && !local.value().series().isEmpty()
          && local.value().series().get(0).points().size() >= 1_430) {
        return Outcome.ok("1440 points");
      }
      String why = r instanceof QueryResult.Local<LighthouseQueries.MetricsAnswer> l
          ? "points " + (l.value().series().isEmpty() ? 0 : l.value().series().get(0).points().size()) : r.toString();
      if (firstFailure == null) {
        firstFailure = why;
        say("query failed: %s", why);
      }
      return Outcome.failed(why);
    }, worker);
    try {
      OpenModelLoad load = new OpenModelLoad(new OpenModelLoad.Limits(64, Duration.ofSeconds(5), Duration.ofSeconds(30)));
      queryResult = load.run("query-24h-1m", new OpenModelSchedule(Integer.parseInt(options.get("query-rate")),
          Duration.ofSeconds(5), Duration.ofSeconds(Long.parseLong(options.get("query-seconds")))), target);
      say("24 h at 1 min: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d ok, %d failed)", queryResult.latencyMillis(50),
          queryResult.latencyMillis(99), queryResult.maxLatencyMillis(), queryResult.measuredOk(),
          queryResult.measuredFailureCount());
    } finally {
      worker.shutdownNow();
    }
  }

  /** 24 h of one series, a point every 10 s, in time order (so nothing of it is late). */
  private long fillHistory(Instant from, Instant to) throws Exception {
    long n = 0;
    SplittableRandom random = new SplittableRandom(3);
    try (Producer<String, SpecificRecord> producer = producer("bench-history")) {
      List<MetricPoint> pointsOfBatch = new ArrayList<>();
      for (Instant t = from; t.isBefore(to); t = t.plusSeconds(10)) {
        pointsOfBatch.add(MetricPoint.newBuilder().setName("http.server.duration").setTime(t)
            .setValue(20 + 80 * random.nextDouble()).setUnit("ms").setLabels(Map.of()).build());
        if (pointsOfBatch.size() == 360) { // an hour per batch
          send(producer, LONG_SERVICE, LONG_SERVICE + "-1", pointsOfBatch, t);
          n += pointsOfBatch.size();
          pointsOfBatch = new ArrayList<>();
        }
      }
      if (!pointsOfBatch.isEmpty()) {
        send(producer, LONG_SERVICE, LONG_SERVICE + "-1", pointsOfBatch, to);
        n += pointsOfBatch.size();
      }
      producer.flush();
    }
    return n;
  }

  /** The input: batches of one instance's points (1–10 per series of it), times advancing 1 ms per batch. */
  private void fill(int count, Instant start) throws Exception {
    long begin = System.nanoTime();
    SplittableRandom random = new SplittableRandom(42);
    try (Producer<String, SpecificRecord> producer = producer("bench-fill")) {
      for (int b = 0; b < count; b++) {
        int service = random.nextInt(SERVICES);
        int instance = random.nextInt(INSTANCES);
        int perSeries = 1 + random.nextInt(10);
        Instant time = start.plusMillis(b);
        List<MetricPoint> batch = new ArrayList<>(perSeries * SERIES_PER_INSTANCE);
        for (int s = 0; s < SERIES_PER_INSTANCE; s++) {
          Map<String, String> labels = Map.of("route", "/r" + (s % 10), "instance", "i-" + instance);
          String name = "m" + (s / 10);
          for (int k = 0; k < perSeries; k++) {
            double value = Math.exp(3 + random.nextGaussian()); // log-normal, like latencies
            batch.add(MetricPoint.newBuilder().setName(name).setTime(time.minusMillis(k * 100L)).setValue(value)
                .setUnit("ms").setLabels(labels).build());
            if (service == 0 && instance == 0 && s < 20) {
              Map<String, String> seriesLabels = new HashMap<>(labels);
              seriesLabels.put(Series.ENVIRONMENT, "prod"); // the batch's environment is a label of its series
              exact.computeIfAbsent(Series.key("svc-0", name, seriesLabels), x -> new ArrayList<>()).add(value);
            }
          }
        }
        send(producer, "svc-" + service, "svc-" + service + "-i-" + instance, batch, time);
        points += batch.size();
        batches++;
      }
      producer.flush();
    }
    say("wrote %,d batches, %,d points (%.0f per batch) in %.1f s", batches, points, (double) points / batches,
        (System.nanoTime() - begin) / 1e9);
  }

  private void send(Producer<String, SpecificRecord> producer, String service, String instance,
      List<MetricPoint> batchPoints, Instant time) {
    MetricBatch batch = MetricBatch.newBuilder().setService(service).setInstance(instance).setPoints(batchPoints)
        .setAttributes(Map.of("environment", "prod")).build();
    producer.send(new ProducerRecord<>(LighthouseTopics.METRICS.name(), null, time.toEpochMilli(), service,
        new MetricEvent(EventMetas.first("lighthouse.MetricBatch", "bench", "bench", null, Clock.systemUTC()), batch)));
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

  private String markdown(ZonedDateTime started, Duration took, CpuUsage idle, List<Run> raw, List<Run> lighthouse,
      long historyPoints) {
    ProcessStats.Machine m = ProcessStats.machine();
    double perBatch = (double) points / batches;
    StringBuilder out = new StringBuilder();
    out.append("# lighthouse benchmark: aggregation vs a raw Kafka Streams sum, sketch accuracy, 24 h query (")
        .append(started.toLocalDate()).append(")\n\n");
    out.append("`io.poseidon.loadtests.LighthouseBenchmark ").append(options.entrySet().stream()
        .map(e -> "--" + e.getKey() + " " + e.getValue()).reduce((a, b) -> a + " " + b).orElse(""))
        .append("`, started ").append(started).append(", took ").append(took.toSeconds()).append(" s.\n\n");
    out.append("> Everything shares the same ").append(m.processors()).append(" cores: the Kafka broker (in this JVM), "
        + "the Apicurio registry (child process), the topologies and the load generator. The ratios, measured in the "
        + "same run, are the result.\n\n");
    out.append("## Machine\n\n- nproc: ").append(m.processors()).append(" · CPU: ").append(m.cpuModel())
        .append(" · RAM: ").append(String.format(Locale.ROOT, "%.1f GB", m.memTotalBytes() / 1e9)).append("\n- Java ")
        .append(m.javaVersion()).append(" (").append(m.vm()).append("), max heap ").append(m.maxHeapBytes() >> 20)
        .append(" MB · ").append(m.os()).append("\n- Idle, without load (3 s): this JVM ")
        .append(fmt(idle.jvmCores())).append(" cores, registry ").append(fmt(idle.registryCores()))
        .append(", **other processes ").append(fmt(idle.otherCores())).append(" cores**\n\n");

    out.append("## 1. Aggregation throughput: lighthouse vs a raw Kafka Streams sum\n\n");
    out.append(String.format(Locale.ROOT, "- Input: %,d metric batches, %,d points (%.0f per batch, 100–1,000), over "
        + "%,d series (%d services × %d instances × %d series), on `lighthouse.metrics` (%d partitions), written once "
        + "before the runs; values log-normal.%n", batches, points, perBatch, SERVICES * INSTANCES * SERIES_PER_INSTANCE,
        SERVICES, INSTANCES, SERIES_PER_INSTANCE, LighthouseTopics.METRICS.partitions()));
    out.append("- **Baseline: raw Kafka Streams sum** — the same source, Avro serdes with Apicurio and "
        + "`StreamsDefaults` (" + options.get("guarantee") + ", commit 100 ms, " + options.get("stream-threads")
        + " stream thread(s)); per batch it sums the points per series and "
        + "does one read and one write of a cached key-value store per series (the least a per-series aggregation "
        + "does).\n");
    out.append("- **lighthouse**: `LighthouseTopology` as a node runs it — per batch and series: 10 s, 1 min and 1 h "
        + "windows (count, sum, min, max, DDSketch), series index, anomaly baseline when a window closes.\n");
    out.append("- Each run is a fresh application id reading everything from the start; batches/s is the slope of the "
        + "committed offsets between 10 % and 90 % of the input. Runs alternate.\n\n");
    out.append("| run | path | batches/s | points/s | JVM cores | other processes' cores |\n|---:|---|---:|---:|---:|---:|\n");
    for (int i = 0; i < raw.size(); i++) {
      for (Run r : List.of(raw.get(i), lighthouse.get(i))) {
        out.append(String.format(Locale.ROOT, "| %d | %s | %,.0f | %,.0f | %s | %s |%n", r.index(), r.path(),
            r.batchesPerSecond(), r.batchesPerSecond() * perBatch, fmt(r.cpu().jvmCores()), fmt(r.cpu().otherCores())));
      }
    }
    double rawBest = best(raw) * perBatch;
    double lhBest = best(lighthouse) * perBatch;
    double ratio = lhBest / rawBest;
    out.append(String.format(Locale.ROOT, "%n**lighthouse: %,.0f points/s** — goal ≥ 1,000,000: %s%n%n", lhBest,
        lhBest >= 1_000_000 ? "**met**" : "**missed**"));
    out.append(String.format(Locale.ROOT, "**lighthouse / raw sum (best run of each): %.2f** (%,.0f vs %,.0f points/s) "
        + "— goal ≥ 0.50: %s%n", ratio, lhBest, rawBest, ratio >= 0.5 ? "**met**" : "**missed**"));

    out.append("\n## 2. Quantiles against exact percentiles\n\n");
    out.append("20 series of `svc-0` instance 0, every point of the run, asked of the last lighthouse run as a user "
        + "would (`LighthouseQueries.metrics`, one 24 h step: coarse windows merged with the 10 s window each series "
        + "is still in); exact = the value at rank ⌊q·(n−1)⌋ of the sorted generated values. DDSketch promises 1 % "
        + "relative error (of a value of the data, so a rank can differ).\n\n");
    out.append("| series | points generated / aggregated | p50 exact / sketch | p90 | p99 |\n|---|---:|---:|---:|---:|\n");
    accuracy.subList(0, Math.max(0, accuracy.size() - 1)).forEach(l -> out.append(l).append('\n'));
    if (!accuracy.isEmpty()) {
      out.append("\n**").append(accuracy.get(accuracy.size() - 1)).append("** — goal ≤ 1 %\n");
    }

    out.append("\n## 3. A 24 h series at 1 min step\n\n");
    out.append(String.format(Locale.ROOT, "`%s` / `http.server.duration`: %,d points over 24 h (one per 10 s), written in "
        + "time order before the rest. Query: `stat=p99&step=1m` over the 24 h (1,440 points, read from the 1 min "
        + "store, each window's sketch decoded) through `LighthouseQueries` on one thread, as a gateway worker runs it "
        + "(no HTTP). Open model at %s queries/s, latency from the intended time (HdrHistogram).%n%n", LONG_SERVICE,
        historyPoints, options.get("query-rate")));
    if (queryResult != null) {
      out.append(String.format(Locale.ROOT, "| p50 ms | p90 ms | p99 ms | max ms | ok | failed |%n|---:|---:|---:|---:|---:|---:|%n"
          + "| %.1f | %.1f | %.1f | %.1f | %d | %d |%n", queryResult.latencyMillis(50), queryResult.latencyMillis(90),
          queryResult.latencyMillis(99), queryResult.maxLatencyMillis(), queryResult.measuredOk(),
          queryResult.measuredFailureCount()));
      out.append(String.format(Locale.ROOT, "%n**p99 %.1f ms** — goal ≤ 20 ms: %s%n", queryResult.latencyMillis(99),
          queryResult.latencyMillis(99) <= 20 ? "**met**" : "**missed**"));
    }
    if (profile != null) {
      out.append(JfrProfile.markdown(profile, "last lighthouse run"));
    }
    return out.toString();
  }

  private static double best(List<Run> runs) {
    return runs.stream().mapToDouble(Run::batchesPerSecond).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static void say(String format, Object... args) {
    System.out.println("[lighthouse-bench " + java.time.LocalTime.now().withNano(0) + "] "
        + String.format(Locale.ROOT, format, args));
  }
}
