package io.poseidon.gateway.node;

import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.depths.DepthsConfig;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Starts real nodes on the test stack and talks to them over real HTTP. */
final class NodeFixture {

  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** The admin key every test node makes valid (http.auth.admin-key-file); anonymous callers are operators. */
  static final String ADMIN_KEY;
  private static final String ADMIN_KEY_FILE;
  /**
   * anchor's master keys k1 and k2 for every test node: anchor's topics and its active key id are the
   * cluster's, shared by every test on the stack, so every anchor node must be able to unwrap what any
   * other test wrote.
   */
  static final java.nio.file.Path MASTER_KEYS_FILE;

  static {
    try {
      java.nio.file.Path dir = Files.createTempDirectory("poseidon-it");
      java.nio.file.Path file = dir.resolve("admin-key");
      ADMIN_KEY = io.poseidon.gateway.http.auth.AdminKeyFile.readOrCreate(file);
      ADMIN_KEY_FILE = file.toString();
      java.security.SecureRandom random = new java.security.SecureRandom();
      StringBuilder keys = new StringBuilder();
      for (String id : new String[] {"k1", "k2"}) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        keys.append(id).append('=').append(java.util.Base64.getEncoder().encodeToString(key)).append('\n');
      }
      MASTER_KEYS_FILE = dir.resolve("master-keys");
      Files.writeString(MASTER_KEYS_FILE, keys.toString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private NodeFixture() {}

  /** A node on a free port with its own state directory; {@code appPrefix} groups nodes of one cluster. */
  static Node start(TestStack stack, String nodeId, String appPrefix) throws IOException {
    return start(stack, nodeId, appPrefix, Map.of());
  }

  /** As above, with more settings (services, simulator failures ...). */
  static Node start(TestStack stack, String nodeId, String appPrefix, Map<String, String> more) throws IOException {
    return start(stack, nodeId, appPrefix, more, null);
  }

  /** As above, with the node's spans going to {@code tracing} (null: the configuration's SDK, off). */
  static Node start(TestStack stack, String nodeId, String appPrefix, Map<String, String> more,
      io.poseidon.topology.tracing.Tracing tracing) throws IOException {
    Map<String, String> values = new HashMap<>();
    values.put(PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, stack.bootstrapServers());
    values.put(PoseidonConfig.REGISTRY_URL, stack.registryUrl());
    values.put(PoseidonConfig.NODE_ID, nodeId);
    values.put(PoseidonConfig.HTTP_PORT, "0");
    values.put(PoseidonConfig.STREAMS_APPLICATION_ID_PREFIX, appPrefix);
    values.put(PoseidonConfig.STREAMS_STATE_DIR, Files.createTempDirectory("node-" + nodeId).toString());
    values.put(DepthsConfig.EXPIRY_SCAN_INTERVAL_MS, "200");
    values.put(PoseidonConfig.NODE_ALLOW_SIMULATORS, "true"); // the tests' participants are the simulated ones
    values.put(PoseidonConfig.HTTP_AUTH_ADMIN_KEY_FILE, ADMIN_KEY_FILE);
    values.put(PoseidonConfig.HTTP_AUTH_ANONYMOUS_ROLE, "operator"); // as ./poseidon dev
    values.put(PoseidonConfig.HTTP_RATE_LIMIT_REQUESTS_PER_SECOND, "0");
    values.putAll(more);
    return Node.start(ConfigSource.of(values), tracing);
  }

  static HttpResponse<String> get(Node node, String path) {
    return send(node, HttpRequest.newBuilder(uri(node, path)).GET());
  }

  static HttpResponse<String> post(Node node, String path, String body) {
    return send(node, HttpRequest.newBuilder(uri(node, path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  static HttpResponse<String> post(Node node, String path, String body, String idempotencyKey) {
    return send(node, HttpRequest.newBuilder(uri(node, path)).header("Content-Type", "application/json")
        .header("Idempotency-Key", idempotencyKey).POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  static HttpResponse<String> put(Node node, String path, String body) {
    return send(node, HttpRequest.newBuilder(uri(node, path)).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  static HttpResponse<String> delete(Node node, String path) {
    return send(node, HttpRequest.newBuilder(uri(node, path)).DELETE());
  }

  /** Any request with {@code headers} (credentials); a JSON body when {@code body} is not null. */
  static HttpResponse<String> call(Node node, String method, String path, Map<String, String> headers, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(node, path)).method(method, body == null
        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    headers.forEach(request::header);
    return send(node, request);
  }

  /** {@code headers} with one more. */
  static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> all = new HashMap<>(headers);
    all.put(name, value);
    return all;
  }

  private static URI uri(Node node, String path) {
    return URI.create("http://127.0.0.1:" + node.httpPort() + path);
  }

  /**
   * Sends like a well-behaved client: a 503 with Retry-After (a store rebalancing or restoring) is
   * retried for up to 15 s; any other answer is returned as it is.
   */
  private static HttpResponse<String> send(Node node, HttpRequest.Builder request) {
    HttpRequest built = request.timeout(Duration.ofSeconds(15)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    try {
      HttpResponse<String> response = HTTP.send(built, HttpResponse.BodyHandlers.ofString());
      while (response.statusCode() == 503 && response.headers().firstValue("Retry-After").isPresent()
          && System.nanoTime() < deadline) {
        Thread.sleep(200);
        response = HTTP.send(built, HttpResponse.BodyHandlers.ofString());
      }
      return response;
    } catch (IOException e) {
      throw new AssertionError("request to node failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
