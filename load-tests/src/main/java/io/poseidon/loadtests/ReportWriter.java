package io.poseidon.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Writes a benchmark run as Markdown (for people) and CSV (one row per rate and path, for tools):
 * {@code <out>/<date>-registration.md} and {@code .csv}.
 */
public final class ReportWriter {

  private static final double[] PERCENTILES = {50, 90, 99, 99.9};
  private static final double MB = 1024.0 * 1024.0;

  private ReportWriter() {}

  /** Writes both files and returns their paths (Markdown first). */
  public static List<Path> write(Path outDir, String baseName, RunInfo run, List<RateResult> results)
      throws IOException {
    return write(outDir, baseName, run, results, "");
  }

  /** As {@link #write(Path, String, RunInfo, List)}, with more Markdown sections (saturation, profile) appended. */
  public static List<Path> write(Path outDir, String baseName, RunInfo run, List<RateResult> results, String more)
      throws IOException {
    Files.createDirectories(outDir);
    Path md = outDir.resolve(baseName + ".md");
    Path csv = outDir.resolve(baseName + ".csv");
    Files.writeString(md, markdown(run, results) + more);
    Files.writeString(csv, csv(run, results));
    return List.of(md, csv);
  }

  public static String markdown(RunInfo run, List<RateResult> results) {
    ProcessStats.Machine m = run.machine();
    StringBuilder out = new StringBuilder();
    out.append("# Registration benchmark: Poseidon vs raw Kafka (").append(run.started().toLocalDate()).append(")\n\n");
    out.append("`").append(run.benchmark()).append(' ').append(run.options().commandLine()).append("`, started ")
        .append(run.started().withNano(0)).append(", took ").append(run.runTime().toSeconds()).append(" s.\n\n");
    out.append("> **Everything shares the same ").append(m.processors()).append(" cores**: the Kafka broker (in this JVM), ")
        .append("the Apicurio registry (child process), the Poseidon node (gateway + depths topology, in this JVM) and ")
        .append("the load generator (in this JVM). All traffic is loopback. Absolute numbers only describe this machine; ")
        .append("the **ratios** Poseidon / raw Kafka, measured in the same run, are the result.\n\n");

    out.append(machineSection(m, run.stackStartup(), run.nodeSetup(), run.nodeStartup(), run.idle())).append('\n');

    out.append("## What was measured\n\n");
    out.append("- **raw-kafka** (baseline A): a plain `KafkaProducer` with the gateway's settings (acks=all, idempotence, ")
        .append("linger 5 ms, lz4) sends the Avro `InstanceEvent(ServiceRegistered)` the gateway would produce, with ")
        .append("the Apicurio serializer, key = service, to `").append(RawKafkaTarget.TOPIC.name()).append("` (")
        .append(RawKafkaTarget.TOPIC.partitions()).append(" partitions, nothing consumes it). Latency ends at the broker's ack.\n");
    out.append("- **poseidon** (path B): `POST /api/v1/services/{service}/instances` with ")
        .append("`{\"instanceId\":..,\"host\":\"10.0.0.7\",\"port\":8443,\"ttlSeconds\":600}` through the node's gateway ")
        .append("(Vert.x HTTP client, at most ").append(run.options().connections()).append(" keep-alive connections). ")
        .append("Latency ends when the `202` (sent after Kafka acked the event) is received. Meanwhile the depths ")
        .append("topology consumes and stores the registrations (EOS v2), on the same cores.\n");
    out.append("- **visibility** (path C): every ").append(run.options().probeEvery())
        .append("-th measured POST registers a fresh instance; after its 202 the instance is polled with `GET` every ")
        .append(VisibilityProbe.POLL_MILLIS).append(" ms until 200. Latency = first 200 − intended POST time.\n");
    out.append("- Workload: ").append(run.workload()).append(", request i → service i mod 50.\n");
    out.append("- **Open model**: request i is due at t0 + i/R whatever happened before; at most ")
        .append(run.options().maxInFlight()).append(" outstanding. **Latency = completion − intended send time** ")
        .append("(coordinated-omission corrected: if the sender or the system stalls, every request due meanwhile is ")
        .append("charged the wait). ").append(run.options().warmup().toSeconds()).append(" s warm-up at the same rate ")
        .append("(not recorded), then ").append(run.options().measured().toSeconds())
        .append(" s measured, per rate and path; raw Kafka first, then Poseidon. Before each phase one request ")
        .append("is sent and awaited (metadata, schema registration, first connection). HdrHistogram, 3 significant digits.\n");
    out.append("- **JVM warm-up**: before the first rate, each path ran ").append(run.options().jvmWarmup().toSeconds())
        .append(" s at ").append(run.options().rates().get(0)).append(" req/s, recorded nowhere (broker, node and ")
        .append("generator share one JIT).\n\n");

    out.append("## Latency and throughput\n\n");
    out.append("| rate (req/s) | path | achieved (req/s) | ok | failed | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms "
        + "| sender lag max ms |\n");
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (RateResult r : results) {
      for (MeasuredPhase p : List.of(r.raw(), r.poseidon())) {
        PhaseResult l = p.load();
        out.append("| ").append(r.rate()).append(" | ").append(l.path()).append(" | ").append(num(l.achievedPerSecond(), 0))
            .append(" | ").append(l.measuredOk()).append(" | ").append(l.measuredFailureCount());
        for (double pct : PERCENTILES) {
          out.append(" | ").append(num(l.latencyMillis(pct), 2));
        }
        out.append(" | ").append(num(l.maxLatencyMillis(), 2)).append(" | ").append(num(l.maxSenderLagMicros() / 1000.0, 2))
            .append(" |\n");
      }
    }
    out.append("\n## Poseidon / raw Kafka\n\n");
    out.append("| rate (req/s) | throughput ratio | p50 ratio | p99 ratio | p99.9 ratio | CPU/req ratio |\n");
    out.append("|---:|---:|---:|---:|---:|---:|\n");
    for (RateResult r : results) {
      out.append("| ").append(r.rate()).append(" | ").append(num(r.throughputRatio(), 3)).append(" | ")
          .append(num(r.latencyRatio(50), 2)).append(" | ").append(num(r.latencyRatio(99), 2)).append(" | ")
          .append(num(r.latencyRatio(99.9), 2)).append(" | ")
          .append(num(r.poseidon().cpuMicrosPerRequest() / r.raw().cpuMicrosPerRequest(), 2))
          .append(" |\n");
    }

    out.append("\n## End-to-end visibility (POST → GET 200) and depths lag\n\n");
    out.append("| rate (req/s) | samples | p50 ms | p90 ms | p99 ms | max ms | timeouts | GET polls | depths lag after phase "
        + "| caught up in ms |\n");
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (RateResult r : results) {
      Histogram v = r.visibility().latencyMicros();
      out.append("| ").append(r.rate()).append(" | ").append(v.getTotalCount());
      for (double pct : new double[] {50, 90, 99}) {
        out.append(" | ").append(v.getTotalCount() == 0 ? "-" : num(v.getValueAtPercentile(pct) / 1000.0, 1));
      }
      out.append(" | ").append(v.getTotalCount() == 0 ? "-" : num(v.getMaxValue() / 1000.0, 1))
          .append(" | ").append(r.visibility().timeouts()).append(" | ").append(r.visibility().polls())
          .append(" | ").append(r.depthsLagAtEnd() < 0 ? "?" : Long.toString(r.depthsLagAtEnd()))
          .append(" | ").append(r.depthsCatchUpMs() < 0 ? "not within the wait" : Long.toString(r.depthsCatchUpMs()))
          .append(" |\n");
    }

    out.append("\n## CPU during each phase\n\n");
    out.append("| rate (req/s) | path | JVM cores | JVM CPU µs/req | JIT compile ms | registry cores "
        + "| other processes' cores |\n");
    out.append("|---:|---|---:|---:|---:|---:|---:|\n");
    for (RateResult r : results) {
      for (MeasuredPhase p : List.of(r.raw(), r.poseidon())) {
        CpuUsage c = p.cpu();
        out.append("| ").append(r.rate()).append(" | ").append(p.load().path()).append(" | ").append(num(c.jvmCores(), 2))
            .append(" | ").append(num(p.cpuMicrosPerRequest(), 0)).append(" | ")
            .append(c.jitMillis() < 0 ? "?" : Long.toString(c.jitMillis())).append(" | ")
            .append(num(c.registryCores(), 2)).append(" | ").append(num(c.otherCores(), 2)).append(" |\n");
      }
    }
    out.append("\nCores: 1.0 = one core busy for the whole phase (warm-up, measured part and drain). This JVM holds ")
        .append("the broker, the node and the load generator; idle, without load, it used ")
        .append(num(run.idle().jvmCores(), 2)).append(" cores. *Other processes* are everything else on the machine ")
        .append("(from /proc/stat): well above 0 means the phase competed with other work. *JIT compile ms*: time the ")
        .append("JIT compilers spent during the phase; large values mean the JVM was still warming up.\n");

    out.append("\n## Memory at the end of each phase (after a full GC)\n\n");
    out.append("| rate (req/s) | after | JVM RSS MB | heap used MB | heap committed MB | registry RSS MB |\n");
    out.append("|---:|---|---:|---:|---:|---:|\n");
    for (RateResult r : results) {
      for (MeasuredPhase p : List.of(r.raw(), r.poseidon())) {
        ProcessStats.Memory mem = p.memoryAfter();
        out.append("| ").append(r.rate()).append(" | ").append(p.load().path()).append(" | ").append(mb(mem.rssBytes()))
            .append(" | ").append(mb(mem.heapUsedAfterGcBytes())).append(" | ").append(mb(mem.heapCommittedBytes()))
            .append(" | ").append(mb(mem.registryRssBytes())).append(" |\n");
      }
    }
    out.append("\nThe JVM holds the broker, the node and the load generator together: its RSS is the whole stack ")
        .append("but the registry.\n");

    out.append("\n## Failures and anomalies\n\n");
    List<String> problems = new ArrayList<>();
    run.jvmWarmupProblems().forEach(p -> problems.add("JVM warm-up, " + p));
    problems.addAll(problems(results));
    if (problems.isEmpty()) {
      out.append("None: every request of every phase succeeded (ack / 202), none unsent or unanswered; the machine ")
          .append("was quiet and the JIT settled.\n");
    } else {
      problems.forEach(p -> out.append("- ").append(p).append('\n'));
    }

    out.append("\n## How to read this\n\n");
    out.append("- *achieved* = successful measured requests / (last measured completion − first measured intended send). ")
        .append("Equal to the target rate while the path keeps up; below it when it saturates.\n");
    out.append("- *throughput ratio* near 1.0 means both paths kept up with the offered rate; the latency ratios ")
        .append("then show the price of the gateway hop (HTTP + JSON + validation) at that rate.\n");
    out.append("- *sender lag max*: how late the generator itself sent a request (GC, the in-flight bound, a busy ")
        .append("core); it is already inside the latencies. A large value next to a large p99 means the machine, ")
        .append("not only the path, was saturated.\n");
    out.append("- *JVM CPU µs/req*: this JVM's CPU time during the phase (broker + node + generator, idle work, GC ")
        .append("and JIT included) per request sent; Poseidon's includes the depths topology processing the ")
        .append("registrations. The registry process is not included (it is idle once the schema ids are cached).\n");
    out.append("- Percentiles are from HdrHistogram (3 significant digits); ratios > 1 mean Poseidon is slower.\n");
    return out.toString();
  }

  /**
   * The "Machine" section of a report: the machine and JVM, the local stack and the node (as {@code
   * nodeSetup} describes it), and the idle baseline with what other processes took meanwhile.
   */
  static String machineSection(ProcessStats.Machine m, java.time.Duration stackStartup, String nodeSetup,
      java.time.Duration nodeStartup, CpuUsage idle) {
    StringBuilder out = new StringBuilder();
    out.append("## Machine\n\n");
    out.append("- nproc: ").append(m.processors()).append(" · CPU: ").append(m.cpuModel())
        .append(" · RAM: ").append(m.memTotalBytes() < 0 ? "?" : String.format(Locale.ROOT, "%.1f GB", m.memTotalBytes() / MB / 1024))
        .append('\n');
    out.append("- Java ").append(m.javaVersion()).append(" (").append(m.vm()).append("), max heap ")
        .append(String.format(Locale.ROOT, "%.0f MB", m.maxHeapBytes() / MB)).append(" · ").append(m.os()).append('\n');
    out.append("- Stack: Kafka 4.3.1 single KRaft node (embedded, started in ").append(stackStartup.toMillis())
        .append(" ms with the registry), Apicurio Registry 2.6.13 (H2); node: ").append(nodeSetup)
        .append(", ready ").append(nodeStartup.toMillis()).append(" ms after start\n");
    out.append("- Idle, without load (").append(idle.wallNanos() / 1_000_000_000).append(" s): this JVM ")
        .append(num(idle.jvmCores(), 2)).append(" cores, registry ").append(num(idle.registryCores(), 2))
        .append(", **other processes ").append(num(idle.otherCores(), 2)).append(" cores**")
        .append(idle.otherCores() > RegistrationBenchmark.BUSY_MACHINE_CORES
            ? " — the machine was NOT quiet: other work competed for the cores, see the per-phase column below" : "")
        .append("\n");
    return out.toString();
  }

  /** Every non-success, said plainly. */
  static List<String> problems(List<RateResult> results) {
    List<String> out = new ArrayList<>();
    for (RateResult r : results) {
      for (MeasuredPhase p : List.of(r.raw(), r.poseidon())) {
        PhaseResult l = p.load();
        String where = "rate " + r.rate() + ", " + l.path() + ": ";
        for (Map.Entry<String, Long> f : l.measuredFailures().entrySet()) {
          out.add(where + f.getValue() + " measured requests ended with " + f.getKey());
        }
        if (l.warmupFailures() > 0) {
          out.add(where + l.warmupFailures() + " warm-up requests failed");
        }
        if (l.unsent() > 0) {
          out.add(where + l.unsent() + " scheduled requests were never sent (the sender fell too far behind)");
        }
        if (l.incomplete() > 0) {
          out.add(where + l.incomplete() + " requests were still unanswered after the drain timeout");
        }
        if (l.inFlightLimitHits() > 0) {
          out.add(where + "the in-flight bound was reached " + l.inFlightLimitHits() + " times: the sender waited "
              + "(the wait is in the latencies)");
        }
        CpuUsage cpu = p.cpu();
        if (cpu.otherCores() > RegistrationBenchmark.BUSY_MACHINE_CORES) {
          out.add(where + "other processes used " + num(cpu.otherCores(), 2) + " cores during the phase: noisy");
        }
        if (cpu.jitMillis() * 1_000_000 > cpu.wallNanos() / 2) {
          out.add(where + "the JIT compilers ran " + cpu.jitMillis() + " ms during the " + cpu.wallNanos() / 1_000_000
              + " ms phase: the JVM was not in a steady state yet (a longer --jvm-warmup helps)");
        }
      }
      VisibilityProbe.Result v = r.visibility();
      if (v.timeouts() > 0) {
        out.add("rate " + r.rate() + ", visibility: " + v.timeouts() + " probed instances not visible within "
            + VisibilityProbe.TIMEOUT.toSeconds() + " s after their 202");
      }
      v.unexpected().forEach((label, n) -> out.add("rate " + r.rate() + ", visibility: " + n + " GET polls ended with "
          + label + " (404 is expected and not counted)"));
      if (r.depthsCatchUpMs() < 0) {
        out.add("rate " + r.rate() + ": the depths topology had not caught up with depths.registrations "
            + "(lag " + r.depthsLagAtEnd() + ") when the next phase started");
      }
    }
    return out;
  }

  public static String csv(RunInfo run, List<RateResult> results) {
    StringBuilder out = new StringBuilder("rate,path,achieved_per_s,ok,failed,warmup_failed,unsent,incomplete,"
        + "p50_ms,p90_ms,p99_ms,p999_ms,max_ms,sender_lag_max_ms,jvm_cores,jvm_cpu_us_per_req,jit_ms,"
        + "registry_cores,other_cores,rss_mb,heap_used_mb,registry_rss_mb\n");
    for (RateResult r : results) {
      for (MeasuredPhase p : List.of(r.raw(), r.poseidon())) {
        PhaseResult l = p.load();
        ProcessStats.Memory mem = p.memoryAfter();
        out.append(r.rate()).append(',').append(l.path()).append(',').append(num(l.achievedPerSecond(), 1))
            .append(',').append(l.measuredOk()).append(',').append(l.measuredFailureCount())
            .append(',').append(l.warmupFailures()).append(',').append(l.unsent()).append(',').append(l.incomplete());
        for (double pct : PERCENTILES) {
          out.append(',').append(num(l.latencyMillis(pct), 3));
        }
        out.append(',').append(num(l.maxLatencyMillis(), 3)).append(',').append(num(l.maxSenderLagMicros() / 1000.0, 3))
            .append(',').append(num(p.cpu().jvmCores(), 3)).append(',').append(num(p.cpuMicrosPerRequest(), 1))
            .append(',').append(p.cpu().jitMillis())
            .append(',').append(num(p.cpu().registryCores(), 3)).append(',').append(num(p.cpu().otherCores(), 3))
            .append(',').append(mb(mem.rssBytes()))
            .append(',').append(mb(mem.heapUsedAfterGcBytes())).append(',').append(mb(mem.registryRssBytes()))
            .append('\n');
      }
    }
    return out.toString();
  }

  static String num(double value, int decimals) {
    return Double.isNaN(value) || Double.isInfinite(value) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", value);
  }

  private static String mb(long bytes) {
    return bytes < 0 ? "?" : String.format(Locale.ROOT, "%.0f", bytes / MB);
  }
}
