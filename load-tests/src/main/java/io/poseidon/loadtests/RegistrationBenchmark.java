package io.poseidon.loadtests;

import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.deploy.local.LocalStack;
import io.poseidon.deploy.local.LocalStackConfig;
import io.poseidon.deploy.local.LocalStackMain;
import io.poseidon.gateway.node.Node;
import io.poseidon.processors.depths.DepthsModule;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.streams.StreamsDefaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The first Poseidon benchmark: registering service instances through the gateway versus producing the
 * same event to Kafka directly, in one JVM, on the real local stack, at a few open-model rates. See
 * {@code load-tests/README.md}; options in {@link BenchmarkOptions}.
 */
public final class RegistrationBenchmark {

  private static final Duration PAUSE_BETWEEN_PHASES = Duration.ofSeconds(1);
  private static final Duration NODE_READY_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration LAG_WAIT = Duration.ofSeconds(30);
  private static final Duration IDLE_MEASUREMENT = Duration.ofSeconds(3);
  /** Above this many cores used by other processes during the idle measurement, the run is flagged. */
  static final double BUSY_MACHINE_CORES = 0.2;

  private final BenchmarkOptions options;
  private final LocalStack stack;
  private final Node node;
  private final Admin admin;
  private final RegistrationWorkload workload = RegistrationWorkload.defaults();
  private final OpenModelLoad load;
  private final Path outDir;
  private JfrProfile.Summary profile;
  private jdk.jfr.Recording jfrWarmUp;

  private RegistrationBenchmark(BenchmarkOptions options, LocalStack stack, Node node, Admin admin) {
    this.options = options;
    this.stack = stack;
    this.node = node;
    this.admin = admin;
    OpenModelLoad.Limits defaults = OpenModelLoad.Limits.defaults();
    this.load = new OpenModelLoad(new OpenModelLoad.Limits(options.maxInFlight(), defaults.maxSenderLag(),
        defaults.drainTimeout()));
    this.outDir = options.outDir();
  }

  public static void main(String[] args) throws Exception {
    LocalStackMain.useLog4j2Config();
    if (java.util.Arrays.asList(args).contains("--help")) {
      System.out.println("java -cp ... " + RegistrationBenchmark.class.getName() + " [options]\n"
          + BenchmarkOptions.usage());
      return;
    }
    BenchmarkOptions options;
    try {
      options = BenchmarkOptions.parse(args, System.getProperties());
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.exit(2);
      return;
    }
    BenchmarkMain.exit(() -> run(options));
  }

  static int run(BenchmarkOptions options) throws Exception {
    ZonedDateTime started = ZonedDateTime.now();
    long begin = System.nanoTime();
    Path workDir = Files.createTempDirectory("poseidon-bench-");
    try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral(workDir.resolve("stack")))) {
      // Ctrl-C: stop the broker and the registry child process (closing twice does nothing)
      Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "bench-stack-shutdown"));
      long nodeBegin = System.nanoTime();
      try (Node node = startNode(stack, workDir.resolve("state"));
           Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
        awaitReady(node);
        Duration nodeStartup = Duration.ofNanos(System.nanoTime() - nodeBegin);
        say("stack ready in %d ms, node ready in %d ms (gateway port %d)", stack.startupTime().toMillis(),
            nodeStartup.toMillis(), node.httpPort());

        RegistrationBenchmark bench = new RegistrationBenchmark(options, stack, node, admin);
        bench.jfrWarmUp = options.jfrRate() > 0 ? JfrProfile.warmUp() : null;
        List<String> jvmWarmupProblems = bench.warmUpJvm();
        CpuUsage idle = bench.idle(IDLE_MEASUREMENT);
        say("idle for %d s: this JVM %.2f cores, registry %.2f, other processes %.2f", IDLE_MEASUREMENT.toSeconds(),
            idle.jvmCores(), idle.registryCores(), idle.otherCores());
        if (idle.otherCores() > BUSY_MACHINE_CORES) {
          say("WARNING: other processes use %.2f cores of this machine: the numbers will be noisy", idle.otherCores());
        }
        List<RateResult> results = new ArrayList<>();
        for (int rate : options.rates()) {
          results.add(bench.runRate(rate, started.toLocalDate() + "-registration-poseidon-" + rate + ".jfr"));
        }
        StringBuilder more = new StringBuilder();
        if (options.saturateFrom() > 0) {
          more.append(bench.saturation());
        }
        if (bench.profile != null) {
          more.append(JfrProfile.markdown(bench.profile, "Poseidon phase at " + options.jfrRate() + " req/s"));
        }

        RunInfo info = new RunInfo(RegistrationBenchmark.class.getName(), started,
            Duration.ofNanos(System.nanoTime() - begin), ProcessStats.machine(), options,
            bench.workload.describe(), stack.startupTime(), nodeStartup, jvmWarmupProblems, idle,
            "depths only, " + node.config().getString(PoseidonConfig.STREAMS_PROCESSING_GUARANTEE) + ", "
                + node.config().getInt(PoseidonConfig.STREAMS_NUM_STREAM_THREADS) + " stream thread, commit interval "
                + node.config().getLong(PoseidonConfig.STREAMS_COMMIT_INTERVAL_MS) + " ms");
        String report = ReportWriter.markdown(info, results) + more;
        List<Path> files = ReportWriter.write(options.outDir(), started.toLocalDate() + "-registration", info, results,
            more.toString());
        System.out.println();
        System.out.println(report);
        say("report written to %s and %s", files.get(0).toAbsolutePath(), files.get(1).toAbsolutePath());
      }
    } finally {
      LocalStack.deleteRecursively(workDir);
    }
    return 0;
  }

  /**
   * Both paths once at the first rate for {@code --jvm-warmup} seconds, recorded nowhere: the broker,
   * the node and the generator share one JVM, and whichever path ran first would otherwise pay for
   * the JIT compiling the code both use. Returns what went wrong, for the report.
   */
  private List<String> warmUpJvm() throws Exception {
    List<String> problems = new ArrayList<>();
    if (options.jvmWarmup().isZero()) {
      return problems;
    }
    int rate = options.rates().get(0);
    OpenModelSchedule schedule = new OpenModelSchedule(rate, Duration.ZERO, options.jvmWarmup());
    say("JVM warm-up: %d s per path at %d req/s (not recorded)", options.jvmWarmup().toSeconds(), rate);
    try (RawKafkaTarget raw = RawKafkaTarget.create(admin, stack.bootstrapServers(), stack.registryUrl(), workload)) {
      prime(raw);
      describeProblems(load.run("raw-kafka", schedule, raw), problems);
    }
    try (GatewayTarget gateway = new GatewayTarget(node.httpPort(), workload, options.connections(), 0)) {
      prime(gateway);
      describeProblems(load.run("poseidon", schedule, gateway), problems);
    }
    awaitNoLag(StreamsDefaults.applicationId(node.config(), DepthsModule.NAME));
    problems.forEach(p -> say("JVM warm-up: %s", p));
    return problems;
  }

  private static void describeProblems(PhaseResult result, List<String> into) {
    if (result.hasProblems()) {
      into.add(result.path() + ": failed " + result.measuredFailures() + ", unsent " + result.unsent()
          + ", unanswered " + result.incomplete());
    }
  }

  /**
   * One request, waited for, before the clock starts: the producer fetches metadata and registers the
   * schema, the HTTP client opens its first connection. Setup, not load.
   */
  static void prime(LoadTarget target) throws Exception {
    Outcome outcome = target.fire(new LoadTarget.Request(0, System.nanoTime(), false))
        .toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    if (!outcome.ok()) {
      throw new IllegalStateException("the priming request failed: " + outcome.label());
    }
  }

  /** Both paths' saturation search, each on one target; depths drains its input between Poseidon's steps. */
  private String saturation() throws Exception {
    String depthsGroup = StreamsDefaults.applicationId(node.config(), DepthsModule.NAME);
    long registryPid = stack.registry().pid();
    SaturationSearch.Result poseidon;
    try (GatewayTarget target = new GatewayTarget(node.httpPort(), workload, options.connections(), 0)) {
      prime(target);
      poseidon = SaturationSearch.run("poseidon", load, target, options.saturateFrom(),
          BenchmarkOptions.SATURATION_FACTOR, BenchmarkOptions.SATURATION_MAX, BenchmarkOptions.SATURATION_WARMUP,
          options.saturationStep(), BenchmarkOptions.SATURATION_P99_MS, registryPid, () -> {
            long lag = ConsumerLag.of(admin, depthsGroup, DepthsTopics.REGISTRATIONS.name());
            awaitNoLag(depthsGroup);
            return lag;
          });
    }
    // raw second: its search ends at ~100k records/s, which leaves the broker rolling and cleaning
    // segments for a while; Poseidon's steps run on a quiet broker (a run with raw first saw p99 > 50 ms
    // at Poseidon's first step)
    Thread.sleep(PAUSE_BETWEEN_PHASES.toMillis());
    SaturationSearch.Result raw;
    try (RawKafkaTarget target = RawKafkaTarget.create(admin, stack.bootstrapServers(), stack.registryUrl(), workload)) {
      prime(target);
      raw = SaturationSearch.run("raw-kafka", load, target, options.saturateFrom(), BenchmarkOptions.SATURATION_FACTOR,
          BenchmarkOptions.SATURATION_MAX, BenchmarkOptions.SATURATION_WARMUP, options.saturationStep(),
          BenchmarkOptions.SATURATION_P99_MS, registryPid, () -> -1);
    }
    return SaturationSearch.markdown(raw, poseidon, BenchmarkOptions.SATURATION_P99_MS);
  }

  /** Raw Kafka, then Poseidon, at {@code rate}; the Poseidon phase of {@code --jfr-rate} is profiled. */
  private RateResult runRate(int rate, String jfrFile) throws Exception {
    OpenModelSchedule schedule = new OpenModelSchedule(rate, options.warmup(), options.measured());
    MeasuredPhase raw;
    try (RawKafkaTarget target = RawKafkaTarget.create(admin, stack.bootstrapServers(), stack.registryUrl(), workload)) {
      prime(target);
      raw = measure("raw-kafka", schedule, target, () -> { });
    }
    Thread.sleep(PAUSE_BETWEEN_PHASES.toMillis());

    MeasuredPhase poseidon;
    VisibilityProbe.Result visibility;
    try (GatewayTarget target = new GatewayTarget(node.httpPort(), workload, options.connections(), options.probeEvery())) {
      prime(target);
      VisibilityProbe.Result[] seen = new VisibilityProbe.Result[1];
      jdk.jfr.Recording recording = rate == options.jfrRate() ? JfrProfile.start() : null;
      poseidon = measure("poseidon", schedule, target, () -> seen[0] = target.probe().finish());
      if (recording != null) {
        Files.createDirectories(outDir);
        profile = JfrProfile.stop(recording, outDir.resolve(jfrFile));
        if (jfrWarmUp != null) {
          jfrWarmUp.close(); // discarded: it only kept JFR's instrumentation in place
          jfrWarmUp = null;
        }
        say("rate %d: JFR profile of the Poseidon phase in %s (%d samples)", rate, profile.file(), profile.samples());
      }
      if (poseidon.load().incomplete() > 0) {
        say("rate %d: unanswered gateway requests by stage: %s", rate, target.unanswered());
      }
      visibility = seen[0];
    }
    String depthsGroup = StreamsDefaults.applicationId(node.config(), DepthsModule.NAME);
    long lagAtEnd = ConsumerLag.of(admin, depthsGroup, DepthsTopics.REGISTRATIONS.name());
    long catchUpMs = awaitNoLag(depthsGroup);
    say("rate %d: visibility samples %d, depths lag after phase %d, caught up in %d ms", rate,
        visibility.latencyMicros().getTotalCount(), lagAtEnd, catchUpMs);
    Thread.sleep(PAUSE_BETWEEN_PHASES.toMillis());
    return new RateResult(rate, raw, poseidon, visibility, lagAtEnd, catchUpMs);
  }

  /** Runs one phase, sampling the CPU around it; the memory is read after {@code afterRun} and a full GC. */
  private MeasuredPhase measure(String path, OpenModelSchedule schedule, LoadTarget target, Runnable afterRun)
      throws InterruptedException {
    long registryPid = stack.registry().pid();
    CpuUsage.Sample before = CpuUsage.sample(registryPid);
    PhaseResult result = load.run(path, schedule, target);
    CpuUsage cpu = CpuUsage.between(before, CpuUsage.sample(registryPid));
    afterRun.run();
    MeasuredPhase phase = new MeasuredPhase(result, cpu, ProcessStats.memoryAfterGc(registryPid));
    report(phase);
    return phase;
  }

  /** The CPU used with no load at all (broker, controller, idle topology, timers) and by other processes. */
  private CpuUsage idle(Duration over) throws InterruptedException {
    CpuUsage.Sample before = CpuUsage.sample(stack.registry().pid());
    Thread.sleep(over.toMillis());
    return CpuUsage.between(before, CpuUsage.sample(stack.registry().pid()));
  }

  /** Milliseconds until depths has committed everything on its input topic, -1 if not within {@link #LAG_WAIT}. */
  private long awaitNoLag(String group) throws InterruptedException {
    long begin = System.nanoTime();
    while (System.nanoTime() - begin < LAG_WAIT.toNanos()) {
      if (ConsumerLag.of(admin, group, DepthsTopics.REGISTRATIONS.name()) == 0) {
        return (System.nanoTime() - begin) / 1_000_000;
      }
      Thread.sleep(50);
    }
    return -1;
  }

  private static void report(MeasuredPhase phase) {
    PhaseResult l = phase.load();
    say("rate %d %-9s achieved %.0f/s ok %d failed %d %s p50 %.2f p99 %.2f p99.9 %.2f max %.2f ms, sender lag max %.2f ms;"
            + " cores: JVM %.2f registry %.2f others %.2f",
        l.schedule().ratePerSecond(), l.path(), l.achievedPerSecond(), l.measuredOk(), l.measuredFailureCount(),
        l.measuredFailures(), l.latencyMillis(50), l.latencyMillis(99), l.latencyMillis(99.9), l.maxLatencyMillis(),
        l.maxSenderLagMicros() / 1000.0, phase.cpu().jvmCores(), phase.cpu().registryCores(), phase.cpu().otherCores());
  }

  static Node startNode(LocalStack stack, Path stateDir) throws Exception {
    Files.createDirectories(stateDir);
    return Node.start(ConfigSource.of(Map.of(
        PoseidonConfig.HTTP_AUTH_MODE, "none", // the gateway path itself; AuthBenchmark measures access control
        PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, stack.bootstrapServers(),
        PoseidonConfig.REGISTRY_URL, stack.registryUrl(),
        PoseidonConfig.HTTP_PORT, "0",
        PoseidonConfig.NODE_ID, "bench-node",
        PoseidonConfig.STREAMS_STATE_DIR, stateDir.toString())));
  }

  static void awaitReady(Node node) throws InterruptedException {
    long deadline = System.nanoTime() + NODE_READY_TIMEOUT.toNanos();
    while (!node.isReady()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the node was not ready within " + NODE_READY_TIMEOUT.toSeconds() + " s");
      }
      Thread.sleep(100);
    }
  }

  private static void say(String format, Object... args) {
    System.out.println("[bench " + java.time.LocalTime.now().withNano(0) + "] " + String.format(java.util.Locale.ROOT, format, args));
  }
}
