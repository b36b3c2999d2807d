package io.poseidon.loadtests;

import io.poseidon.deploy.local.LocalStack;
import io.poseidon.gateway.PoseidonCli;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A node in a process of its own ({@code poseidon node} on this JVM's classpath, depths, no access
 * control) against a {@link LocalStack}: so that it can be killed for real ({@link FailoverBenchmark})
 * and so that its memory is its own ({@link StreamBenchmark}). {@code env} adds or overrides
 * {@code POSEIDON_*} settings.
 */
final class NodeProcess implements AutoCloseable {
  final int port;
  private final Process process;
  private final Path log;

  private NodeProcess(int port, Process process, Path log) {
    this.port = port;
    this.process = process;
    this.log = log;
  }

  static NodeProcess start(String id, Path dir, LocalStack stack, Map<String, String> env) throws IOException {
    Files.createDirectories(dir);
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path log = dir.resolve("node.log");
    java.util.List<String> command = new java.util.ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), env.getOrDefault("JAVA_XMX", "-Xmx384m")));
    // more JVM flags for the node, space-separated (e.g. -XX:MaxHeapFreeRatio=30)
    for (String flag : env.getOrDefault("JAVA_FLAGS", "").trim().split("\\s+")) {
      if (!flag.isEmpty()) {
        command.add(flag);
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), PoseidonCli.class.getName(), "node"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> vars = builder.environment();
    vars.put("POSEIDON_KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
    vars.put("POSEIDON_REGISTRY_URL", stack.registryUrl());
    vars.put("POSEIDON_HTTP_PORT", Integer.toString(port));
    vars.put("POSEIDON_HTTP_HOST", "127.0.0.1");
    vars.put("POSEIDON_NODE_ID", id);
    vars.put("POSEIDON_NODE_SERVICES", "depths");
    vars.put("POSEIDON_HTTP_AUTH_MODE", "none");
    vars.put("POSEIDON_STREAMS_STATE_DIR", dir.resolve("state").toString());
    env.forEach((k, v) -> {
      if (k.startsWith("POSEIDON_")) {
        vars.put(k, v);
      }
    });
    return new NodeProcess(port, builder.start(), log);
  }

  void awaitReady(FailoverBenchmark.HttpClientLike http) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (http.get(port, "/ready") != 200) {
      if (!process.isAlive()) {
        throw new IllegalStateException("node exited " + process.exitValue() + ": " + logTail(30));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node not ready within 120 s: " + logTail(30));
      }
      Thread.sleep(200);
    }
  }

  long pid() {
    return process.pid();
  }

  /** The process's resident set (VmRSS), after asking its JVM for a full GC ({@code jcmd GC.run}). */
  /** The node's heap right after a full GC (jcmd GC.heap_info after GC.run): {in use (what it holds live), committed}. */
  long[] heapAfterGcBytes() throws IOException, InterruptedException {
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    new ProcessBuilder(jcmd, Long.toString(process.pid()), "GC.run").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    Process info = new ProcessBuilder(jcmd, Long.toString(process.pid()), "GC.heap_info").redirectErrorStream(true)
        .start();
    String out = new String(info.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    info.waitFor();
    java.util.regex.Matcher heap = java.util.regex.Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(out);
    return heap.find() ? new long[] {Long.parseLong(heap.group(2)) * 1024, Long.parseLong(heap.group(1)) * 1024}
        : new long[] {-1, -1};
  }

  long rssAfterGcBytes() throws IOException, InterruptedException {
    Process gc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(process.pid()), "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    gc.waitFor();
    Thread.sleep(500);
    for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  /** SIGKILL: the JVM gets no chance to close Streams or leave the consumer groups. */
  void kill() {
    process.destroyForcibly();
  }

  String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy(); // SIGTERM: a clean stop
      if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
