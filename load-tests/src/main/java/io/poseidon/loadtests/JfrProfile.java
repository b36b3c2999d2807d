package io.poseidon.loadtests;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording of one benchmark phase and where its CPU samples went. Every {@code
 * jdk.ExecutionSample} is attributed twice: to the <em>thread</em> it ran on (the gateway's event
 * loops, its producer, the depths topology, the broker, the load generator) and to the
 * <em>activity</em> of its innermost non-JDK frame (HTTP, JSON, contract validation, Avro, the Kafka
 * client, Streams, RocksDB ...). GC is reported from the {@code jdk.GarbageCollection} pauses: GC
 * threads are not sampled.
 */
final class JfrProfile {

  /** Where the samples went; shares are of all execution samples. */
  record Summary(Path file, long samples, Map<String, Long> byThread, Map<String, Long> byActivity,
      Map<String, Long> topMethods, Duration gcPauses, long gcCount, Duration recorded) {

    double share(long count) {
      return samples == 0 ? 0 : 100.0 * count / samples;
    }
  }

  private record Rule(String label, Predicate<String> matches) {}

  /** Innermost non-JDK frame → activity, first rule that matches. */
  private static final List<Rule> ACTIVITIES = List.of(
      rule("Avro encode/decode and schema work", "org.apache.avro."),
      rule("Apicurio serdes and registry client", "io.apicurio."),
      rule("contract validation (vertx-openapi, json-schema)", "io.vertx.openapi.", "io.vertx.json.schema.",
          "io.vertx.ext.web.openapi."),
      rule("JSON parse/encode (Jackson, Vert.x JSON)", "com.fasterxml.jackson.", "io.vertx.core.json."),
      rule("RocksDB", "org.rocksdb."),
      rule("Kafka Streams", "org.apache.kafka.streams."),
      rule("Kafka broker and controller", "kafka.", "org.apache.kafka.server.", "org.apache.kafka.storage.",
          "org.apache.kafka.raft.", "org.apache.kafka.controller.", "org.apache.kafka.metadata.",
          "org.apache.kafka.coordinator.", "org.apache.kafka.image.", "org.apache.kafka.network."),
      rule("Kafka clients (records, compression, network)", "org.apache.kafka.", "net.jpountz.", "com.github.luben."),
      rule("load generator (HdrHistogram, schedule)", "io.poseidon.loadtests.", "org.HdrHistogram."),
      rule("Poseidon gateway and topology code", "io.poseidon."),
      rule("HTTP (Vert.x Web, Vert.x core, Netty)", "io.vertx.", "io.netty."),
      rule("metrics and logging", "io.micrometer.", "io.prometheus.", "org.apache.logging.", "org.slf4j."),
      rule("Lucene (search, highlighting, indexing)", "org.apache.lucene."),
      // the inference itself runs in native code: execution samples only see its Java side
      rule("embeddings (ONNX Runtime, tokenizer, LangChain4j)", "ai.onnxruntime.", "ai.djl.", "dev.langchain4j."));

  private JfrProfile() {}

  private static Rule rule(String label, String... prefixes) {
    return new Rule(label, name -> {
      for (String p : prefixes) {
        if (name.startsWith(p)) {
          return true;
        }
      }
      return false;
    });
  }

  /**
   * Starts a recording. Start it well before the phase it profiles ({@link #warmUp()}): enabling JFR's
   * events retransforms JDK classes (sockets, files) and deoptimizes the code that was hot, and on two
   * cores near saturation that burst alone built a backlog the phase never worked off.
   */
  static Recording start() {
    try {
      // "default" (low overhead), with CPU samples every 10 ms: the "profile" settings (allocation
      // profiling, ...) cost so much on two cores that the phase they record saturates
      Recording recording = new Recording(Configuration.getConfiguration("default"));
      recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
      // profiles are committed beside their reports: no paths, command lines or environment of this machine
      for (String event : List.of("jdk.InitialSystemProperty", "jdk.InitialEnvironmentVariable", "jdk.JVMInformation",
          "jdk.NativeLibrary", "jdk.SystemProcess", "jdk.ModuleExport", "jdk.ModuleRequire")) {
        recording.disable(event);
      }
      recording.setToDisk(true);
      recording.start();
      return recording;
    } catch (IOException | java.text.ParseException e) {
      throw new IllegalStateException("cannot start a JFR recording: " + e, e);
    }
  }

  /**
   * A recording that runs, unsaved, from before the JVM warm-up to the end of the profiled phase, so
   * the events' instrumentation is in place (and the code recompiled) before the phase's own recording
   * starts; a second recording with the same settings then starts without disturbing anything.
   */
  static Recording warmUp() {
    Recording recording = start();
    recording.setName("poseidon-bench-warm-up");
    return recording;
  }

  /** Stops {@code recording}, writes it to {@code file} and reads it back into a summary. */
  static Summary stop(Recording recording, Path file) throws IOException {
    recording.stop();
    return save(recording, file);
  }

  /**
   * Writes a recording that was stopped before (when only what came after said whether it is worth
   * keeping) to {@code file}, closes it and reads it back into a summary.
   */
  static Summary save(Recording stopped, Path file) throws IOException {
    stopped.dump(file);
    stopped.close();
    return summarize(file);
  }

  static Summary summarize(Path file) throws IOException {
    Map<String, Long> byThread = new TreeMap<>();
    Map<String, Long> byActivity = new TreeMap<>();
    Map<String, Long> methods = new TreeMap<>();
    long samples = 0;
    long gcNanos = 0;
    long gcCount = 0;
    java.time.Instant first = null;
    java.time.Instant last = null;
    for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
      String type = event.getEventType().getName();
      if (type.equals("jdk.GarbageCollection")) {
        gcNanos += event.getDuration("sumOfPauses").toNanos();
        gcCount++;
      } else if (type.equals("jdk.ExecutionSample")) {
        samples++;
        first = first == null || event.getStartTime().isBefore(first) ? event.getStartTime() : first;
        last = last == null || event.getStartTime().isAfter(last) ? event.getStartTime() : last;
        RecordedStackTrace stack = event.getStackTrace();
        List<RecordedFrame> frames = stack == null ? List.of() : stack.getFrames();
        byThread.merge(threadGroup(event.getThread("sampledThread"), frames), 1L, Long::sum);
        String leaf = innermostApplicationClass(frames);
        byActivity.merge(activity(leaf, frames), 1L, Long::sum);
        if (!frames.isEmpty()) {
          RecordedFrame top = frames.get(0);
          methods.merge(top.getMethod().getType().getName() + "." + top.getMethod().getName(), 1L, Long::sum);
        }
      }
    }
    Duration recorded = first == null ? Duration.ZERO : Duration.between(first, last);
    return new Summary(file, samples, sortedByCount(byThread), sortedByCount(byActivity), top(methods, 15),
        Duration.ofNanos(gcNanos), gcCount, recorded);
  }

  /** The component a thread belongs to, by its name (Vert.x event loops: by what their stack serves). */
  static String threadGroup(RecordedThread thread, List<RecordedFrame> frames) {
    String name = thread == null || thread.getJavaName() == null ? "?" : thread.getJavaName();
    if (name.contains("poseidon-depths")) {
      return "depths topology (stream thread, its producer and consumer)";
    }
    if (name.contains("poseidon-oracle")) {
      return "oracle topology (stream thread: debounce, chunking, embedding, Lucene indexing)";
    }
    if (name.contains("StreamThread") || name.contains("GlobalStreamThread")) {
      return "Kafka Streams topology (stream and global threads, their producer and consumer)";
    }
    if (name.startsWith("gateway-producer") || name.contains("poseidon-gateway")) {
      return "gateway producer (hand-off, serialization, producer I/O)";
    }
    if (name.startsWith("gateway-queries")) {
      return "gateway query pool";
    }
    if (name.contains("bench-raw-kafka")) {
      return "raw-kafka baseline producer";
    }
    if (name.startsWith("vert.x-eventloop")) {
      return frames.stream().anyMatch(f -> f.getMethod().getType().getName().startsWith("io.poseidon.loadtests."))
          || frames.stream().anyMatch(f -> f.getMethod().getType().getName().contains("HttpClient")
          || f.getMethod().getType().getName().contains("ClientConnection"))
          ? "load generator (Vert.x HTTP client)" : "gateway event loops (HTTP, validation, JSON, routing)";
    }
    if (name.startsWith("vert.x-worker") || name.startsWith("vert.x-internal")) {
      return "Vert.x workers";
    }
    if (name.startsWith("bench") || name.startsWith("open-model")) {
      return "load generator (schedule, recording)";
    }
    if (name.contains("kafka") || name.contains("raft") || name.contains("controller") || name.contains("broker")
        || name.contains("data-plane") || name.contains("ReplicaFetcher") || name.contains("LogCleaner")
        || name.startsWith("executor-") || name.contains("group-coordinator") || name.contains("quorum")) {
      return "Kafka broker and controller";
    }
    return "other threads (" + name.replaceAll("[-_ ]?\\d+$", "") + ")";
  }

  private static String innermostApplicationClass(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      String type = frame.getMethod().getType().getName();
      if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")
          && !type.startsWith("com.sun.")) {
        return type;
      }
    }
    return null;
  }

  private static String activity(String leaf, List<RecordedFrame> frames) {
    if (leaf == null) {
      boolean io = frames.stream().anyMatch(f -> f.getMethod().getType().getName().startsWith("sun.nio."));
      return io ? "socket I/O and selectors (JDK)" : "JDK only (collections, locks, threads)";
    }
    for (Rule rule : ACTIVITIES) {
      if (rule.matches().test(leaf)) {
        return rule.label();
      }
    }
    return "other libraries";
  }

  private static Map<String, Long> sortedByCount(Map<String, Long> counts) {
    Map<String, Long> out = new LinkedHashMap<>();
    counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  private static Map<String, Long> top(Map<String, Long> counts, int n) {
    Map<String, Long> out = new LinkedHashMap<>();
    counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  /** The Markdown section of a summary. */
  static String markdown(Summary s, String what) {
    StringBuilder out = new StringBuilder();
    out.append("\n## Where the CPU went (JFR, ").append(what).append(")\n\n");
    out.append("`").append(s.file().getFileName()).append("`: ").append(s.samples()).append(" execution samples over ")
        .append(s.recorded().toSeconds()).append(" s; GC: ").append(s.gcCount()).append(" collections, ")
        .append(s.gcPauses().toMillis()).append(" ms of pauses (GC threads are not sampled). Open it with `jfr print` "
            + "or JDK Mission Control.\n\n");
    table(out, "Thread (component)", s.byThread(), s);
    out.append('\n');
    table(out, "Activity (innermost non-JDK frame)", s.byActivity(), s);
    out.append('\n');
    table(out, "Hottest methods (top frame)", s.topMethods(), s);
    return out.toString();
  }

  private static void table(StringBuilder out, String title, Map<String, Long> counts, Summary s) {
    out.append("| ").append(title).append(" | samples | share |\n|---|---:|---:|\n");
    counts.forEach((k, v) -> out.append("| ").append(k.replace("|", "\\|")).append(" | ").append(v).append(" | ")
        .append(String.format(Locale.ROOT, "%.1f %%", s.share(v))).append(" |\n"));
  }
}
