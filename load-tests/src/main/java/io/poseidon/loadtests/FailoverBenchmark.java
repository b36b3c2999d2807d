package io.poseidon.loadtests;

import io.poseidon.deploy.local.LocalStack;
import io.poseidon.deploy.local.LocalStackConfig;
import io.poseidon.deploy.local.LocalStackMain;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A node crash under a steady query load (issue 11): two node <em>processes</em> running depths on the
 * local stack, instances registered, then an open-model load of {@code GET …/instances/{id}} on node A for
 * keys of every partition, and {@code kill -9} of node B (SIGKILL: no close, no leave-group). Measured
 * per request: its intended time and its status; the report gives the window in which queries failed, per
 * status code, and which replica answered (Poseidon-Replica). Scenarios: standbys + peer check (the
 * default), no standbys + peer check, and standbys with the peer check off — Kafka's own failure
 * detection (static membership: the session timeout) as the baseline. Goals: ≤ 1 s with a standby,
 * ≤ 5 s without.
 */
public final class FailoverBenchmark {

  private static final HttpClientLike HTTP = new HttpClientLike();

  private FailoverBenchmark() {}

  public static void main(String[] args) throws Exception {
    LocalStackMain.useLog4j2Config();
    Map<String, String> opts = new HashMap<>(Map.of("--rate", "500", "--before", "10", "--after", "60",
        "--services", "50", "--instances", "4", "--out", "load-tests/results", "--scenarios", "standby,no-standby,kafka-only"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!opts.containsKey(args[i])) {
        System.err.println("bench: unknown option " + args[i] + "; known: " + opts.keySet());
        System.exit(2);
      }
      opts.put(args[i], args[i + 1]);
    }
    BenchmarkMain.exit(() -> run(Integer.parseInt(opts.get("--rate")), Duration.ofSeconds(Long.parseLong(opts.get("--before"))),
        Duration.ofSeconds(Long.parseLong(opts.get("--after"))), Integer.parseInt(opts.get("--services")),
        Integer.parseInt(opts.get("--instances")), List.of(opts.get("--scenarios").split(",")), Path.of(opts.get("--out"))));
  }

  /** How the two nodes are set up. */
  record Scenario(String name, int standbys, int peerCheckFailures, String what) {
    static Scenario of(String name) {
      return switch (name) {
        case "standby" -> new Scenario(name, 1, 2, "standby replicas (1) + peer check (the default)");
        case "no-standby" -> new Scenario(name, 0, 2, "no standby replicas, peer check on");
        case "kafka-only" -> new Scenario(name, 1, 0,
            "baseline: standbys, peer check off — Kafka's failure detection alone (static membership, session timeout)");
        default -> throw new IllegalArgumentException("unknown scenario " + name + " (standby, no-standby, kafka-only)");
      };
    }
  }

  /** One answered (or failed) query: when it was due, relative to the kill, and how it ended. */
  record Answer(long intendedNanos, String status, String replica) {}

  /** The result of one scenario. */
  record Result(Scenario scenario, List<Answer> answers, long killNanos, CpuUsage cpu, String nodeLogTail) {
    /** Failed answers (anything but 200) by status. */
    Map<String, Long> failuresByStatus() {
      Map<String, Long> out = new TreeMap<>();
      answers.stream().filter(a -> !"200".equals(a.status())).forEach(a -> out.merge(a.status(), 1L, Long::sum));
      return out;
    }

    /** From the kill to the intended time of the last failed query, in ms (0: none failed). */
    double windowMs() {
      return answers.stream().filter(a -> !"200".equals(a.status()))
          .mapToLong(a -> a.intendedNanos() - killNanos).max().orElse(0) / 1e6;
    }

    /** The first failed query's intended time after the kill, ms (-1: none). */
    double firstFailureMs() {
      return answers.stream().filter(a -> !"200".equals(a.status()))
          .mapToLong(a -> a.intendedNanos() - killNanos).min().orElse(-1_000_000) / 1e6;
    }

    long standbyAnswers() {
      return answers.stream().filter(a -> "200".equals(a.status()) && "standby".equals(a.replica())).count();
    }

    /** Until when (ms after the kill) a standby answered a query (-1: never). */
    double lastStandbyMs() {
      return answers.stream().filter(a -> "standby".equals(a.replica()))
          .mapToLong(a -> a.intendedNanos() - killNanos).max().orElse(-1_000_000) / 1e6;
    }
  }

  static int run(int rate, Duration before, Duration after, int services, int instances, List<String> scenarios, Path out)
      throws Exception {
    ZonedDateTime started = ZonedDateTime.now();
    ProcessStats.Machine machine = ProcessStats.machine();
    Path work = Files.createTempDirectory("poseidon-failover-bench-");
    List<Result> results = new ArrayList<>();
    CpuUsage idle;
    try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral(work.resolve("stack")))) {
      Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "bench-stack-shutdown"));
      idle = CpuUsage.idle(stack.registry().pid(), Duration.ofSeconds(3));
      say("stack ready; idle: other processes %.2f cores", idle.otherCores());
      for (String name : scenarios) {
        results.add(scenario(Scenario.of(name), stack, work.resolve(name), rate, before, after, services, instances));
      }
    } finally {
      LocalStack.deleteRecursively(work);
    }
    String report = report(started, machine, idle, rate, before, after, services * instances, results);
    Files.createDirectories(out);
    Path file = out.resolve(started.toLocalDate() + "-failover.md");
    Files.writeString(file, report);
    System.out.println(report);
    say("report written to %s", file.toAbsolutePath());
    return 0;
  }

  private static Result scenario(Scenario scenario, LocalStack stack, Path dir, int rate, Duration before, Duration after,
      int services, int instances) throws Exception {
    say("scenario %s: %s", scenario.name(), scenario.what());
    String prefix = "bench-failover-" + scenario.name() + "-" + System.currentTimeMillis() + "-";
    Map<String, String> env = Map.of("POSEIDON_STREAMS_APPLICATION_ID_PREFIX", prefix,
        "POSEIDON_STREAMS_NUM_STANDBY_REPLICAS", Integer.toString(scenario.standbys()),
        "POSEIDON_NODE_PEER_CHECK_FAILURES", Integer.toString(scenario.peerCheckFailures()));
    NodeProcess a = NodeProcess.start("a", dir.resolve("a"), stack, env);
    NodeProcess b = NodeProcess.start("b", dir.resolve("b"), stack, env);
    try {
      a.awaitReady(HTTP);
      b.awaitReady(HTTP);
      List<String> keys = new ArrayList<>();
      for (int s = 0; s < services; s++) {
        for (int i = 0; i < instances; i++) {
          String path = "/api/v1/services/svc-" + s + "/instances";
          int status = HTTP.post(a.port, path, RegistrationWorkload.jsonBody("i-" + i));
          if (status != 202) {
            throw new IllegalStateException("registration answered " + status);
          }
          keys.add(path + "/i-" + i);
        }
      }
      // every key answers on A (forwarded to B for B's partitions), and B's standbys had time to catch up
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      for (String key : keys) {
        while (HTTP.get(a.port, key) != 200) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(key + " not visible on node a within 60 s");
          }
          Thread.sleep(20);
        }
      }
      Thread.sleep(3_000);
      say("%d instances registered and visible; load %d req/s on node a, kill -9 of node b after %d s",
          keys.size(), rate, before.toSeconds());
      ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
      long[] killAt = new long[1];
      try (Queries target = new Queries(a.port, keys, answers)) {
        OpenModelSchedule schedule = new OpenModelSchedule(rate, before, after);
        Thread killer = new Thread(() -> {
          try {
            Thread.sleep(before.toMillis() + 20);
            killAt[0] = System.nanoTime();
            b.kill();
            say("node b (pid %d) killed with SIGKILL", b.pid());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "bench-killer");
        CpuUsage.Sample cpuBefore = CpuUsage.sample(stack.registry().pid());
        killer.start();
        new OpenModelLoad(new OpenModelLoad.Limits(8192, Duration.ofSeconds(30), Duration.ofSeconds(30)))
            .run(scenario.name(), schedule, target);
        killer.join();
        CpuUsage cpu = CpuUsage.between(cpuBefore, CpuUsage.sample(stack.registry().pid()));
        Result result = new Result(scenario, new ArrayList<>(answers), killAt[0], cpu, a.logTail(12));
        say("scenario %s: failures %s, window %.0f ms, standby answers %d", scenario.name(), result.failuresByStatus(),
            result.windowMs(), result.standbyAnswers());
        return result;
      }
    } finally {
      a.close();
      b.close();
    }
  }

  /** Open-model GETs of random registered keys on one node; every answer recorded with its intended time. */
  static final class Queries implements LoadTarget, AutoCloseable {
    private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    private final Context context = vertx.getOrCreateContext();
    private final HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(64));
    private final int port;
    private final List<String> keys;
    private final ConcurrentLinkedQueue<Answer> answers;

    Queries(int port, List<String> keys, ConcurrentLinkedQueue<Answer> answers) {
      this.port = port;
      this.keys = keys;
      this.answers = answers;
    }

    @Override
    public CompletionStage<Outcome> fire(Request request) {
      String key = keys.get((int) ((request.index() * 7919L) % keys.size()));
      CompletableFuture<Outcome> outcome = new CompletableFuture<>();
      context.runOnContext(v -> http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(GatewayTarget.HOST)
              .setPort(port).setURI(key).setConnectTimeout(2_000).setIdleTimeout(10_000))
          .compose(req -> req.send().compose(r -> r.body().map(ignored -> new String[] {
              Integer.toString(r.statusCode()), r.getHeader("Poseidon-Replica")})))
          .onComplete(done -> {
            String status = done.succeeded() ? done.result()[0] : Outcome.of(done.cause()).label();
            if (request.measured()) {
              answers.add(new Answer(request.intendedNanos(), status, done.succeeded() ? done.result()[1] : null));
            }
            outcome.complete("200".equals(status) ? Outcome.ok(status) : Outcome.failed(status));
          }));
      return outcome;
    }

    @Override
    public void close() {
      GatewayTarget.await(http.close());
      GatewayTarget.await(vertx.close());
    }
  }

  /** Blocking HTTP for set-up (registrations, readiness): not part of what is measured. */
  static final class HttpClientLike {
    private final java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(2)).build();

    int get(int port, String path) {
      try {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      } catch (IOException e) {
        return -1;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }

    int post(int port, String path, String json) throws IOException, InterruptedException {
      return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
          .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
  }

  static String report(ZonedDateTime started, ProcessStats.Machine machine, CpuUsage idle, int rate, Duration before,
      Duration after, int keys, List<Result> results) {
    StringBuilder md = new StringBuilder();
    md.append("# A node crash under query load — ").append(started.toLocalDate()).append("\n\n");
    md.append(String.format(Locale.ROOT, "Run %s by `%s` (`--rate %d --before %d --after %d`).%n%n", started,
        FailoverBenchmark.class.getName(), rate, before.toSeconds(), after.toSeconds()));
    md.append(String.format(Locale.ROOT, "- Machine: %d cores (%s), %d MiB, %s %s. Load before the run: other "
            + "processes %.2f cores (idle 3 s). Broker + registry (this JVM + a child), two node processes "
            + "(`poseidon node`, depths, -Xmx384m) and the load generator share it.%n",
        machine.processors(), machine.cpuModel(), machine.memTotalBytes() >> 20, machine.vm(), machine.javaVersion(),
        idle.otherCores()));
    md.append(String.format(Locale.ROOT, "- %d instances registered (keys of every depths partition). Open-model "
        + "`GET /api/v1/services/{s}/instances/{id}` at %d req/s on node **a** for %d s, then node **b** gets "
        + "`SIGKILL` (`Process.destroyForcibly`: no Streams close, no leave-group) and the load goes on for %d s.%n",
        keys, rate, before.toSeconds(), after.toSeconds()));
    md.append("- Failure window = from the kill to the intended time of the last query that did not answer 200. "
        + "Baseline: `kafka-only` — Kafka's own failure detection (static membership: the dead member stays until "
        + "its session timeout); the issue measured 47 s of 502 before this work.\n\n");
    md.append("| scenario | queries | failed by status | first failure ms | failure window ms | standby answers | last standby answer ms | goal | JVM cores | other cores |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (Result r : results) {
      double goal = r.scenario().standbys() > 0 && r.scenario().peerCheckFailures() > 0 ? 1_000
          : r.scenario().peerCheckFailures() > 0 ? 5_000 : -1;
      String verdict = goal < 0 ? "baseline" : (r.windowMs() <= goal ? "met (≤ " : "missed (> ") + (long) goal + " ms)";
      md.append(String.format(Locale.ROOT, "| %s — %s | %d | %s | %s | %.0f | %d | %s | %s | %.2f | %.2f |%n",
          r.scenario().name(), r.scenario().what(), r.answers().size(),
          r.failuresByStatus().isEmpty() ? "none" : r.failuresByStatus().toString(),
          r.firstFailureMs() < -999_000 ? "–" : String.format(Locale.ROOT, "%.0f", r.firstFailureMs()), r.windowMs(),
          r.standbyAnswers(), r.lastStandbyMs() < -999_000 ? "–" : String.format(Locale.ROOT, "%.0f", r.lastStandbyMs()),
          verdict, r.cpu().jvmCores(), r.cpu().otherCores()));
    }
    md.append("\nPer second after the kill (failed / all queries due in that second):\n\n");
    for (Result r : results) {
      Map<Long, long[]> bySecond = new TreeMap<>();
      for (Answer a : r.answers()) {
        long s = Math.floorDiv(a.intendedNanos() - r.killNanos(), 1_000_000_000L);
        long[] c = bySecond.computeIfAbsent(s, k -> new long[2]);
        c[1]++;
        if (!"200".equals(a.status())) {
          c[0]++;
        }
      }
      StringBuilder line = new StringBuilder("- `" + r.scenario().name() + "`: ");
      bySecond.forEach((s, c) -> {
        if (s >= -1 && (c[0] > 0 || s <= 6)) {
          line.append(String.format(Locale.ROOT, "%+ds %d/%d; ", s, c[0], c[1]));
        }
      });
      md.append(line).append("\n");
    }
    md.append("\nNode a's log at the end of each scenario (last lines):\n\n");
    for (Result r : results) {
      md.append("`").append(r.scenario().name()).append("`:\n\n```\n").append(r.nodeLogTail()).append("\n```\n\n");
    }
    return md.toString();
  }

  private static void say(String format, Object... args) {
    System.out.println("[bench " + java.time.LocalTime.now().withNano(0) + "] " + String.format(Locale.ROOT, format, args));
  }
}
