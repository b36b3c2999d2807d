package io.poseidon.gateway;

import static io.poseidon.deploy.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.local.Ports;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code poseidon dev} as a user runs it, in its own process: ready, a registration read back,
 * stopped with SIGTERM and started again (state and schemas survived), then killed with SIGKILL and
 * started again (no orphan registry left, data still there).
 */
class DevCommandIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private final List<String> output = new CopyOnWriteArrayList<>();
  private Process process;
  private Thread reader;
  private Path dataDir;
  private int httpPort;

  @AfterEach
  void cleanUp() throws Exception {
    if (process != null && process.isAlive()) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void shouldKeepInstancesAcrossARestartAndLeaveNoOrphanAfterKill9() throws Exception {
    dataDir = Files.createTempDirectory("poseidon-dev-it");
    int kafkaPort = Ports.freePort();
    int registryPort = Ports.freePort();
    httpPort = Ports.freePort();
    List<String> args = List.of("--data-dir", dataDir.toString(), "--kafka-port", Integer.toString(kafkaPort),
        "--registry-port", Integer.toString(registryPort), "--http-port", Integer.toString(httpPort));

    startDev(args);
    assertEquals(202, post("/api/v1/services/payments/instances",
        "{\"instanceId\":\"i-1\",\"host\":\"10.0.0.7\",\"port\":8443,\"ttlSeconds\":600}").statusCode());
    until("instance listed", Duration.ofSeconds(30), () -> instanceCount() == 1);

    // SIGTERM (what Ctrl-C and service managers send): clean stop, then the same data folder again.
    // Through the ProcessHandle: Process.destroy() would also close our end of its stdout.
    process.toHandle().destroy();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "dev stopped on SIGTERM");
    reader.join(5_000); // the rest of its output
    assertTrue(output.stream().anyMatch(l -> l.contains("[poseidon] stopped")),
        "exit " + process.exitValue() + ", output:\n" + String.join("\n", output));
    startDev(args);
    until("instance still listed after restart", Duration.ofSeconds(30), () -> instanceCount() == 1);
    assertEquals(202, post("/api/v1/services/payments/instances/i-1/heartbeat", "").statusCode());

    // kill -9 of the node's JVM: the registry child must not survive it
    long registryPid = Long.parseLong(Files.readString(dataDir.resolve("registry/registry.pid")).trim());
    process.toHandle().destroyForcibly();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    until("registry " + registryPid + " gone after kill -9", Duration.ofSeconds(20),
        () -> ProcessHandle.of(registryPid).map(p -> !p.isAlive()).orElse(true));
    startDev(args);
    until("instance still listed after kill -9", Duration.ofSeconds(30), () -> instanceCount() == 1);
    process.destroy();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));
  }

  private void startDev(List<String> args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), PoseidonCli.class.getName(), "dev"));
    command.addAll(args);
    output.clear();
    process = new ProcessBuilder(command).redirectErrorStream(true).start();
    Process started = process;
    reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          output.add(line);
        }
      } catch (IOException ignored) {
        // process ended
      }
    }, "dev-output");
    reader.setDaemon(true);
    reader.start();
    until("poseidon dev ready", Duration.ofSeconds(120), () -> {
      if (!started.isAlive()) {
        throw new AssertionError("poseidon dev exited " + started.exitValue() + ":\n" + String.join("\n", output));
      }
      return output.stream().anyMatch(l -> l.contains("Poseidon is ready")) && status("/ready") == 200;
    });
  }

  private int instanceCount() {
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/api/v1/services/payments/instances")).GET());
    return r.statusCode() == 200 ? new JsonObject(r.body()).getJsonArray("instances").size() : -1;
  }

  private int status(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET()).statusCode();
  }

  private HttpResponse<String> post(String path, String body) {
    return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return new FailedResponse(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A connection that failed, seen as status -1 (the node is not up yet). */
  private record FailedResponse(IOException error) implements HttpResponse<String> {
    public int statusCode() { return -1; }
    public HttpRequest request() { return null; }
    public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
    public java.net.http.HttpHeaders headers() { return java.net.http.HttpHeaders.of(java.util.Map.of(), (a, b) -> true); }
    public String body() { return error.toString(); }
    public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return java.util.Optional.empty(); }
    public URI uri() { return null; }
    public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
  }
}
