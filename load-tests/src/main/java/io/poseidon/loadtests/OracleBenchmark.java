package io.poseidon.loadtests;

import io.poseidon.deploy.local.LocalStack;
import io.poseidon.deploy.local.LocalStackConfig;
import io.poseidon.deploy.local.LocalStackMain;
import io.poseidon.gateway.node.Node;
import io.poseidon.gateway.node.Services;
import io.poseidon.processors.oracle.Embedder;
import io.poseidon.processors.oracle.MarkdownChunker;
import io.poseidon.processors.oracle.OracleConfig;
import io.poseidon.processors.oracle.OracleIndexes;
import io.poseidon.processors.oracle.OracleModule;
import io.poseidon.processors.oracle.OracleTopics;
import io.poseidon.processors.oracle.PartitionIndex;
import io.poseidon.processors.oracle.Passage;
import io.poseidon.processors.oracle.Search;
import io.poseidon.schemas.oracle.IndexingCompleted;
import io.poseidon.schemas.oracle.IndexingEvent;
import io.poseidon.schemas.oracle.IndexingFailed;
import io.poseidon.schemas.oracle.IndexingSkipped;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.serde.SerdeFactory;
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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;
import java.util.function.ToIntFunction;
import jdk.jfr.Recording;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;

/**
 * oracle (knowledge search) on one node, in one run, against plain Lucene over the same indexes (issue
 * "oracle", performance). One JVM: the local stack (embedded broker + registry child process) and a
 * Poseidon node running only oracle.
 *
 * <ol>
 *   <li><b>Indexing throughput</b>: generated markdown documents (operational prose with headings, a
 *       deterministic seed; {@code --chunks} chunks in all, counted with oracle's own chunker) are PUT
 *       through the gateway, a few in flight, a 503 retried after its Retry-After; a consumer of {@code
 *       oracle.indexing} (read_committed) counts the {@code IndexingCompleted} facts. Chunks/s and docs/s
 *       from the first PUT to the last completion, embedding included.</li>
 *   <li><b>Search latency</b>: open model at {@code --rate} queries/s, at most {@code --max-in-flight}
 *       outstanding, a fixed set of {@code --queries} questions and keyword queries from the corpus's
 *       vocabulary; {@code mode=hybrid} and {@code mode=keyword} over HTTP; HdrHistogram, latency from the
 *       intended send time (coordinated omission corrected). Goal: hybrid p99 ≤ 50 ms.</li>
 *   <li><b>Baseline</b>: a plain Lucene {@link IndexSearcher} of every partition index of the same node
 *       (BM25 with oracle's keyword query, top 10, the hits' stored fields), and oracle's own keyword path
 *       in process ({@link Search#local} + {@link Search#rank}), both on a pool as large as the gateway's
 *       query pool, same schedule. Ratios: oracle keyword in process / Lucene, oracle keyword via HTTP /
 *       Lucene. Goal ≤ 1.5×.</li>
 *   <li><b>Freshness</b>: during every search phase, every {@code --freshness-every} s a changed version
 *       of an indexed document with a unique token is PUT, and a keyword search for the token is polled
 *       every 50 ms; found − 202 received − debounce. Goal ≤ 3 s.</li>
 * </ol>
 * CPU of this JVM, of the registry and of every other process, RSS and heap per phase; JFR profiles of the
 * HTTP search phases, written beside the report when a goal is missed ({@code --jfr auto}). Writes {@code
 * <out>/<date>-oracle.md}.
 */
public final class OracleBenchmark {

  static final double HYBRID_P99_GOAL_MS = 50;
  static final double KEYWORD_RATIO_GOAL = 1.5;
  static final double FRESHNESS_GOAL_MS = 3_000;
  static final int LIMIT = 10;
  static final Duration NODE_READY_TIMEOUT = Duration.ofSeconds(120);
  static final Duration IDLE_MEASUREMENT = Duration.ofSeconds(3);
  static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);
  static final Duration PAUSE_BETWEEN_PHASES = Duration.ofSeconds(1);

  static final String LUCENE = "lucene";
  static final String IN_PROCESS = "oracle-keyword-in-process";
  static final String HTTP_KEYWORD = "http-keyword";
  static final String HTTP_HYBRID = "http-hybrid";
  static final String HTTP_HYBRID_REPEATED = "http-hybrid-repeated";
  static final List<String> PATHS = List.of(LUCENE, IN_PROCESS, HTTP_KEYWORD, HTTP_HYBRID, HTTP_HYBRID_REPEATED);

  static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("chunks", "10000");
    DEFAULTS.put("rate", "20");
    DEFAULTS.put("max-in-flight", "50");
    DEFAULTS.put("connections", "50");
    DEFAULTS.put("warmup", "10");
    DEFAULTS.put("seconds", "30");
    DEFAULTS.put("jvm-warmup", "10");
    DEFAULTS.put("queries", "200");
    DEFAULTS.put("put-concurrency", "4");
    DEFAULTS.put("freshness-every", "5");
    DEFAULTS.put("debounce", "2s");
    DEFAULTS.put("cache-ttl", "0s");
    DEFAULTS.put("index-timeout", "90");
    DEFAULTS.put("seed", "42");
    DEFAULTS.put("jfr", "auto");
    DEFAULTS.put("out", Files.isDirectory(Path.of("load-tests")) ? "load-tests/results" : "results");
  }

  /** The options, checked. */
  record Options(int chunks, int rate, int maxInFlight, int connections, Duration warmup, Duration measured,
      Duration jvmWarmup, int queries, int putConcurrency, Duration freshnessEvery, Duration debounce, String debounceText,
      String cacheTtl, Duration indexTimeout, long seed, String jfr, Path out) {

    static Options of(Map<String, String> v) {
      String jfr = v.get("jfr").trim().toLowerCase(Locale.ROOT);
      if (!List.of("auto", "true", "false").contains(jfr)) {
        throw new IllegalArgumentException("--jfr must be auto, true or false, got " + v.get("jfr"));
      }
      OracleConfig oracle;
      try {
        oracle = OracleConfig.of(Map.of(OracleConfig.DEBOUNCE, v.get("debounce"), OracleConfig.CACHE_TTL, v.get("cache-ttl")));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("--debounce and --cache-ttl are durations (2s, 500ms, 0s): " + e.getMessage());
      }
      long seed;
      try {
        seed = Long.parseLong(v.get("seed").trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--seed must be a whole number, got '" + v.get("seed") + "'");
      }
      return new Options(BenchmarkOptions.positive("chunks", v.get("chunks")), BenchmarkOptions.positive("rate", v.get("rate")),
          BenchmarkOptions.positive("max-in-flight", v.get("max-in-flight")),
          BenchmarkOptions.positive("connections", v.get("connections")),
          Duration.ofSeconds(BenchmarkOptions.nonNegative("warmup", v.get("warmup"))),
          Duration.ofSeconds(BenchmarkOptions.positive("seconds", v.get("seconds"))),
          Duration.ofSeconds(BenchmarkOptions.nonNegative("jvm-warmup", v.get("jvm-warmup"))),
          BenchmarkOptions.positive("queries", v.get("queries")),
          BenchmarkOptions.positive("put-concurrency", v.get("put-concurrency")),
          Duration.ofSeconds(BenchmarkOptions.nonNegative("freshness-every", v.get("freshness-every"))),
          oracle.debounce(), v.get("debounce").trim(), v.get("cache-ttl").trim(),
          Duration.ofMinutes(BenchmarkOptions.positive("index-timeout", v.get("index-timeout"))), seed, jfr,
          Path.of(v.get("out")));
    }

    String commandLine() {
      return "--chunks " + chunks + " --rate " + rate + " --max-in-flight " + maxInFlight + " --connections " + connections
          + " --warmup " + warmup.toSeconds() + " --seconds " + measured.toSeconds() + " --jvm-warmup " + jvmWarmup.toSeconds()
          + " --queries " + queries + " --put-concurrency " + putConcurrency + " --freshness-every "
          + freshnessEvery.toSeconds() + " --debounce " + debounceText + " --cache-ttl " + cacheTtl + " --index-timeout "
          + indexTimeout.toMinutes() + " --seed " + seed + " --jfr " + jfr;
    }
  }

  private final Options options;
  private final LocalStack stack;
  private final Node node;
  private final Corpus corpus;
  private final List<String> queries;
  private final Http http;
  private final OpenModelLoad load;
  private final ExecutorService inProcessPool;
  private final int queryThreads;
  private final List<String> anomalies = new ArrayList<>();
  private OracleIndexes indexes;

  private OracleBenchmark(Options options, LocalStack stack, Node node, Corpus corpus, List<String> queries) {
    this.options = options;
    this.stack = stack;
    this.node = node;
    this.corpus = corpus;
    this.queries = queries;
    this.occurrences = new java.util.concurrent.atomic.AtomicLongArray(queries.size());
    this.http = new Http(node.httpPort(), options.connections());
    OpenModelLoad.Limits defaults = OpenModelLoad.Limits.defaults();
    this.load = new OpenModelLoad(new OpenModelLoad.Limits(options.maxInFlight(), defaults.maxSenderLag(),
        defaults.drainTimeout()));
    // the in-process paths run on as many threads as the gateway's query pool, which runs oracle's searches
    this.queryThreads = node.config().getInt(PoseidonConfig.HTTP_QUERY_THREADS);
    AtomicInteger n = new AtomicInteger();
    this.inProcessPool = Executors.newFixedThreadPool(queryThreads, r -> {
      Thread t = new Thread(r, "bench-in-process-search-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  public static void main(String[] args) {
    LocalStackMain.useLog4j2Config();
    if (java.util.Arrays.asList(args).contains("--help")) {
      System.out.println("java -cp ... " + OracleBenchmark.class.getName() + " [options]\n"
          + BenchmarkOptions.usage(DEFAULTS));
      return;
    }
    Options options;
    try {
      options = Options.of(BenchmarkOptions.values(args, System.getProperties(), DEFAULTS));
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.exit(2);
      return;
    }
    BenchmarkMain.exit(() -> run(options));
  }

  static int run(Options options) throws Exception {
    ZonedDateTime started = ZonedDateTime.now();
    long begin = System.nanoTime();
    OracleConfig oracleConfig = OracleConfig.of(Map.of(OracleConfig.DEBOUNCE, options.debounceText(),
        OracleConfig.CACHE_TTL, options.cacheTtl()));
    Corpus corpus = Corpus.generate(options.chunks(), options.seed(), oracleConfig.chunker());
    List<String> queries = Corpus.queries(options.queries(), options.seed());
    say("corpus: %,d documents, %,d chunks (oracle's chunker), %,d words; %d queries", corpus.docs().size(),
        corpus.chunks(), corpus.words(), queries.size());
    Path workDir = Files.createTempDirectory("poseidon-oracle-bench-");
    try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral(workDir.resolve("stack")))) {
      // Ctrl-C: stop the broker and the registry child process (closing twice does nothing)
      Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "bench-stack-shutdown"));
      Files.createDirectories(options.out()); // profiles are written there before the report
      long nodeBegin = System.nanoTime();
      try (Node node = startNode(stack, workDir.resolve("state"), options)) {
        awaitReady(node);
        Duration nodeStartup = Duration.ofNanos(System.nanoTime() - nodeBegin);
        say("stack ready in %d ms, node (oracle only) ready in %d ms (gateway port %d)", stack.startupTime().toMillis(),
            nodeStartup.toMillis(), node.httpPort());
        OracleBenchmark bench = new OracleBenchmark(options, stack, node, corpus, queries);
        try {
          String report = bench.execute(started, begin, nodeStartup);
          Path file = options.out().resolve(started.toLocalDate() + "-oracle.md");
          Files.writeString(file, report);
          System.out.println();
          System.out.println(report);
          say("report written to %s", file.toAbsolutePath());
        } finally {
          bench.close();
        }
      }
    } finally {
      LocalStack.deleteRecursively(workDir);
    }
    return 0;
  }

  private static Node startNode(LocalStack stack, Path stateDir, Options options) throws Exception {
    Files.createDirectories(stateDir);
    return Node.start(ConfigSource.of(Map.of(
        PoseidonConfig.HTTP_AUTH_MODE, "none", // what these measure is the services, not access control
        PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, stack.bootstrapServers(),
        PoseidonConfig.REGISTRY_URL, stack.registryUrl(),
        PoseidonConfig.HTTP_PORT, "0",
        PoseidonConfig.NODE_ID, "bench-node",
        PoseidonConfig.NODE_SERVICES, "oracle",
        PoseidonConfig.STREAMS_STATE_DIR, stateDir.toString(),
        OracleConfig.DEBOUNCE, options.debounceText(),
        OracleConfig.CACHE_TTL, options.cacheTtl())));
  }

  private static void awaitReady(Node node) throws InterruptedException {
    long deadline = System.nanoTime() + NODE_READY_TIMEOUT.toNanos();
    while (!node.isReady()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the node was not ready within " + NODE_READY_TIMEOUT.toSeconds() + " s");
      }
      Thread.sleep(100);
    }
  }

  private void close() {
    inProcessPool.shutdownNow();
    http.close();
  }

  // ------------------------------------------------------------------------------------------------
  // the run
  // ------------------------------------------------------------------------------------------------

  private String execute(ZonedDateTime started, long begin, Duration nodeStartup) throws Exception {
    long registryPid = stack.registry().pid();
    Recording jfrWarmUp = options.jfr().equals("false") ? null : JfrProfile.warmUp();
    if (jfrWarmUp != null) {
      jfrWarmUp.setMaxAge(Duration.ofMinutes(2)); // only keeps JFR's instrumentation in place: no need to keep its data
    }
    CpuUsage idle = CpuUsage.idle(registryPid, IDLE_MEASUREMENT);
    say("idle for %d s: this JVM %.2f cores, registry %.2f, other processes %.2f", IDLE_MEASUREMENT.toSeconds(),
        idle.jvmCores(), idle.registryCores(), idle.otherCores());
    if (idle.otherCores() > RegistrationBenchmark.BUSY_MACHINE_CORES) {
      say("WARNING: other processes use %.2f cores of this machine: the numbers will be noisy", idle.otherCores());
      anomalies.add("idle baseline: other processes used " + fmt(idle.otherCores(), 2) + " cores before the run started");
    }

    // --- 1. indexing ---
    IndexingResult indexing = index(registryPid);
    indexes = runningIndexes();
    IndexStats stats = indexStats();
    say("index: %,d chunks, %,d vectors (%.1f per chunk) in %d partitions", stats.chunks(), stats.vectors(),
        stats.chunks() == 0 ? Double.NaN : (double) stats.vectors() / stats.chunks(), stats.partitions());
    Agreement agreement = agreement();

    // --- 2.-4. search latency on every path, freshness probed throughout ---
    FreshnessProbe freshness = new FreshnessProbe(http, corpus.docs(), options.debounce(), options.freshnessEvery(),
        Long.toString(System.currentTimeMillis() % 46_656, 36));
    freshness.start();
    List<String> warmupProblems = warmUpJvm();
    Map<String, MeasuredPhase> phases = new LinkedHashMap<>();
    Map<String, Long> empty = new LinkedHashMap<>();
    Map<String, Recording> recordings = new LinkedHashMap<>();
    for (String path : PATHS) {
      LongAdder noResults = new LongAdder();
      LoadTarget target = target(path, noResults);
      prime(target, path);
      freshness.phase(path);
      boolean overHttp = path.startsWith("http-");
      Recording recording = jfrWarmUp != null && overHttp ? JfrProfile.start() : null;
      CpuUsage.Sample before = CpuUsage.sample(registryPid);
      PhaseResult result = load.run(path, new OpenModelSchedule(options.rate(), options.warmup(), options.measured()),
          target);
      CpuUsage cpu = CpuUsage.between(before, CpuUsage.sample(registryPid));
      if (recording != null) {
        recording.stop();
        recordings.put(path, recording);
      }
      freshness.phase("between phases");
      MeasuredPhase phase = new MeasuredPhase(result, cpu, ProcessStats.memoryAfterGc(registryPid));
      phases.put(path, phase);
      empty.put(path, noResults.sum());
      report(phase, noResults.sum());
      Thread.sleep(PAUSE_BETWEEN_PHASES.toMillis());
    }
    FreshnessProbe.Result fresh = freshness.stop();
    say("freshness: %d samples, p50 %.0f ms, p99 %.0f ms, max %.0f ms after the debounce; %d not found in time",
        fresh.all().getTotalCount(), millis(fresh.all(), 50), millis(fresh.all(), 99), maxMillis(fresh.all()),
        fresh.timeouts());

    // --- goals; profiles when one is missed (or always with --jfr true) ---
    Goals goals = new Goals(phases, fresh, !options.freshnessEvery().isZero());
    Map<String, JfrProfile.Summary> profiles = new LinkedHashMap<>();
    boolean keep = options.jfr().equals("true") || (options.jfr().equals("auto") && !goals.allMet());
    for (Map.Entry<String, Recording> e : recordings.entrySet()) {
      if (keep) {
        Path file = options.out().resolve(LocalDate.now() + "-oracle-search-" + e.getKey() + ".jfr");
        profiles.put(e.getKey(), JfrProfile.save(e.getValue(), file));
        say("JFR profile of %s written to %s", e.getKey(), file.toAbsolutePath());
      } else {
        e.getValue().close();
      }
    }
    if (jfrWarmUp != null) {
      jfrWarmUp.close();
    }
    String nodeSetup = "oracle only, " + node.config().getString(PoseidonConfig.STREAMS_PROCESSING_GUARANTEE) + ", "
        + node.config().getInt(PoseidonConfig.STREAMS_NUM_STREAM_THREADS) + " stream thread, commit interval "
        + node.config().getLong(PoseidonConfig.STREAMS_COMMIT_INTERVAL_MS) + " ms, oracle.debounce "
        + options.debounceText() + ", oracle.cache.ttl " + options.cacheTtl() + ", http.query.threads " + queryThreads;
    return markdown(started, Duration.ofNanos(System.nanoTime() - begin), nodeStartup, nodeSetup, idle, indexing, stats,
        agreement, warmupProblems, phases, empty, fresh, goals, profiles, keep, recordings.keySet());
  }

  /** The indexes the node's oracle topology opened (one node in this JVM: one entry). */
  private OracleIndexes runningIndexes() {
    Collection<OracleIndexes> running = ((OracleModule) Services.named(OracleModule.NAME).module()).runningIndexes();
    if (running.isEmpty()) {
      throw new IllegalStateException("oracle runs no topology in this JVM: no indexes to compare with");
    }
    if (running.size() > 1) {
      anomalies.add(running.size() + " oracle topologies run in this JVM; the baseline searched the first one's indexes");
    }
    return running.iterator().next();
  }

  // ------------------------------------------------------------------------------------------------
  // 1. indexing throughput
  // ------------------------------------------------------------------------------------------------

  record IndexingResult(int docs, int accepted, long chunksExpected, int docsIndexed, long chunksIndexed, long embedded,
      int failed, int skipped, String firstFailure, Map<String, Long> putFailures, long retries503, double putSeconds,
      double firstCompletionSeconds, double lastCompletionSeconds, boolean complete, CpuUsage cpu,
      ProcessStats.Memory memory) {

    double chunksPerSecond() {
      return lastCompletionSeconds <= 0 ? Double.NaN : chunksIndexed / lastCompletionSeconds;
    }

    double docsPerSecond() {
      return lastCompletionSeconds <= 0 ? Double.NaN : docsIndexed / lastCompletionSeconds;
    }
  }

  private IndexingResult index(long registryPid) throws Exception {
    List<Corpus.Doc> docs = corpus.docs();
    Map<String, Integer> expected = new ConcurrentHashMap<>();
    docs.forEach(d -> expected.put(d.docId(), d.chunks()));
    LongAdder retries = new LongAdder();
    Map<String, LongAdder> putFailures = new ConcurrentHashMap<>();
    AtomicInteger accepted = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    try (IndexingWatcher watcher = new IndexingWatcher(stack.bootstrapServers(), SerdeFactory.apicurio(stack.registryUrl()),
        expected.keySet())) {
      say("indexing: PUT %,d documents (%,d chunks), %d in flight", docs.size(), corpus.chunks(), options.putConcurrency());
      CpuUsage.Sample before = CpuUsage.sample(registryPid);
      long t0 = System.nanoTime();
      watcher.start(t0);
      Semaphore slots = new Semaphore(options.putConcurrency());
      long nextProgress = t0 + PROGRESS_EVERY_NANOS;
      for (Corpus.Doc doc : docs) {
        while (!slots.tryAcquire(200, TimeUnit.MILLISECONDS)) {
          nextProgress = progress(t0, nextProgress, answered.get(), watcher, before, registryPid);
        }
        http.put(doc.docId(), doc.json(doc.body())).whenComplete((r, e) -> {
          if (e != null) {
            putFailures.computeIfAbsent(Outcome.of(e).label(), l -> new LongAdder()).increment();
            expected.remove(doc.docId());
          } else {
            retries.add(r.retries());
            if (r.status() == 202) {
              accepted.incrementAndGet();
            } else {
              putFailures.computeIfAbsent(Integer.toString(r.status()), l -> new LongAdder()).increment();
              expected.remove(doc.docId());
            }
          }
          answered.incrementAndGet();
          slots.release();
        });
        nextProgress = progress(t0, nextProgress, answered.get(), watcher, before, registryPid);
      }
      while (!slots.tryAcquire(options.putConcurrency(), 200, TimeUnit.MILLISECONDS)) {
        nextProgress = progress(t0, nextProgress, answered.get(), watcher, before, registryPid);
      }
      double putSeconds = (System.nanoTime() - t0) / 1e9;
      say("indexing: all PUTs answered in %.1f s (%d accepted, %d retries after a 503, failures %s)", putSeconds,
          accepted.get(), retries.sum(), counts(putFailures));
      long deadline = t0 + options.indexTimeout().toNanos();
      while (watcher.settled() < accepted.get() && System.nanoTime() < deadline) {
        Thread.sleep(200);
        nextProgress = progress(t0, nextProgress, answered.get(), watcher, before, registryPid);
      }
      CpuUsage cpu = CpuUsage.between(before, CpuUsage.sample(registryPid));
      boolean complete = watcher.settled() >= accepted.get();
      progress(t0, 0, answered.get(), watcher, before, registryPid);
      if (!complete) {
        anomalies.add("indexing: only " + watcher.docs() + " of " + accepted.get() + " accepted documents were indexed within "
            + options.indexTimeout().toMinutes() + " min (--index-timeout)");
      }
      if (watcher.failed() > 0) {
        anomalies.add("indexing: " + watcher.failed() + " documents FAILED (first: " + watcher.firstFailure() + ")");
      }
      if (!putFailures.isEmpty()) {
        anomalies.add("indexing: PUTs that did not end with 202: " + counts(putFailures));
      }
      long expectedChunks = 0;
      for (Corpus.Doc d : docs) {
        if (expected.containsKey(d.docId())) {
          expectedChunks += d.chunks();
        }
      }
      if (complete && watcher.chunks() != expectedChunks) {
        anomalies.add("indexing: oracle reported " + watcher.chunks() + " chunks, its chunker gave the benchmark "
            + expectedChunks + " for the same documents");
      }
      return new IndexingResult(docs.size(), accepted.get(), expectedChunks, watcher.docs(), watcher.chunks(),
          watcher.embedded(), watcher.failed(), watcher.skipped(), watcher.firstFailure(), counts(putFailures),
          retries.sum(), putSeconds, watcher.secondsTo(watcher.firstNanos()), watcher.secondsTo(watcher.lastNanos()),
          complete, cpu, ProcessStats.memoryAfterGc(registryPid));
    }
  }

  /** Prints the indexing progress when it is due; returns when it is due next. */
  private long progress(long t0, long due, int answered, IndexingWatcher watcher, CpuUsage.Sample since,
      long registryPid) {
    long now = System.nanoTime();
    if (now < due) {
      return due;
    }
    double s = (now - t0) / 1e9;
    CpuUsage cpu = CpuUsage.between(since, CpuUsage.sample(registryPid));
    say("indexing %5.0f s: PUT %,d/%,d answered; indexed %,d docs, %,d chunks (%.1f chunks/s, %.2f docs/s since the "
        + "first PUT), failed %d; JVM %.2f cores, registry %.2f, others %.2f", s, answered, corpus.docs().size(),
        watcher.docs(), watcher.chunks(), watcher.chunks() / s, watcher.docs() / s, watcher.failed(), cpu.jvmCores(),
        cpu.registryCores(), cpu.otherCores());
    return now + PROGRESS_EVERY_NANOS;
  }

  /**
   * Counts oracle's indexing facts of the benchmark's documents on {@code oracle.indexing} (read_committed:
   * a fact counts once its transaction committed, when the index has it too).
   */
  static final class IndexingWatcher implements AutoCloseable {
    private final KafkaConsumer<String, IndexingEvent> consumer;
    private final Set<String> expected;
    private final Set<String> completed = ConcurrentHashMap.newKeySet();
    private final Set<String> failedDocs = ConcurrentHashMap.newKeySet();
    private final AtomicLong chunks = new AtomicLong();
    private final AtomicLong embedded = new AtomicLong();
    private final AtomicInteger skipped = new AtomicInteger();
    private final AtomicLong firstNanos = new AtomicLong();
    private final AtomicLong lastNanos = new AtomicLong();
    private volatile String firstFailure;
    private volatile boolean running = true;
    private Thread thread;
    private long t0;

    IndexingWatcher(String bootstrapServers, SerdeFactory serdes, Set<String> expected) {
      this.expected = expected;
      Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
          ConsumerConfig.CLIENT_ID_CONFIG, "bench-oracle-indexing-watcher",
          ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
          ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
          ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
      this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), serdes.valueDeserializer(IndexingEvent.class));
      List<TopicPartition> partitions = new ArrayList<>();
      consumer.partitionsFor(OracleTopics.INDEXING.name(), Duration.ofSeconds(30))
          .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(tp -> consumer.position(tp, Duration.ofSeconds(30))); // fixed before the first PUT
    }

    void start(long startNanos) {
      this.t0 = startNanos;
      thread = new Thread(this::loop, "bench-oracle-indexing-watcher");
      thread.setDaemon(true);
      thread.start();
    }

    private void loop() {
      while (running) {
        for (ConsumerRecord<String, IndexingEvent> r : consumer.poll(Duration.ofMillis(100))) {
          long now = System.nanoTime();
          Object payload = r.value() == null ? null : r.value().getPayload();
          if (payload instanceof IndexingCompleted c && expected.contains(c.getDocId()) && !c.getDeleted()
              && completed.add(c.getDocId())) {
            chunks.addAndGet(c.getChunks());
            embedded.addAndGet(c.getEmbedded());
            firstNanos.compareAndSet(0, now);
            lastNanos.set(now);
          } else if (payload instanceof IndexingFailed f && expected.contains(f.getDocId()) && failedDocs.add(f.getDocId())) {
            if (firstFailure == null) {
              firstFailure = f.getDocId() + ": " + f.getReason();
            }
            lastNanos.set(now);
          } else if (payload instanceof IndexingSkipped s && expected.contains(s.getDocId())) {
            skipped.incrementAndGet();
          }
        }
      }
    }

    /** Documents whose indexing ended (completed or failed). */
    int settled() {
      return completed.size() + failedDocs.size();
    }

    int docs() {
      return completed.size();
    }

    long chunks() {
      return chunks.get();
    }

    long embedded() {
      return embedded.get();
    }

    int failed() {
      return failedDocs.size();
    }

    int skipped() {
      return skipped.get();
    }

    String firstFailure() {
      return firstFailure;
    }

    long firstNanos() {
      return firstNanos.get();
    }

    long lastNanos() {
      return lastNanos.get();
    }

    double secondsTo(long nanos) {
      return nanos == 0 ? Double.NaN : (nanos - t0) / 1e9;
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      if (thread != null) {
        thread.join(5_000);
      }
      consumer.close(Duration.ofSeconds(5));
    }
  }

  /** What the partition indexes hold after the indexing. */
  record IndexStats(int partitions, long chunks, long vectors) {}

  private IndexStats indexStats() {
    long chunks = 0;
    long vectors = 0;
    Map<Integer, PartitionIndex> local = indexes.local();
    // "type" = "vector": how PartitionIndex marks the Lucene documents that hold a chunk's vectors
    Query vectorDocs = new TermQuery(new Term("type", "vector"));
    for (PartitionIndex index : local.values()) {
      chunks += index.count();
      IndexSearcher searcher = index.acquire();
      try {
        vectors += searcher.count(vectorDocs);
      } catch (java.io.IOException e) {
        vectors = -1;
      } finally {
        index.release(searcher);
      }
    }
    return new IndexStats(local.size(), chunks, vectors);
  }

  // ------------------------------------------------------------------------------------------------
  // 2.-3. search paths
  // ------------------------------------------------------------------------------------------------

  /**
   * Whether the baseline answers the same question: its top hit against oracle's keyword top hit, per query;
   * and which queries the gateway does not answer with 200 (each sent once over HTTP).
   */
  record Agreement(int same, int different, int bothEmpty, int oneEmpty, Map<String, String> httpRejected) {}

  private Agreement agreement() throws Exception {
    Map<String, String> rejected = new LinkedHashMap<>();
    for (String q : queries) {
      Http.Answer answer = http.search(http.side, "keyword", q).get(30, TimeUnit.SECONDS);
      if (answer.status() != 200) {
        rejected.put(q, Integer.toString(answer.status()));
      }
    }
    if (!rejected.isEmpty()) {
      anomalies.add("the gateway did not answer 200 to " + rejected.size() + " of the " + queries.size()
          + " queries (so every path that sends them over HTTP counts failures): " + rejected);
    }
    int same = 0;
    int different = 0;
    int bothEmpty = 0;
    int oneEmpty = 0;
    Map<String, String> inProcessFailed = new LinkedHashMap<>();
    for (String q : queries) {
      List<String> lucene = new ArrayList<>();
      luceneSearch(q, lucene);
      Search.Request request = new Search.Request(q, null, null, LIMIT, Search.Mode.KEYWORD);
      List<Passage> oracle;
      try {
        oracle = Search.rank(Search.local(indexes.local().values(), request, Embedder.shared()), request);
      } catch (RuntimeException e) {
        inProcessFailed.put(q, e.toString());
        continue;
      }
      if (lucene.isEmpty() && oracle.isEmpty()) {
        bothEmpty++;
      } else if (lucene.isEmpty() || oracle.isEmpty()) {
        oneEmpty++;
      } else if (lucene.get(0).equals(oracle.get(0).key())) {
        same++;
      } else {
        different++;
      }
    }
    if (!inProcessFailed.isEmpty()) {
      anomalies.add("oracle's keyword search failed in process for " + inProcessFailed.size() + " of the " + queries.size()
          + " queries: " + inProcessFailed);
    }
    say("baseline check: top hit of plain Lucene = oracle keyword's for %d of %d queries (%d differ, %d without results)",
        same, queries.size(), different + oneEmpty, bothEmpty);
    return new Agreement(same, different, bothEmpty, oneEmpty, rejected);
  }

  /**
   * The baseline: one plain {@link IndexSearcher} over the node's partition indexes read as one index (a
   * {@code MultiReader}, as oracle reads them) with oracle's keyword query (BM25 over title, headings and
   * text), top {@value #LIMIT}, and those hits' stored fields loaded. Returns the hits; their chunk keys go
   * into {@code keys} when it is not null.
   */
  private int luceneSearch(String text, List<String> keys) {
    List<PartitionIndex> parts = new ArrayList<>(indexes.local().values());
    IndexSearcher[] searchers = new IndexSearcher[parts.size()];
    try {
      org.apache.lucene.index.IndexReader[] readers = new org.apache.lucene.index.IndexReader[parts.size()];
      for (int i = 0; i < parts.size(); i++) {
        searchers[i] = parts.get(i).acquire();
        readers[i] = searchers[i].getIndexReader();
      }
      IndexSearcher searcher = new IndexSearcher(new org.apache.lucene.index.MultiReader(readers, false));
      TopDocs top = searcher.search(PartitionIndex.query(text), LIMIT);
      for (ScoreDoc sd : top.scoreDocs) {
        org.apache.lucene.document.Document d = searcher.storedFields().document(sd.doc);
        if (keys != null) {
          keys.add(d.get("key"));
        }
      }
      return top.scoreDocs.length;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      for (int i = 0; i < searchers.length; i++) {
        if (searchers[i] != null) {
          parts.get(i).release(searchers[i]);
        }
      }
    }
  }

  /** oracle's keyword search in process, as the gateway's query pool runs it for a one-node cluster. */
  private int oracleKeyword(String text) {
    Search.Request request = new Search.Request(text, null, null, LIMIT, Search.Mode.KEYWORD);
    return Search.rank(Search.local(indexes.local().values(), request, Embedder.shared()), request).size();
  }

  /** How often each query was sent as a novel variant so far (the run's whole life: never the same text twice). */
  private java.util.concurrent.atomic.AtomicLongArray occurrences;

  /** The text of request {@code index} of {@code path}. */
  private LongFunction<String> texts(String path) {
    if (path.equals(HTTP_HYBRID)) {
      // the same words, a whitespace pattern never sent before: the embedder's cache misses and the
      // query is embedded on every request, as a question nobody asked before would be
      return i -> {
        int q = (int) (i % queries.size());
        return Corpus.novelVariant(queries.get(q), occurrences.getAndIncrement(q));
      };
    }
    return i -> queries.get((int) (i % queries.size()));
  }

  private LoadTarget target(String path, LongAdder noResults) {
    LongFunction<String> text = texts(path);
    return switch (path) {
      case LUCENE -> inProcess(q -> luceneSearch(q, null), text, noResults);
      case IN_PROCESS -> inProcess(this::oracleKeyword, text, noResults);
      case HTTP_KEYWORD -> httpTarget("keyword", text, noResults);
      default -> httpTarget("hybrid", text, noResults);
    };
  }

  private LoadTarget inProcess(ToIntFunction<String> search, LongFunction<String> text, LongAdder noResults) {
    return request -> {
      String q = text.apply(request.index());
      return CompletableFuture.supplyAsync(() -> {
        int hits = search.applyAsInt(q);
        if (hits == 0 && request.measured()) {
          noResults.increment();
        }
        return Outcome.ok("ok");
      }, inProcessPool);
    };
  }

  private LoadTarget httpTarget(String mode, LongFunction<String> text, LongAdder noResults) {
    return request -> http.search(http.load, mode, text.apply(request.index())).thenApply(answer -> {
      if (answer.status() != 200) {
        return Outcome.failed(Integer.toString(answer.status()));
      }
      if (answer.body().getBoolean("partial", false)) {
        return Outcome.failed("200 partial");
      }
      if (answer.body().getJsonArray("results", new JsonArray()).isEmpty() && request.measured()) {
        noResults.increment();
      }
      return Outcome.ok("200");
    });
  }

  /**
   * Every path once at the rate for {@code --jvm-warmup} seconds, recorded nowhere: the broker, the node, the
   * baseline and the generator share one JIT, and whichever path ran first would otherwise pay for compiling
   * the code they share (Lucene above all).
   */
  private List<String> warmUpJvm() throws Exception {
    List<String> problems = new ArrayList<>();
    if (options.jvmWarmup().isZero()) {
      return problems;
    }
    say("JVM warm-up: %d s per path at %d queries/s (not recorded)", options.jvmWarmup().toSeconds(), options.rate());
    for (String path : PATHS) {
      LoadTarget target = target(path, new LongAdder());
      prime(target, path);
      PhaseResult r = load.run(path, new OpenModelSchedule(options.rate(), Duration.ZERO, options.jvmWarmup()), target);
      if (r.hasProblems()) {
        problems.add(path + ": failed " + r.measuredFailures() + ", unsent " + r.unsent() + ", unanswered " + r.incomplete());
      }
    }
    problems.forEach(p -> say("JVM warm-up: %s", p));
    return problems;
  }

  /** One request, waited for, before the clock starts (first connection, first searcher). Setup, not load. */
  private static void prime(LoadTarget target, String path) throws Exception {
    Outcome outcome = target.fire(new LoadTarget.Request(0, System.nanoTime(), false)).toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
    if (!outcome.ok()) {
      throw new IllegalStateException(path + ": the priming request failed: " + outcome.label());
    }
  }

  private static void report(MeasuredPhase phase, long noResults) {
    PhaseResult l = phase.load();
    say("%-26s achieved %.1f/s ok %d failed %d %s p50 %.2f p90 %.2f p99 %.2f max %.2f ms, sender lag max %.2f ms, "
            + "%d without results; cores: JVM %.2f registry %.2f others %.2f", l.path(), l.achievedPerSecond(),
        l.measuredOk(), l.measuredFailureCount(), l.measuredFailures(), l.latencyMillis(50), l.latencyMillis(90),
        l.latencyMillis(99), l.maxLatencyMillis(), l.maxSenderLagMicros() / 1000.0, noResults, phase.cpu().jvmCores(),
        phase.cpu().registryCores(), phase.cpu().otherCores());
  }

  // ------------------------------------------------------------------------------------------------
  // HTTP
  // ------------------------------------------------------------------------------------------------

  /**
   * The benchmark's HTTP side: its own Vert.x (one event loop), a keep-alive pool for the search load and
   * one for the PUTs and the freshness probe (which neither queue behind the load nor delay it). Every
   * exchange runs on the client's event loop (see {@link GatewayTarget}: eclipse-vertx/vert.x#4705, #6038).
   */
  static final class Http implements AutoCloseable {
    static final int MAX_503_RETRIES = 120;

    record Answer(int status, JsonObject body) {}

    record PutResult(int status, int retries) {}

    final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    final Context context = vertx.getOrCreateContext();
    final HttpClient load;
    final HttpClient side;
    private final int port;

    Http(int port, int connections) {
      this.port = port;
      this.load = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(connections));
      this.side = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(8));
    }

    /** {@code GET /api/v1/search}; the body is parsed when the status is 200. */
    CompletableFuture<Answer> search(HttpClient client, String mode, String q) {
      String uri = "/api/v1/search?mode=" + mode + "&limit=" + LIMIT + "&q="
          + URLEncoder.encode(q, StandardCharsets.UTF_8).replace("+", "%20");
      CompletableFuture<Answer> done = new CompletableFuture<>();
      context.runOnContext(v -> client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(GatewayTarget.HOST)
              .setPort(port).setURI(uri).setConnectTimeout(5_000).setIdleTimeout(30_000))
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(),
              resp.statusCode() == 200 ? new JsonObject(b) : new JsonObject()))))
          .onComplete(r -> {
            if (r.succeeded()) {
              done.complete(r.result());
            } else {
              done.completeExceptionally(r.cause());
            }
          }));
      return done;
    }

    /** {@code PUT /api/v1/documents/{docId}}, retried after Retry-After while the gateway answers 503. */
    CompletableFuture<PutResult> put(String docId, JsonObject document) {
      CompletableFuture<PutResult> done = new CompletableFuture<>();
      Buffer body = document.toBuffer();
      context.runOnContext(v -> put(docId, body, 0, done));
      return done;
    }

    private void put(String docId, Buffer body, int retries, CompletableFuture<PutResult> done) {
      side.request(new RequestOptions().setMethod(HttpMethod.PUT).setHost(GatewayTarget.HOST).setPort(port)
              .setURI("/api/v1/documents/" + docId).putHeader("Content-Type", "application/json")
              .setConnectTimeout(5_000).setIdleTimeout(30_000))
          .compose(req -> req.send(body).compose(resp -> resp.body().map(b -> resp)))
          .onComplete(r -> {
            if (r.failed()) {
              done.completeExceptionally(r.cause());
            } else if (r.result().statusCode() == 503 && retries < MAX_503_RETRIES) {
              long wait = retryAfterSeconds(r.result().getHeader("Retry-After"));
              vertx.setTimer(wait * 1_000, t -> put(docId, body, retries + 1, done));
            } else {
              done.complete(new PutResult(r.result().statusCode(), retries));
            }
          });
    }

    private static long retryAfterSeconds(String header) {
      try {
        return header == null ? 1 : Math.max(1, Long.parseLong(header.trim()));
      } catch (NumberFormatException e) {
        return 1;
      }
    }

    @Override
    public void close() {
      GatewayTarget.await(load.close());
      GatewayTarget.await(side.close());
      GatewayTarget.await(vertx.close());
    }
  }

  // ------------------------------------------------------------------------------------------------
  // 4. freshness
  // ------------------------------------------------------------------------------------------------

  /**
   * Every {@code every}, a changed version of one of the corpus's documents — its body with a sentence holding
   * a token found nowhere else — is PUT; after the 202 a keyword search for the token is polled every
   * {@value #POLL_MILLIS} ms until the document is among the results. Sample = found − 202 received −
   * debounce. Polls start {@value #EARLY_MILLIS} ms before the debounce ends (a document cannot be found
   * earlier than its debounce: polling from the 202 would only add load); a document found on the very first
   * poll is counted, since it may have been visible before.
   */
  static final class FreshnessProbe {
    static final long POLL_MILLIS = 50;
    static final long EARLY_MILLIS = 500;
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** What the probe saw: every sample, and by the phase during which its PUT was sent. */
    record Result(Histogram all, Map<String, Histogram> byPhase, long probes, long timeouts, long firstPollHits,
        Map<String, Long> putFailures, Map<String, Long> pollFailures, long polls) {}

    private final Http http;
    private final List<Corpus.Doc> docs;
    private final long debounceNanos;
    private final Duration every;
    private final String runId;
    private final Histogram all = new Histogram(3);
    private final Map<String, Histogram> byPhase = new LinkedHashMap<>();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger watching = new AtomicInteger();
    private final LongAdder probes = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder firstPollHits = new LongAdder();
    private final LongAdder polls = new LongAdder();
    private final Map<String, LongAdder> putFailures = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> pollFailures = new ConcurrentHashMap<>();
    private volatile String phase = "JVM warm-up";
    private long timer = -1;

    FreshnessProbe(Http http, List<Corpus.Doc> docs, Duration debounce, Duration every, String runId) {
      this.http = http;
      this.docs = docs;
      this.debounceNanos = debounce.toNanos();
      this.every = every;
      this.runId = runId;
    }

    void phase(String name) {
      phase = name;
    }

    void start() {
      if (every.isZero()) {
        return;
      }
      http.context.runOnContext(v -> timer = http.vertx.setPeriodic(every.toMillis(), id -> probe()));
    }

    private void probe() {
      int k = next.getAndIncrement();
      Corpus.Doc doc = docs.get((k * 7919) % docs.size()); // spread over the corpus, each document rarely twice
      String token = "fresh" + runId + "x" + k;
      String body = doc.body() + "\nVerification marker " + token + " confirms this page was reviewed after the last "
          + "change.\n";
      String during = phase;
      probes.increment();
      watching.incrementAndGet();
      http.put(doc.docId(), doc.json(body)).whenComplete((r, e) -> {
        long accepted = System.nanoTime();
        if (e != null || r.status() != 202) {
          putFailures.computeIfAbsent(e != null ? Outcome.of(e).label() : Integer.toString(r.status()),
              l -> new LongAdder()).increment();
          watching.decrementAndGet();
          return;
        }
        long firstPoll = Math.max(1, TimeUnit.NANOSECONDS.toMillis(debounceNanos) - EARLY_MILLIS);
        http.context.runOnContext(v -> http.vertx.setTimer(firstPoll, t -> poll(doc.docId(), token, during, accepted,
            accepted + TIMEOUT.toNanos(), true)));
      });
    }

    private void poll(String docId, String token, String during, long accepted, long giveUp, boolean first) {
      polls.increment();
      http.search(http.side, "keyword", token).whenComplete((answer, e) -> {
        long now = System.nanoTime();
        if (e == null && answer.status() == 200 && contains(answer.body(), docId)) {
          long micros = Math.max(0, (now - accepted - debounceNanos) / 1_000);
          synchronized (this) {
            all.recordValue(micros);
            byPhase.computeIfAbsent(during, p -> new Histogram(3)).recordValue(micros);
          }
          if (first) {
            firstPollHits.increment();
          }
          watching.decrementAndGet();
          return;
        }
        if (e != null || answer.status() != 200) {
          pollFailures.computeIfAbsent(e != null ? Outcome.of(e).label() : Integer.toString(answer.status()),
              l -> new LongAdder()).increment();
        }
        if (now - giveUp > 0) {
          timeouts.increment();
          watching.decrementAndGet();
        } else {
          http.context.runOnContext(v -> http.vertx.setTimer(POLL_MILLIS,
              t -> poll(docId, token, during, accepted, giveUp, false)));
        }
      });
    }

    private static boolean contains(JsonObject body, String docId) {
      JsonArray results = body.getJsonArray("results", new JsonArray());
      for (int i = 0; i < results.size(); i++) {
        if (docId.equals(results.getJsonObject(i).getString("docId"))) {
          return true;
        }
      }
      return false;
    }

    /** Stops sending changes, waits (at most {@link #TIMEOUT}) for the ones being watched, returns what was seen. */
    Result stop() throws InterruptedException {
      CompletableFuture<Void> cancelled = new CompletableFuture<>();
      http.context.runOnContext(v -> {
        if (timer >= 0) {
          http.vertx.cancelTimer(timer);
        }
        cancelled.complete(null);
      });
      try {
        cancelled.get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // the periodic timer may fire once more: harmless
      }
      long deadline = System.nanoTime() + TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(5);
      while (watching.get() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      synchronized (this) {
        Map<String, Histogram> phases = new LinkedHashMap<>();
        byPhase.forEach((p, h) -> phases.put(p, h.copy()));
        return new Result(all.copy(), phases, probes.sum(), timeouts.sum() + watching.get(), firstPollHits.sum(),
            counts(putFailures), counts(pollFailures), polls.sum());
      }
    }
  }

  // ------------------------------------------------------------------------------------------------
  // goals and the report
  // ------------------------------------------------------------------------------------------------

  /** The goals, from the measured phases. */
  static final class Goals {
    final double hybridP99;
    final double inProcessRatioP50;
    final double inProcessRatioP99;
    final double httpRatioP50;
    final double httpRatioP99;
    final double freshnessP99;
    final double freshnessMax;
    final long freshnessSamples;
    final long freshnessTimeouts;
    final boolean freshnessProbed;

    Goals(Map<String, MeasuredPhase> phases, FreshnessProbe.Result fresh, boolean freshnessProbed) {
      this.freshnessProbed = freshnessProbed;
      PhaseResult lucene = phases.get(LUCENE).load();
      PhaseResult inProcess = phases.get(IN_PROCESS).load();
      PhaseResult httpKeyword = phases.get(HTTP_KEYWORD).load();
      hybridP99 = phases.get(HTTP_HYBRID).load().latencyMillis(99);
      inProcessRatioP50 = inProcess.latencyMillis(50) / lucene.latencyMillis(50);
      inProcessRatioP99 = inProcess.latencyMillis(99) / lucene.latencyMillis(99);
      httpRatioP50 = httpKeyword.latencyMillis(50) / lucene.latencyMillis(50);
      httpRatioP99 = httpKeyword.latencyMillis(99) / lucene.latencyMillis(99);
      freshnessSamples = fresh.all().getTotalCount();
      freshnessTimeouts = fresh.timeouts();
      freshnessP99 = freshnessSamples == 0 ? Double.NaN : fresh.all().getValueAtPercentile(99) / 1_000.0;
      freshnessMax = freshnessSamples == 0 ? Double.NaN : fresh.all().getMaxValue() / 1_000.0;
    }

    boolean hybridMet() {
      return hybridP99 <= HYBRID_P99_GOAL_MS;
    }

    /** Both ratios within the goal: the typical query (p50) and the tail (p99). */
    boolean inProcessMet() {
      return inProcessRatioP50 <= KEYWORD_RATIO_GOAL && inProcessRatioP99 <= KEYWORD_RATIO_GOAL;
    }

    boolean httpMet() {
      return httpRatioP50 <= KEYWORD_RATIO_GOAL && httpRatioP99 <= KEYWORD_RATIO_GOAL;
    }

    boolean freshnessMet() {
      return freshnessSamples > 0 && freshnessTimeouts == 0 && freshnessMax <= FRESHNESS_GOAL_MS;
    }

    boolean allMet() {
      return hybridMet() && inProcessMet() && httpMet() && (freshnessMet() || !freshnessProbed);
    }
  }

  private String markdown(ZonedDateTime started, Duration took, Duration nodeStartup, String nodeSetup, CpuUsage idle,
      IndexingResult ix, IndexStats stats, Agreement agreement, List<String> warmupProblems,
      Map<String, MeasuredPhase> phases, Map<String, Long> empty, FreshnessProbe.Result fresh, Goals goals,
      Map<String, JfrProfile.Summary> profiles, boolean profilesKept, Set<String> profiledPaths) {
    ProcessStats.Machine m = ProcessStats.machine();
    StringBuilder out = new StringBuilder();
    out.append("# oracle benchmark: indexing, search latency vs plain Lucene, freshness (")
        .append(started.toLocalDate()).append(")\n\n");
    out.append("`").append(OracleBenchmark.class.getName()).append(' ').append(options.commandLine()).append("`, started ")
        .append(started.withNano(0)).append(", took ").append(took.toSeconds()).append(" s.\n\n");
    out.append("> **Everything shares the same ").append(m.processors()).append(" cores**: the Kafka broker (in this JVM), ")
        .append("the Apicurio registry (child process), the Poseidon node (gateway + oracle topology with its in-process ")
        .append("MiniLM model and Lucene indexes, in this JVM), the plain-Lucene baseline and the load generator (in ")
        .append("this JVM). All traffic is loopback. Absolute numbers only describe this machine; the **ratios** against ")
        .append("plain Lucene over the same indexes, measured in the same run, are the result.\n\n");
    out.append(ReportWriter.machineSection(m, stack.startupTime(), nodeSetup, nodeStartup, idle)).append('\n');

    // --- corpus ---
    out.append("## Corpus and queries\n\n");
    out.append(String.format(Locale.ROOT, "- %,d generated markdown documents (seed %d): runbooks, ADRs, incident "
            + "reviews, READMEs and notes about %d services — operational prose (symptoms, causes, commands, dashboards, "
            + "decisions) under `#`/`##` headings, 3–5 sections of 240–310 words each; %,d words in all.%n",
        corpus.docs().size(), options.seed(), Corpus.SERVICES.length, corpus.words()));
    out.append(String.format(Locale.ROOT, "- **%,d chunks** by oracle's own chunker (`oracle.chunk.*` defaults: ~1.3 "
            + "tokens per word, so %.0f estimated tokens per chunk on average; target `--chunks %d`).%n",
        corpus.chunks(), corpus.words() * 1.3 / Math.max(1, corpus.chunks()), options.chunks()));
    out.append(String.format(Locale.ROOT, "- After indexing the node's %d partition indexes held %,d chunks and %,d "
            + "vectors (%s per chunk: the whole chunk's and one per window of four sentences).%n", stats.partitions(),
        stats.chunks(), stats.vectors(), stats.chunks() == 0 || stats.vectors() < 0 ? "?"
            : fmt((double) stats.vectors() / stats.chunks(), 1)));
    long questions = queries.stream().filter(q -> q.endsWith("?")).count();
    out.append(String.format(Locale.ROOT, "- %d fixed queries from the same vocabulary: %d questions (\"%s\") and %d "
            + "keyword queries (\"%s\", \"%s\"); request i asks query i mod %d (words only: no \"phrases\" or "
            + "-exclusions).%n",
        queries.size(), questions,
        queries.stream().filter(q -> q.endsWith("?")).findFirst().orElse("-"), queries.size() - questions,
        queries.stream().filter(q -> !q.endsWith("?")).findFirst().orElse("-"),
        queries.stream().filter(q -> !q.endsWith("?")).skip(3).findFirst().orElse("-"), queries.size()));
    out.append(String.format(Locale.ROOT, "- Baseline check: plain Lucene's top hit is oracle keyword's top hit for **%d "
            + "of %d** queries (%d differ, %d with results on one side only, %d without results on both).%n%n",
        agreement.same(), queries.size(), agreement.different(), agreement.oneEmpty(), agreement.bothEmpty()));

    // --- 1. indexing ---
    out.append("## 1. Indexing throughput (PUT → IndexingCompleted)\n\n");
    out.append("Every document PUT once through the gateway (`PUT /api/v1/documents/{docId}`, ")
        .append(options.putConcurrency()).append(" in flight, a 503 retried after its Retry-After). A consumer of ")
        .append("`oracle.indexing` (read_committed) counts the `IndexingCompleted` facts of the benchmark's documents; a ")
        .append("document is done when its fact is committed (the index holds it by then). The time runs **from the first ")
        .append("PUT to the last completion**: debounce (").append(options.debounceText()).append("), chunking, embedding ")
        .append("(all-MiniLM-L6-v2 in process, several vectors per chunk), chunk store (changelogged) and Lucene.\n\n");
    out.append("| documents PUT | accepted (202) | 503 retries | PUTs answered after s | documents indexed | chunks indexed "
        + "| chunks embedded | failed | first completion after s | last completion after s | **chunks/s** | **docs/s** |\n");
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    out.append(String.format(Locale.ROOT, "| %,d | %,d | %d | %.1f | %,d | %,d | %,d | %d | %s | %s | **%s** | **%s** |%n",
        ix.docs(), ix.accepted(), ix.retries503(), ix.putSeconds(), ix.docsIndexed(), ix.chunksIndexed(), ix.embedded(),
        ix.failed(), fmt(ix.firstCompletionSeconds(), 1), fmt(ix.lastCompletionSeconds(), 1),
        fmt(ix.chunksPerSecond(), 1), fmt(ix.docsPerSecond(), 2)));
    double steady = ix.lastCompletionSeconds() - ix.firstCompletionSeconds();
    out.append(String.format(Locale.ROOT, "%nBetween the first and the last completion (without the first debounce): "
            + "%s chunks/s. %s%n%n", steady > 0 ? fmt(ix.chunksIndexed() / steady, 1) : "-",
        ix.complete() ? "Every accepted document was indexed." : "**Not every accepted document was indexed within "
            + "--index-timeout: the rates above count only those that were.**"));
    out.append(String.format(Locale.ROOT, "During the indexing: this JVM %s cores (%s µs of CPU per chunk), registry %s, "
            + "**other processes %s cores**, JIT %s ms. After it (full GC): JVM RSS %s MB, heap used %s MB, registry RSS "
            + "%s MB.%n%n", fmt(ix.cpu().jvmCores(), 2),
        ix.chunksIndexed() == 0 || ix.cpu().jvmCpuNanos() < 0 ? "-" : fmt(ix.cpu().jvmCpuNanos() / 1_000.0 / ix.chunksIndexed(), 0),
        fmt(ix.cpu().registryCores(), 2), fmt(ix.cpu().otherCores(), 2), ix.cpu().jitMillis(),
        mb(ix.memory().rssBytes()), mb(ix.memory().heapUsedAfterGcBytes()), mb(ix.memory().registryRssBytes())));

    // --- 2./3. latency ---
    out.append("## 2.–3. Search latency: oracle (HTTP and in process) vs plain Lucene\n\n");
    out.append(String.format(Locale.ROOT, "Open model at **%d queries/s**, at most **%d in flight**, %d s warm-up (not "
            + "recorded) then %d s measured per path, one path after the other; latency = completion − **intended** send "
            + "time (coordinated-omission corrected), HdrHistogram. Each path first ran %d s unrecorded (JVM warm-up) and "
            + "one awaited request. The query cache is %s. A freshness probe (section 4) changes a document every %d s "
            + "during every path, so each runs beside the same background indexing.%n%n", options.rate(),
        options.maxInFlight(), options.warmup().toSeconds(), options.measured().toSeconds(), options.jvmWarmup().toSeconds(),
        options.cacheTtl().equals("0s") || OracleConfig.of(Map.of(OracleConfig.CACHE_TTL, options.cacheTtl())).cacheTtl().isZero()
            ? "**off** (`oracle.cache.ttl=0s`: every request is searched, as plain Lucene does; 200 repeated queries "
                + "would otherwise mostly be cache hits)"
            : "on (`oracle.cache.ttl=" + options.cacheTtl() + "`: repeated queries may be answered from it)",
        options.freshnessEvery().toSeconds()));
    out.append("| path | what one request is |\n|---|---|\n");
    out.append("| **lucene** (baseline) | in process, on a pool of ").append(queryThreads).append(" threads (as many as the ")
        .append("gateway's query pool): one plain Lucene `IndexSearcher` over the node's partition indexes read as one ")
        .append("(`MultiReader` of their `acquire()`d readers, as oracle reads them), ")
        .append("`searcher.search(PartitionIndex.query(q), 10)` (oracle's BM25 query over title, headings and text) and ")
        .append("those hits' stored fields loaded |\n");
    out.append("| **oracle-keyword-in-process** | same pool: `Search.local(indexes, request, Embedder.shared())` + ")
        .append("`Search.rank` with `mode=keyword, limit=10` — the candidates the gateway's query pool collects for one ")
        .append("node (the top `candidates()`, 30 for limit 10, over the partitions read as one index, their results ")
        .append("from memory), ranked with two passages per document at most; no snippets (the HTTP path highlights the ")
        .append("10 results) |\n");
    out.append("| **http-keyword** | `GET /api/v1/search?mode=keyword&limit=10&q=…` on the node's gateway (Vert.x client, ")
        .append("at most ").append(options.connections()).append(" keep-alive connections): contract validation, ")
        .append("scatter-gather (one node), JSON |\n");
    out.append("| **http-hybrid** | `GET …?mode=hybrid` — BM25 + KNN over the vectors, reciprocal-rank fusion. Every ")
        .append("request's text is new to the embedder (the query's words with a whitespace pattern not sent before: same ")
        .append("tokens, same results), so **the query is embedded on every request**, as a question nobody asked before |\n");
    out.append("| **http-hybrid-repeated** | the same, with the queries exactly as listed: after a query's first ")
        .append("occurrence its vector comes from the embedder's cache (short texts are cached), so no inference |\n\n");

    out.append("| path | achieved (q/s) | ok | failed | p50 ms | p90 ms | p99 ms | max ms | sender lag max ms "
        + "| without results |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, MeasuredPhase> e : phases.entrySet()) {
      PhaseResult l = e.getValue().load();
      out.append("| ").append(e.getKey()).append(" | ").append(fmt(l.achievedPerSecond(), 1)).append(" | ")
          .append(l.measuredOk()).append(" | ").append(l.measuredFailureCount()).append(" | ")
          .append(fmt(l.latencyMillis(50), 2)).append(" | ").append(fmt(l.latencyMillis(90), 2)).append(" | ")
          .append(fmt(l.latencyMillis(99), 2)).append(" | ").append(fmt(l.maxLatencyMillis(), 2)).append(" | ")
          .append(fmt(l.maxSenderLagMicros() / 1000.0, 2)).append(" | ").append(empty.get(e.getKey())).append(" |\n");
    }
    out.append("\n### Ratios against plain Lucene (same indexes, same run, same schedule)\n\n");
    out.append("| ratio | p50 | p99 | goal (p50 and p99) |\n|---|---:|---:|---|\n");
    out.append("| **oracle keyword in process / plain Lucene** — the search code's own price (candidates, snippets, "
        + "ranking) | ").append(fmt(goals.inProcessRatioP50, 2)).append(" | ").append(fmt(goals.inProcessRatioP99, 2))
        .append(" | ≤ 1.5: ").append(verdict(goals.inProcessMet())).append(" |\n");
    out.append("| **oracle keyword via HTTP / plain Lucene** — what a client sees (adds HTTP, validation, JSON) | ")
        .append(fmt(goals.httpRatioP50, 2)).append(" | ").append(fmt(goals.httpRatioP99, 2)).append(" | ≤ 1.5: ")
        .append(verdict(goals.httpMet())).append(" |\n");
    PhaseResult repeated = phases.get(HTTP_HYBRID_REPEATED).load();
    PhaseResult hybrid = phases.get(HTTP_HYBRID).load();
    PhaseResult httpKeyword = phases.get(HTTP_KEYWORD).load();
    out.append("| http-hybrid / http-keyword — KNN, fusion and the query's embedding | ")
        .append(fmt(hybrid.latencyMillis(50) / httpKeyword.latencyMillis(50), 2)).append(" | ")
        .append(fmt(hybrid.latencyMillis(99) / httpKeyword.latencyMillis(99), 2)).append(" | |\n");
    out.append("| http-hybrid / http-hybrid-repeated — the query's embedding alone | ")
        .append(fmt(hybrid.latencyMillis(50) / repeated.latencyMillis(50), 2)).append(" | ")
        .append(fmt(hybrid.latencyMillis(99) / repeated.latencyMillis(99), 2)).append(" | |\n");
    out.append(String.format(Locale.ROOT, "%n**http-hybrid p99 %s ms** (query embedded on every request) — goal ≤ %.0f ms: "
            + "%s. With the query's vector cached (http-hybrid-repeated): p99 %s ms.%n%n", fmt(goals.hybridP99, 2),
        HYBRID_P99_GOAL_MS, verdict(goals.hybridMet()), fmt(repeated.latencyMillis(99), 2)));

    // --- 4. freshness ---
    out.append("## 4. Freshness: a changed document searchable after its debounce\n\n");
    out.append(String.format(Locale.ROOT, "Every %d s during the search phases (and their JVM warm-up), a changed version "
            + "of an indexed document — its body plus a sentence with a token found nowhere else — is PUT; once the 202 "
            + "is in, `GET /api/v1/search?mode=keyword&q=<token>` is polled every %d ms (from %d ms before the debounce "
            + "ends) until the document is a result. Sample = found − 202 received − debounce (%s): the re-indexing "
            + "(only the changed chunk is embedded again), the refresh of the partition index and the poll interval "
            + "(%d ms resolution).%n%n", options.freshnessEvery().toSeconds(), FreshnessProbe.POLL_MILLIS,
        FreshnessProbe.EARLY_MILLIS, options.debounceText(), FreshnessProbe.POLL_MILLIS));
    Histogram all = fresh.all();
    out.append("| changes | found | p50 ms | p90 ms | p99 ms | max ms | not found within 30 s | found on the first poll "
        + "| search polls |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    out.append(String.format(Locale.ROOT, "| %d | %d | %s | %s | %s | %s | %d | %d | %d |%n%n", fresh.probes(),
        all.getTotalCount(), fmtMs(all, 50), fmtMs(all, 90), fmtMs(all, 99), all.getTotalCount() == 0 ? "-"
            : fmt(maxMillis(all), 0), fresh.timeouts(), fresh.firstPollHits(), fresh.polls()));
    if (!fresh.byPhase().isEmpty()) {
      out.append("| during | found | p50 ms | max ms |\n|---|---:|---:|---:|\n");
      fresh.byPhase().forEach((p, h) -> out.append("| ").append(p).append(" | ").append(h.getTotalCount()).append(" | ")
          .append(fmtMs(h, 50)).append(" | ").append(fmt(maxMillis(h), 0)).append(" |\n"));
      out.append('\n');
    }
    out.append(String.format(Locale.ROOT, "**Freshness max %s ms after the debounce** (p99 %s ms) — goal ≤ %.0f ms for "
            + "every change: %s%n%n", fmt(goals.freshnessMax, 0), fmt(goals.freshnessP99, 0), FRESHNESS_GOAL_MS,
        goals.freshnessSamples == 0 ? "**not measured** (no sample)" : verdict(goals.freshnessMet())));

    // --- 5. machine load ---
    out.append("## 5. Machine load and memory per phase\n\n");
    out.append("| phase | JVM cores | JVM CPU µs/query | JIT compile ms | registry cores | other processes' cores | JVM RSS MB "
        + "| heap used MB | registry RSS MB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    out.append(String.format(Locale.ROOT, "| indexing | %s | - | %d | %s | %s | %s | %s | %s |%n", fmt(ix.cpu().jvmCores(), 2),
        ix.cpu().jitMillis(), fmt(ix.cpu().registryCores(), 2), fmt(ix.cpu().otherCores(), 2), mb(ix.memory().rssBytes()),
        mb(ix.memory().heapUsedAfterGcBytes()), mb(ix.memory().registryRssBytes())));
    for (Map.Entry<String, MeasuredPhase> e : phases.entrySet()) {
      CpuUsage c = e.getValue().cpu();
      ProcessStats.Memory mem = e.getValue().memoryAfter();
      out.append("| ").append(e.getKey()).append(" | ").append(fmt(c.jvmCores(), 2)).append(" | ")
          .append(fmt(e.getValue().cpuMicrosPerRequest(), 0)).append(" | ").append(c.jitMillis()).append(" | ")
          .append(fmt(c.registryCores(), 2)).append(" | ").append(fmt(c.otherCores(), 2)).append(" | ")
          .append(mb(mem.rssBytes())).append(" | ").append(mb(mem.heapUsedAfterGcBytes())).append(" | ")
          .append(mb(mem.registryRssBytes())).append(" |\n");
    }
    out.append("\nCores: 1.0 = one core busy for the whole phase (warm-up, measured part and drain). This JVM holds the ")
        .append("broker, the node (gateway, oracle topology, model, indexes), the baseline and the load generator; idle it ")
        .append("used ").append(fmt(idle.jvmCores(), 2)).append(" cores. *Other processes* are everything else on the ")
        .append("machine (from /proc/stat): well above 0 means the phase competed with other work. JVM CPU per query ")
        .append("includes the background indexing of the freshness probe. Memory is read after each phase and a full GC.\n\n");

    // --- goals ---
    out.append("## Goals\n\n| goal | measured | |\n|---|---:|---|\n");
    out.append("| hybrid search p99 ≤ 50 ms (HTTP, 50 in flight at most, query embedded) | ")
        .append(fmt(goals.hybridP99, 2)).append(" ms | ").append(verdict(goals.hybridMet())).append(" |\n");
    out.append("| oracle keyword in process / plain Lucene ≤ 1.5× (p50 and p99) | ").append(fmt(goals.inProcessRatioP50, 2))
        .append("× / ").append(fmt(goals.inProcessRatioP99, 2)).append("× | ").append(verdict(goals.inProcessMet()))
        .append(" |\n");
    out.append("| oracle keyword via HTTP / plain Lucene ≤ 1.5× (p50 and p99) | ").append(fmt(goals.httpRatioP50, 2))
        .append("× / ").append(fmt(goals.httpRatioP99, 2)).append("× | ").append(verdict(goals.httpMet())).append(" |\n");
    out.append("| changed document searchable ≤ 3 s after its debounce (every change) | ")
        .append(goals.freshnessSamples == 0 ? "no sample" : "max " + fmt(goals.freshnessMax, 0) + " ms")
        .append(goals.freshnessTimeouts > 0 ? ", " + goals.freshnessTimeouts + " not found" : "").append(" | ")
        .append(goals.freshnessSamples == 0 ? (goals.freshnessProbed ? "**not measured** (no change was found)"
            : "not measured (`--freshness-every 0`)") : verdict(goals.freshnessMet())).append(" |\n");
    out.append(String.format(Locale.ROOT, "| indexing throughput (no goal set) | %s chunks/s, %s docs/s | |%n%n",
        fmt(ix.chunksPerSecond(), 1), fmt(ix.docsPerSecond(), 2)));

    // --- anomalies ---
    out.append("## Failures and anomalies\n\n");
    List<String> problems = new ArrayList<>(anomalies);
    warmupProblems.forEach(p -> problems.add("JVM warm-up, " + p));
    for (Map.Entry<String, MeasuredPhase> e : phases.entrySet()) {
      PhaseResult l = e.getValue().load();
      String where = e.getKey() + ": ";
      l.measuredFailures().forEach((label, n) -> problems.add(where + n + " measured requests ended with " + label));
      if (l.warmupFailures() > 0) {
        problems.add(where + l.warmupFailures() + " warm-up requests failed");
      }
      if (l.unsent() > 0) {
        problems.add(where + l.unsent() + " scheduled requests were never sent (the sender fell too far behind)");
      }
      if (l.incomplete() > 0) {
        problems.add(where + l.incomplete() + " requests were still unanswered after the drain timeout");
      }
      if (l.inFlightLimitHits() > 0) {
        problems.add(where + "the in-flight bound (" + options.maxInFlight() + ") was reached " + l.inFlightLimitHits()
            + " times: the sender waited (the wait is in the latencies)");
      }
      if (l.measuredOk() < 100) {
        problems.add(where + "only " + l.measuredOk() + " measured queries: its p99 is about its maximum, one slow query "
            + "(a GC, a re-indexing) sets it; run longer (--seconds) for a stable tail");
      }
      if (l.achievedPerSecond() < 0.95 * options.rate()) {
        problems.add(where + "achieved " + fmt(l.achievedPerSecond(), 1) + " successful queries/s of " + options.rate()
            + (l.measuredFailureCount() > 0 ? " (failed ones do not count)" : ": the path did not keep up"));
      }
      CpuUsage c = e.getValue().cpu();
      if (c.otherCores() > RegistrationBenchmark.BUSY_MACHINE_CORES) {
        problems.add(where + "other processes used " + fmt(c.otherCores(), 2) + " cores during the phase: noisy");
      }
      if (c.jitMillis() * 1_000_000 > c.wallNanos() / 2) {
        problems.add(where + "the JIT compilers ran " + c.jitMillis() + " ms during the " + c.wallNanos() / 1_000_000
            + " ms phase: the JVM was not in a steady state yet (a longer --jvm-warmup helps)");
      }
    }
    if (ix.cpu().otherCores() > RegistrationBenchmark.BUSY_MACHINE_CORES) {
      problems.add("indexing: other processes used " + fmt(ix.cpu().otherCores(), 2) + " cores meanwhile: noisy");
    }
    if (fresh.timeouts() > 0) {
      problems.add("freshness: " + fresh.timeouts() + " changed documents were not found within "
          + FreshnessProbe.TIMEOUT.toSeconds() + " s of their 202");
    }
    if (fresh.firstPollHits() > 0) {
      problems.add("freshness: " + fresh.firstPollHits() + " changes were found on the first poll (" + FreshnessProbe.EARLY_MILLIS
          + " ms before the debounce ended): they may have been searchable earlier than measured");
    }
    fresh.putFailures().forEach((label, n) -> problems.add("freshness: " + n + " PUTs ended with " + label));
    fresh.pollFailures().forEach((label, n) -> problems.add("freshness: " + n + " search polls ended with " + label));
    if (problems.isEmpty()) {
      out.append("None: every PUT was accepted and indexed, every query of every phase succeeded (not partial), none ")
          .append("unsent or unanswered, every change was found; the machine was quiet and the JIT settled.\n\n");
    } else {
      problems.forEach(p -> out.append("- ").append(p).append('\n'));
      out.append('\n');
    }

    // --- profiles ---
    if (!profiles.isEmpty()) {
      out.append("## Profiles\n\n").append(profilesKept && !options.jfr().equals("true") ? "A goal was missed: " : "")
          .append("JFR recordings of the HTTP search phases were written beside this report. ONNX Runtime's inference ")
          .append("runs in native code (on its own native threads too): JFR's execution samples see its Java side only, ")
          .append("the CPU columns above see all of it.\n");
      profiles.forEach((path, summary) -> out.append(JfrProfile.markdown(summary, path)));
      out.append('\n');
    } else {
      out.append("## Profiles\n\n").append(options.jfr().equals("false") ? "None recorded (`--jfr false`).\n\n"
          : "JFR recorded " + String.join(", ", profiledPaths) + " and the recordings were discarded: every goal was met "
              + "(`--jfr true` keeps them anyway).\n\n");
    }

    out.append("## How to read this\n\n");
    out.append("- *achieved* = successful measured queries / (last measured completion − first measured intended send); ")
        .append("equal to the rate while a path keeps up.\n");
    out.append("- Latencies run from the **intended** send time: a stall of the generator, the in-flight bound or the ")
        .append("system is charged to every query due meanwhile (*sender lag max* says how late the generator itself ")
        .append("was). Failed or partial answers are counted, never in the latencies.\n");
    out.append("- The two keyword ratios answer different questions: **in process / Lucene** is what oracle's search code ")
        .append("adds over a bare Lucene query over the same indexes (it collects 30 candidates to rank 10); ")
        .append("**HTTP / Lucene** adds the gateway hop on top (validation, highlighting the 10 results, JSON, the client).\n");
    out.append("- *without results*: measured queries that matched nothing (same queries on every path).\n");
    return out.toString();
  }

  // ------------------------------------------------------------------------------------------------
  // the generated corpus
  // ------------------------------------------------------------------------------------------------

  /** The documents (deterministic from the seed) and the queries, from one operational vocabulary. */
  record Corpus(List<Doc> docs, long chunks, long words) {

    /** One document as the benchmark PUTs it; {@code chunks} is what oracle's chunker makes of its body. */
    record Doc(String docId, String title, String kind, String service, List<String> tags, String body, int chunks) {
      JsonObject json(String withBody) {
        return new JsonObject().put("title", title).put("kind", kind).put("service", service)
            .put("tags", new JsonArray(new ArrayList<>(tags))).put("body", withBody)
            .put("source", new JsonObject().put("uri", "https://git.example.com/knowledge/" + kind + "/" + docId + ".md"));
      }
    }

    static final String[] SERVICES = {"payments", "checkout", "inventory", "orders", "accounts", "billing", "shipping",
        "notifications", "ledger", "catalog", "pricing", "auth", "search", "reporting", "fraud", "gateway", "profiles",
        "returns", "loyalty", "warehouse"};
    static final String[] COMPONENTS = {"Postgres primary", "read replica", "Kafka consumer group", "Redis cache",
        "connection pool", "TLS certificate", "load balancer", "DNS record", "feature flag service", "message queue",
        "object storage bucket", "nightly batch job", "circuit breaker", "rate limiter", "service mesh sidecar",
        "schema registry", "JVM heap", "disk volume", "search index", "outbox table", "retry topic", "dead-letter topic",
        "HTTP client pool", "session store", "CDN edge cache", "secrets vault", "cron scheduler", "ingress controller"};
    static final String[] SYMPTOMS = {"p99 latency above 800 ms", "a spike of 5xx responses", "consumer lag above "
        + "100,000 records", "disk usage above 90 percent", "connection pool exhaustion", "pods killed for running out "
        + "of memory", "certificate expiry warnings", "replication lag above 30 seconds", "timeouts calling the payment "
        + "provider", "a growing backlog in the dead-letter topic", "garbage collection pauses over one second",
        "stale reads from the cache", "duplicate messages after a rebalance", "a flood of 429 responses", "slow "
        + "queries on the orders table", "failed health checks behind the load balancer", "a sudden drop in "
        + "throughput", "deadlocks in the database", "checkout errors for one region", "missing events after a deploy"};
    static final String[] SHORT_SYMPTOMS = {"high latency", "5xx errors", "consumer lag", "full disk", "pool exhaustion",
        "out of memory", "expiring certificate", "replication lag", "provider timeouts", "dead letters", "long GC pauses",
        "stale cache", "duplicate messages", "rate limiting", "slow queries", "failing health checks", "throughput drop",
        "deadlocks", "regional errors", "missing events"};
    static final String[] ACTIONS = {"roll back the last deployment", "fail over to the standby database", "restart the "
        + "consumers one at a time", "rotate the TLS certificate", "drain the node", "scale the deployment to six "
        + "replicas", "flush the cache", "raise the connection pool limit", "replay the dead-letter topic", "pause the "
        + "nightly batch job", "disable the feature flag", "re-run the failed migration", "rebuild the search index",
        "increase the partition count", "throttle the noisy client", "reset the consumer group offsets", "promote the "
        + "read replica", "clear the stuck outbox rows", "extend the disk volume", "switch traffic to the other region"};
    static final String[] COMMANDS = {"./poseidon deploy rollback", "kubectl rollout undo", "kubectl drain --ignore-daemonsets",
        "psql -c 'select pg_promote()'", "kafka-consumer-groups --reset-offsets", "./poseidon cert rotate",
        "helm upgrade --reuse-values", "redis-cli FLUSHDB", "./poseidon replay --from dlq", "terraform apply -target"};
    static final String[] DASHBOARDS = {"the latency dashboard", "the consumer lag panel", "the error budget burn chart",
        "the database overview", "the JVM memory panel", "the saturation dashboard", "the regional traffic map",
        "the queue depth graph"};
    static final String[] ROLES = {"the on-call engineer", "the incident commander", "the database team", "the platform "
        + "team", "the service owner", "the security team", "the release manager", "customer support"};
    static final String[] CAUSES = {"a schema change without an index", "an expired intermediate certificate", "a "
        + "deploy that doubled the connection count", "a retry storm from one client", "a full disk on the broker",
        "a misconfigured feature flag", "a slow upstream dependency", "a memory leak in the HTTP client", "a network "
        + "partition between zones", "a runaway batch job", "clock skew on two hosts", "a cache stampede after a "
        + "flush"};
    static final String[] REASONS = {"it keeps writes ordered per key", "it survives the loss of one zone", "the team "
        + "already operates it", "it needs no extra infrastructure", "reads stay fast under load", "it can be rolled back "
        + "in minutes", "it bounds memory under bursts", "it keeps the audit trail complete"};
    static final String[] METRICS = {"error rate", "p99 latency", "consumer lag", "queue depth", "CPU usage",
        "heap usage", "replication lag", "request rate"};
    static final String[] KINDS = {"runbook", "runbook", "runbook", "runbook", "incident", "incident", "adr", "adr",
        "readme", "note", "note", "runbook", "incident", "adr", "note", "readme", "runbook", "incident", "note", "adr"};
    static final Map<String, String[]> HEADINGS = Map.of(
        "runbook", new String[] {"Symptoms", "Diagnosis", "Mitigation", "Rollback", "Verification", "Escalation"},
        "incident", new String[] {"Summary", "Timeline", "Root cause", "Impact", "Follow-ups"},
        "adr", new String[] {"Context", "Decision", "Consequences", "Alternatives considered", "Status"},
        "readme", new String[] {"Overview", "Running locally", "Configuration", "Operations", "Dependencies"},
        "note", new String[] {"Background", "Observations", "Open questions", "Next steps", "References"});
    static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July", "August",
        "September", "October", "November", "December"};

    /** Documents of 3–5 sections (one chunk each) until the corpus has {@code targetChunks} chunks. */
    static Corpus generate(int targetChunks, long seed, MarkdownChunker chunker) {
      SplittableRandom random = new SplittableRandom(seed);
      List<Doc> docs = new ArrayList<>();
      long chunks = 0;
      long words = 0;
      for (int n = 1; chunks < targetChunks; n++) {
        int sections = Math.min(3 + random.nextInt(3), (int) (targetChunks - chunks));
        Doc doc = document(n, sections, random, chunker);
        docs.add(doc);
        chunks += doc.chunks();
        words += doc.body().split("\\s+").length;
      }
      return new Corpus(List.copyOf(docs), chunks, words);
    }

    private static Doc document(int n, int sections, SplittableRandom r, MarkdownChunker chunker) {
      String kind = KINDS[r.nextInt(KINDS.length)];
      int s = r.nextInt(SERVICES.length);
      String service = SERVICES[s];
      Topic topic = new Topic(service, pick(r, COMPONENTS), r.nextInt(SYMPTOMS.length), pick(r, ACTIONS), r);
      String title = switch (kind) {
        case "runbook" -> capitalize(service) + ": " + SHORT_SYMPTOMS[topic.symptom()] + " on the " + topic.component();
        case "incident" -> "Incident " + (1 + r.nextInt(28)) + " " + MONTHS[r.nextInt(12)] + ": " + service + " "
            + SHORT_SYMPTOMS[topic.symptom()];
        case "adr" -> "ADR " + (100 + n) + ": the " + topic.component() + " for " + service;
        case "readme" -> "The " + service + " service";
        default -> "Notes on the " + topic.component() + " in " + service;
      };
      String docId = kind + "-" + service + "-" + String.format(Locale.ROOT, "%05d", n);
      StringBuilder body = new StringBuilder("# ").append(title).append("\n\n");
      body.append(sentence(r, topic)).append(' ').append(sentence(r, topic)).append("\n\n");
      String[] headings = HEADINGS.get(kind);
      int first = r.nextInt(Math.max(1, headings.length - sections + 1));
      for (int i = 0; i < sections; i++) {
        String heading = i < headings.length ? headings[(first + i) % headings.length] : "More on " + topic.component();
        body.append("## ").append(heading).append("\n\n");
        int target = 240 + r.nextInt(71);
        int written = 0;
        while (written < target) {
          StringBuilder paragraph = new StringBuilder();
          int sentences = 3 + r.nextInt(4);
          for (int k = 0; k < sentences && written < target; k++) {
            String sentence = sentence(r, topic);
            paragraph.append(k == 0 ? "" : " ").append(sentence);
            written += sentence.split(" ").length;
          }
          body.append(paragraph).append("\n\n");
          if (kind.equals("runbook") && written < target && r.nextInt(4) == 0) {
            String command = pick(r, COMMANDS) + " " + service;
            body.append("```\n").append(command).append("\n```\n\n");
            written += command.split(" ").length;
          }
        }
      }
      String text = body.toString();
      List<String> tags = new ArrayList<>(List.of(service, kind));
      tags.add(topic.component().toLowerCase(Locale.ROOT).replace(' ', '-'));
      return new Doc(docId, title, kind, service, List.copyOf(tags), text, chunker.chunk(text).size());
    }

    /** What a document is about: most of its sentences name these; the rest the vocabulary at large. */
    private record Topic(String service, String component, int symptom, String action, SplittableRandom random) {}

    private static String sentence(SplittableRandom r, Topic t) {
      boolean onTopic = r.nextInt(10) < 6;
      String service = onTopic ? t.service() : pick(r, SERVICES);
      String component = onTopic ? t.component() : pick(r, COMPONENTS);
      String symptom = onTopic ? SYMPTOMS[t.symptom()] : pick(r, SYMPTOMS);
      String action = onTopic ? t.action() : pick(r, ACTIONS);
      return switch (r.nextInt(16)) {
        case 0 -> "When " + service + " shows " + symptom + ", check the " + component + " before anything else.";
        case 1 -> "The usual cause is " + pick(r, CAUSES) + ", and " + pick(r, SYMPTOMS) + " follows within minutes.";
        case 2 -> "To " + action + ", run `" + pick(r, COMMANDS) + "` and watch " + pick(r, DASHBOARDS) + " until the "
            + pick(r, METRICS) + " is back under its threshold.";
        case 3 -> "Do not " + action + " while the " + component + " is still recovering, because it makes " + symptom
            + " worse.";
        case 4 -> capitalize(pick(r, ROLES)) + " decides whether to " + action + "; page " + pick(r, ROLES)
            + " if it takes longer than " + (5 + r.nextInt(26)) + " minutes.";
        case 5 -> "After the change, confirm that " + service + " serves traffic again and that " + symptom + " is gone.";
        case 6 -> "We chose the " + component + " for " + service + " because " + pick(r, REASONS) + ".";
        case 7 -> "In the incident of " + (1 + r.nextInt(28)) + " " + pick(r, MONTHS) + ", " + service + " saw " + symptom
            + " after " + pick(r, CAUSES) + ".";
        case 8 -> "Keep the " + pick(r, METRICS) + " of " + service + " below " + (50 + r.nextInt(900))
            + " during the business day, and alert when it stays above for ten minutes.";
        case 9 -> "The " + component + " of " + service + " is shared with " + pick(r, SERVICES) + ", so a change to it "
            + "needs a note in the on-call channel first.";
        case 10 -> "If " + pick(r, DASHBOARDS) + " shows " + symptom + " in only one zone, " + action + " in that zone "
            + "and leave the others alone.";
        case 11 -> "Most pages for " + service + " since last quarter came from " + pick(r, CAUSES) + ".";
        case 12 -> capitalize(pick(r, ROLES)) + " owns the " + component + " and reviews every change to its "
            + "configuration.";
        case 13 -> "A safe first step is to " + action + ", which takes about " + (2 + r.nextInt(14))
            + " minutes and can be undone.";
        case 14 -> "The " + component + " exports its " + pick(r, METRICS) + " to lighthouse; " + pick(r, DASHBOARDS)
            + " plots it next to the " + pick(r, METRICS) + ".";
        default -> "Expect " + pick(r, SYMPTOMS) + " for a few minutes while " + service + " warms its "
            + pick(r, COMPONENTS) + " up again.";
      };
    }

    /** {@code n} distinct queries: questions and keyword queries about the same services and components. */
    static List<String> queries(int n, long seed) {
      SplittableRandom r = new SplittableRandom(seed ^ 0x5eed);
      Set<String> out = new LinkedHashSet<>();
      int attempts = 0;
      while (out.size() < n && attempts++ < n * 100) {
        String service = pick(r, SERVICES);
        String component = pick(r, COMPONENTS);
        int symptom = r.nextInt(SYMPTOMS.length);
        String action = pick(r, ACTIONS);
        String q = switch (r.nextInt(12)) {
          case 0 -> "How do I " + action + " for " + service + "?";
          case 1 -> "What should I check when " + service + " shows " + SYMPTOMS[symptom] + "?";
          case 2 -> "Why did " + service + " have " + SHORT_SYMPTOMS[symptom] + "?";
          case 3 -> "Who decides to " + action + "?";
          case 4 -> "Why did we choose the " + component + " for " + service + "?";
          case 5 -> "How do I know " + service + " recovered from " + SHORT_SYMPTOMS[symptom] + "?";
          case 6 -> service + " " + component.toLowerCase(Locale.ROOT);
          case 7 -> service + " " + SHORT_SYMPTOMS[symptom];
          case 8 -> component.toLowerCase(Locale.ROOT) + " " + SHORT_SYMPTOMS[symptom];
          case 9 -> action.split(" ")[0] + " " + action.split(" ")[action.split(" ").length - 1] + " " + service;
          // words only (no "phrases" or -exclusions): the same queries on every path, the baseline included
          case 10 -> service + " " + pick(r, METRICS);
          default -> pick(r, COMMANDS).split(" ")[0].replace("./", "") + " " + SHORT_SYMPTOMS[symptom];
        };
        out.add(q);
      }
      return List.copyOf(out);
    }

    /**
     * {@code query} with a whitespace pattern of its own for occurrence {@code k}: the gaps between its words
     * widened by k's base-3 digits, and at least one trailing space (so it is never the query as listed). Lucene's
     * analyzer and the model's tokenizer see the same words; only the embedder's cache key differs.
     */
    static String novelVariant(String query, long k) {
      String[] words = query.split(" ");
      StringBuilder out = new StringBuilder(words[0]);
      long rest = k;
      for (int i = 1; i < words.length; i++) {
        out.append(" ".repeat(1 + (int) (rest % 3))).append(words[i]);
        rest /= 3;
      }
      return out.append(" ".repeat(1 + (int) rest)).toString();
    }

    private static String pick(SplittableRandom r, String[] values) {
      return values[r.nextInt(values.length)];
    }

    private static String capitalize(String s) {
      return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
  }

  // ------------------------------------------------------------------------------------------------

  private static Map<String, Long> counts(Map<String, LongAdder> adders) {
    Map<String, Long> out = new TreeMap<>();
    adders.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  private static double millis(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1_000.0;
  }

  private static double maxMillis(Histogram h) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1_000.0;
  }

  private static String fmtMs(Histogram h, double percentile) {
    return fmt(millis(h, percentile), 0);
  }

  private static String verdict(boolean met) {
    return met ? "**met**" : "**missed**";
  }

  static String fmt(double v, int decimals) {
    return ReportWriter.num(v, decimals);
  }

  private static String mb(long bytes) {
    return bytes < 0 ? "?" : String.format(Locale.ROOT, "%.0f", bytes / (1024.0 * 1024.0));
  }

  private static void say(String format, Object... args) {
    System.out.println("[oracle-bench " + java.time.LocalTime.now().withNano(0) + "] "
        + String.format(Locale.ROOT, format, args));
  }
}
