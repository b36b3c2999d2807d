package io.poseidon.gateway;

import static io.poseidon.deploy.testing.Await.until;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** {@code poseidon dev} in a process of its own, as a user runs it, and plain HTTP to its gateway. */
final class DevProcess implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  final List<String> output = new CopyOnWriteArrayList<>();
  private final int httpPort;
  private final Process process;
  private final Thread reader;

  private DevProcess(List<String> args, Map<String, String> env, int httpPort) throws IOException {
    this.httpPort = httpPort;
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), PoseidonCli.class.getName(), "dev"));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    process = builder.start();
    reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          output.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "dev-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code poseidon dev} and waits until it says it is ready and /ready answers 200. */
  static DevProcess start(List<String> args, Map<String, String> env, int httpPort) throws IOException {
    DevProcess dev = new DevProcess(args, env, httpPort);
    until("poseidon dev ready", Duration.ofSeconds(120), () -> {
      if (!dev.process.isAlive()) {
        throw new AssertionError("poseidon dev exited " + dev.process.exitValue() + ":\n" + String.join("\n", dev.output));
      }
      return dev.output.stream().anyMatch(l -> l.contains("Poseidon is ready")) && dev.status("/ready") == 200;
    });
    return dev;
  }

  /** SIGTERM, as Ctrl-C or a service manager; true when it exited within a minute. */
  boolean terminate() throws InterruptedException {
    // through the ProcessHandle: Process.destroy() would also close our end of its stdout
    process.toHandle().destroy();
    boolean exited = process.waitFor(60, TimeUnit.SECONDS);
    reader.join(5_000);
    return exited;
  }

  /** SIGKILL: no shutdown hook runs. */
  void kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  int exitValue() {
    return process.exitValue();
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  HttpResponse<String> post(String path, String body) {
    return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  /** A request with {@code headers} (credentials) and an optional JSON body. */
  HttpResponse<String> call(String method, String path, Map<String, String> headers, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).method(method, body == null
        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    headers.forEach(request::header);
    return send(request);
  }

  int status(String path) {
    return get(path).statusCode();
  }

  JsonObject json(String path) {
    HttpResponse<String> r = get(path);
    return r.statusCode() == 200 ? new JsonObject(r.body()) : null;
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return new Unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.toHandle().destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** A connection that failed, seen as status -1 (the node is not up yet, or gone). */
  private record Unreachable(IOException error) implements HttpResponse<String> {
    public int statusCode() { return -1; }
    public HttpRequest request() { return null; }
    public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
    public java.net.http.HttpHeaders headers() { return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true); }
    public String body() { return error.toString(); }
    public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return java.util.Optional.empty(); }
    public URI uri() { return null; }
    public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
  }
}
