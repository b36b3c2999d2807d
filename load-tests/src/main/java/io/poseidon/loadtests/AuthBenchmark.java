package io.poseidon.loadtests;

import io.poseidon.deploy.local.LocalStack;
import io.poseidon.deploy.local.LocalStackConfig;
import io.poseidon.deploy.local.LocalStackMain;
import io.poseidon.gateway.http.auth.AdminKeyFile;
import io.poseidon.gateway.node.Node;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * What access control costs on the registration path: the same open-model load
 * ({@code POST /api/v1/services/{service}/instances}, default 2,000 req/s) against a node with
 * {@code http.auth.mode=none} (the baseline), then against a node with access control on — once with a
 * developer API key, once with an RS256 JWT — then the baseline again (to bracket drift), all in one
 * run on one stack, with raw Kafka producing the same event as the physical anchor. Goal: p99 with
 * authentication and rate limiting ≤ 1.10 × the baseline's. The API key phase is JFR-profiled.
 *
 * <p>{@code --rate N --warmup S --measured S --connections N --out DIR}.
 */
public final class AuthBenchmark {

  static final double GOAL = 1.10;

  private AuthBenchmark() {}

  public static void main(String[] args) throws Exception {
    LocalStackMain.useLog4j2Config();
    Map<String, String> opts = new HashMap<>(Map.of("--rate", "2000", "--warmup", "15", "--measured", "30",
        "--connections", "256", "--jvm-warmup", "30", "--out", "load-tests/results"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!opts.containsKey(args[i])) {
        System.err.println("bench: unknown option " + args[i] + "; known: " + opts.keySet());
        System.exit(2);
      }
      opts.put(args[i], args[i + 1]);
    }
    BenchmarkMain.exit(() -> run(Integer.parseInt(opts.get("--rate")), Duration.ofSeconds(Long.parseLong(opts.get(
        "--warmup"))), Duration.ofSeconds(Long.parseLong(opts.get("--measured"))),
        Integer.parseInt(opts.get("--connections")), Duration.ofSeconds(Long.parseLong(opts.get("--jvm-warmup"))),
        Path.of(opts.get("--out"))));
  }

  private record Phase(String name, PhaseResult result, CpuUsage cpu) {}

  static int run(int rate, Duration warmup, Duration measured, int connections, Duration jvmWarmup, Path out)
      throws Exception {
    ZonedDateTime started = ZonedDateTime.now();
    Path work = Files.createTempDirectory("poseidon-auth-bench-");
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair rsa = generator.generateKeyPair();
    Path pem = work.resolve("jwt.pem");
    Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(
        rsa.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
    String adminKey = AdminKeyFile.readOrCreate(work.resolve("admin-key"));
    RegistrationWorkload workload = RegistrationWorkload.defaults();
    OpenModelLoad load = new OpenModelLoad(new OpenModelLoad.Limits(4096, Duration.ofSeconds(10), Duration.ofSeconds(30)));
    OpenModelSchedule schedule = new OpenModelSchedule(rate, warmup, measured);
    List<Phase> phases = new ArrayList<>();
    CpuUsage idle;
    JfrProfile.Summary profile = null;
    ProcessStats.Machine machine = ProcessStats.machine();
    // JFR's instrumentation goes in now, not in the middle of the profiled phase (it stalls the JVM once)
    jdk.jfr.Recording jfrWarmUp = JfrProfile.warmUp();
    try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral(work.resolve("stack")));
         Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
      long registry = stack.registry().pid();
      idle = CpuUsage.idle(registry, Duration.ofSeconds(3));
      say("idle: other processes %.2f cores", idle.otherCores());
      try (RawKafkaTarget raw = RawKafkaTarget.create(admin, stack.bootstrapServers(), stack.registryUrl(), workload)) {
        phases.add(measure(load, "raw-kafka", schedule, raw, registry));
      }
      // the baseline has neither authentication nor rate limiting
      Map<String, String> open = Map.of(PoseidonConfig.HTTP_AUTH_MODE, "none",
          PoseidonConfig.HTTP_RATE_LIMIT_REQUESTS_PER_SECOND, "0");
      OpenModelSchedule unrecorded = new OpenModelSchedule(rate, Duration.ZERO, jvmWarmup);
      try (Node node = start(stack, work, "none", open)) {
        // the JIT compiles the gateway path once, unrecorded: whichever phase ran first would pay for it
        gateway(load, "JVM warm-up (not recorded)", unrecorded, node, connections, Map.of(), registry);
        phases.add(gateway(load, "http.auth.mode=none", schedule, node, connections, Map.of(), registry));
      }
      Map<String, String> secured = Map.of(PoseidonConfig.HTTP_AUTH_ADMIN_KEY_FILE, work.resolve("admin-key").toString(),
          PoseidonConfig.HTTP_AUTH_JWT_PUBLIC_KEY_FILE, pem.toString(), PoseidonConfig.HTTP_AUTH_JWT_ALGORITHMS, "RS256",
          PoseidonConfig.HTTP_AUTH_JWT_ISSUER, "bench", PoseidonConfig.HTTP_RATE_LIMIT_REQUESTS_PER_SECOND,
          Integer.toString(rate * 2));
      try (Node node = start(stack, work, "secured", secured)) {
        String key = createKey(node.httpPort(), adminKey);
        gateway(load, "JVM warm-up, secured (not recorded)", new OpenModelSchedule(rate, Duration.ZERO,
            jvmWarmup.dividedBy(2)), node, connections, Map.of("X-API-Key", key), registry);
        jdk.jfr.Recording recording = JfrProfile.start();
        phases.add(gateway(load, "API key (X-API-Key)", schedule, node, connections, Map.of("X-API-Key", key), registry));
        Files.createDirectories(out);
        profile = JfrProfile.stop(recording, out.resolve(started.toLocalDate() + "-auth-api-key.jfr"));
        jfrWarmUp.close(); // it only kept JFR's instrumentation in place
        phases.add(gateway(load, "JWT (RS256 bearer)", schedule, node, connections,
            Map.of("Authorization", "Bearer " + jwt(rsa)), registry));
      }
      try (Node node = start(stack, work, "none-again", open)) {
        phases.add(gateway(load, "http.auth.mode=none (again)", schedule, node, connections, Map.of(), registry));
      }
    } finally {
      LocalStack.deleteRecursively(work);
    }
    String report = report(started, machine, rate, warmup, measured, connections, idle, phases, profile);
    Files.createDirectories(out);
    Path file = out.resolve(started.toLocalDate() + "-auth.md");
    Files.writeString(file, report);
    System.out.println(report);
    say("report written to %s", file.toAbsolutePath());
    return 0;
  }

  private static Node start(LocalStack stack, Path work, String name, Map<String, String> more) throws Exception {
    Map<String, String> values = new LinkedHashMap<>(Map.of(
        PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, stack.bootstrapServers(),
        PoseidonConfig.REGISTRY_URL, stack.registryUrl(),
        PoseidonConfig.HTTP_PORT, "0",
        PoseidonConfig.NODE_ID, "bench-" + name,
        PoseidonConfig.STREAMS_STATE_DIR, work.resolve("state-" + name).toString()));
    values.putAll(more);
    Node node = Node.start(ConfigSource.of(values));
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!node.isReady()) {
      if (System.nanoTime() > deadline) {
        node.close();
        throw new IllegalStateException("node " + name + " was not ready within 2 min");
      }
      Thread.sleep(100);
    }
    return node;
  }

  private static Phase gateway(OpenModelLoad load, String name, OpenModelSchedule schedule, Node node, int connections,
      Map<String, String> headers, long registry) throws Exception {
    try (GatewayTarget target = new GatewayTarget(node.httpPort(), RegistrationWorkload.defaults(), connections, 0)) {
      headers.forEach(target::withHeader);
      Outcome first = target.fire(new LoadTarget.Request(0, System.nanoTime(), false)).toCompletableFuture()
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
      if (!first.ok()) {
        throw new IllegalStateException(name + ": the priming request failed: " + first.label());
      }
      return measure(load, name, schedule, target, registry);
    }
  }

  private static Phase measure(OpenModelLoad load, String name, OpenModelSchedule schedule, LoadTarget target,
      long registry) throws InterruptedException {
    CpuUsage.Sample before = CpuUsage.sample(registry);
    PhaseResult result = load.run(name, schedule, target);
    CpuUsage cpu = CpuUsage.between(before, CpuUsage.sample(registry));
    say("%-28s achieved %.0f/s ok %d failed %d p50 %.2f p99 %.2f p99.9 %.2f ms; JVM %.2f cores, others %.2f", name,
        result.achievedPerSecond(), result.measuredOk(), result.measuredFailureCount(), result.latencyMillis(50),
        result.latencyMillis(99), result.latencyMillis(99.9), cpu.jvmCores(), cpu.otherCores());
    return new Phase(name, result, cpu);
  }

  /** A developer key made through the API with the admin key, as a user would. */
  private static String createKey(int port, String adminKey) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/api/v1/api-keys")).header("Content-Type", "application/json").header("X-API-Key", adminKey)
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"bench\",\"role\":\"developer\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("creating an API key answered " + r.statusCode() + ": " + r.body());
    }
    return new io.vertx.core.json.JsonObject(r.body()).getString("key");
  }

  private static String jwt(KeyPair rsa) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    long now = Instant.now().getEpochSecond();
    String input = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b64.encodeToString(("{\"sub\":\"bench\",\"iss\":\"bench\",\"aud\":\"poseidon\",\"iat\":" + now + ",\"exp\":"
            + (now + 3600) + ",\"roles\":[\"developer\"]}").getBytes(StandardCharsets.UTF_8));
    Signature signature = Signature.getInstance("SHA256withRSA");
    signature.initSign(rsa.getPrivate());
    signature.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + b64.encodeToString(signature.sign());
  }

  static String report(ZonedDateTime started, ProcessStats.Machine machine, int rate, Duration warmup, Duration measured,
      int connections, CpuUsage idle, List<Phase> phases, JfrProfile.Summary profile) {
    double baseline = (phases.get(1).result().latencyMillis(99) + phases.get(4).result().latencyMillis(99)) / 2;
    StringBuilder md = new StringBuilder();
    md.append("# Access control on the registration path — ").append(started.toLocalDate()).append("\n\n");
    md.append(String.format(Locale.ROOT, "Run %s by `%s` (`--rate %d --warmup %d --measured %d --connections %d`; "
            + "each node first takes unrecorded load to let the JIT compile the path). "
            + "Open-model load (requests sent on schedule whatever the answers; latency from the intended send time, "
            + "so coordinated omission is corrected), HdrHistogram.%n%n",
        started.toOffsetDateTime(), AuthBenchmark.class.getName(), rate, warmup.toSeconds(), measured.toSeconds(),
        connections));
    md.append(String.format(Locale.ROOT, "- Machine: %d cores (%s), %d MiB, %s %s. Load before the run: other "
            + "processes %.2f cores (idle 3 s).%n", machine.processors(), machine.cpuModel(),
        machine.memTotalBytes() >> 20, machine.vm(), machine.javaVersion(), idle.otherCores()));
    md.append("- Baseline: the same node (depths only, exactly_once_v2) with `http.auth.mode=none` and no rate "
        + "limit (`http.rate-limit.requests-per-second=0`), run before and "
        + "after the secured phases (mean of the two p99s), and raw Kafka producing the same event from the same JVM.\n");
    md.append("- Secured: `http.auth.mode=required`, anonymous role none, rate limit on (per principal, twice the "
        + "offered rate so no request is refused); a developer API key created through `POST /api/v1/api-keys`, "
        + "and an RS256 JWT checked by vertx-auth-jwt against a PEM key.\n\n");
    md.append("| phase | achieved/s | ok | failed | p50 ms | p99 ms | p99.9 ms | max ms | p99 / baseline | JVM cores | other cores |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Phase p : phases) {
      PhaseResult r = p.result();
      md.append(String.format(Locale.ROOT, "| %s | %.0f | %d | %d | %.2f | %.2f | %.2f | %.2f | %s | %.2f | %.2f |%n",
          p.name(), r.achievedPerSecond(), r.measuredOk(), r.measuredFailureCount(), r.latencyMillis(50),
          r.latencyMillis(99), r.latencyMillis(99.9), r.maxLatencyMillis(),
          p.name().equals("raw-kafka") ? "—" : String.format(Locale.ROOT, "%.2f", r.latencyMillis(99) / baseline),
          p.cpu().jvmCores(), p.cpu().otherCores()));
    }
    double key = phases.get(2).result().latencyMillis(99) / baseline;
    double jwt = phases.get(3).result().latencyMillis(99) / baseline;
    md.append(String.format(Locale.ROOT, "%nGoal: p99 with access control ≤ %.2f × the baseline's. API key: %.2f× "
            + "(%s); JWT: %.2f× (%s). Raw Kafka p99 %.2f ms: the gateway path (baseline) is %.1f× it.%n", GOAL, key,
        key <= GOAL ? "met" : "missed", jwt, jwt <= GOAL ? "met" : "missed", phases.get(0).result().latencyMillis(99),
        baseline / phases.get(0).result().latencyMillis(99)));
    double first = phases.get(1).result().latencyMillis(99);
    double again = phases.get(4).result().latencyMillis(99);
    md.append(String.format(Locale.ROOT, "The two baseline runs differ by %.0f %% (p99 %.2f and %.2f ms): effects "
            + "smaller than that are within this machine's run-to-run noise, not a measured gain.%n",
        100 * Math.abs(first - again) / baseline, first, again));
    if (profile != null) {
      md.append("\n").append(JfrProfile.markdown(profile, "API key phase at " + rate + " req/s"));
    }
    return md.toString();
  }

  private static void say(String format, Object... args) {
    System.out.println("[auth-bench] " + String.format(Locale.ROOT, format, args));
  }
}
