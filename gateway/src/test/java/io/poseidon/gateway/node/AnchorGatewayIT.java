package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.anchor.AnchorConfig;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * anchor end to end on the real broker and registry: config with If-Match (202 with the version, then 412),
 * a secret put, revealed, the master key rotated to a second key id (waited for until done), revealed
 * again, the audit trail read back; then every file of the broker's log dirs, the node's Streams state and
 * the node's log is searched for the secret's plaintext, which must be in none of them.
 */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnchorGatewayIT {

  /** Unique per run, so a find is this test's and nobody else's. */
  private final String plaintext = "pl41nt3xt-" + java.util.UUID.randomUUID();

  private TestStack stack;
  private Node node;
  private Path stateDir;
  private Path keyFile;
  private final StringWriter nodeLog = new StringWriter();
  private WriterAppender appender;

  @BeforeAll
  void startNode(TestStack stack) throws Exception {
    this.stack = stack;
    captureTheNodeLog();
    stateDir = Files.createTempDirectory("anchor-it-state");
    keyFile = NodeFixture.MASTER_KEYS_FILE; // k1 and k2, as every anchor test node of this stack has
    Map<String, String> more = new HashMap<>();
    more.put("node.services", "anchor");
    more.put(PoseidonConfig.STREAMS_STATE_DIR, stateDir.toString());
    more.put(AnchorConfig.MASTER_KEYS_FILE, keyFile.toString());
    more.put(AnchorConfig.MASTER_KEY_ID, "k1");
    more.put(AnchorConfig.ROTATION_INTERVAL, "200ms");
    node = NodeFixture.start(stack, stack.uniqueName("node"), stack.uniqueName("anchor") + "-", more);
    until("node ready", Duration.ofSeconds(90), () -> get("/ready", Map.of()).statusCode() == 200);
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
    if (appender != null) {
      LoggerContext context = (LoggerContext) LogManager.getContext(false);
      context.getConfiguration().getRootLogger().removeAppender(appender.getName());
      appender.stop();
      context.updateLoggers();
    }
  }

  @Test
  void shouldVersionConfigEncryptSecretsRotateTheMasterKeyAuditAllAndLeakNoPlaintext() throws Exception {
    String service = stack.uniqueName("payments");
    String config = "/api/v1/config/" + service + "/prod";
    Map<String, String> admin = Map.of("X-API-Key", NodeFixture.ADMIN_KEY);

    // --- config: compare-and-set ---
    HttpResponse<String> first = send("PUT", config, Map.of("If-Match", "0", "X-Request-Id", "req-put-1"),
        "{\"values\": {\"db.pool.size\": \"20\", \"timeout.ms\": \"5000\"}, \"comment\": \"first\"}");
    assertEquals(202, first.statusCode(), first.body());
    assertEquals(1, new JsonObject(first.body()).getInteger("version"));
    HttpResponse<String> stale = send("PUT", config, Map.of("If-Match", "0", "X-Request-Id", "req-put-2"),
        "{\"values\": {\"db.pool.size\": \"5\"}}");
    assertEquals(412, stale.statusCode(), stale.body());
    assertEquals(1, new JsonObject(stale.body()).getInteger("currentVersion"));
    HttpResponse<String> second = send("PUT", config, Map.of("If-Match", "1"), "{\"values\": {\"db.pool.size\": \"30\"}}");
    assertEquals(2, new JsonObject(second.body()).getInteger("version"), second.body());
    JsonObject current = new JsonObject(get(config, Map.of()).body());
    assertEquals(2, current.getInteger("version"));
    assertEquals("30", current.getJsonObject("values").getString("db.pool.size"));
    JsonObject diff = new JsonObject(get(config + "/diff?from=1&to=2", Map.of()).body());
    assertEquals("timeout.ms", diff.getJsonObject("removed").fieldNames().iterator().next(), diff.encode());
    HttpResponse<String> rollback = send("POST", config + "/rollback", Map.of(), "{\"version\": 1}");
    assertEquals(202, rollback.statusCode(), rollback.body());
    assertEquals(3, new JsonObject(rollback.body()).getInteger("version"));
    assertEquals(3, new JsonObject(get(config + "/history", Map.of()).body()).getJsonArray("versions").size());

    // --- a secret, revealed --- (the active key is the cluster's: another test may have rotated it)
    String from = new JsonObject(get("/api/v1/secrets/rotation", admin).body()).getString("activeKeyId");
    String to = from.equals("k1") ? "k2" : "k1";
    String secret = "/api/v1/secrets/" + service + "/prod/db-password";
    HttpResponse<String> put = send("PUT", secret, NodeFixture.with(admin, "X-Request-Id", "req-secret-1"),
        "{\"value\": \"" + plaintext + "\"}");
    assertEquals(202, put.statusCode(), put.body());
    assertEquals(1, new JsonObject(put.body()).getInteger("version"));
    assertEquals(from, new JsonObject(put.body()).getString("keyId"));
    JsonObject revealed = new JsonObject(send("POST", secret + "/reveal", admin, null).body());
    assertEquals(plaintext, revealed.getString("value"), revealed.encode());
    HttpResponse<String> metadata = get(secret, admin);
    assertEquals(from, new JsonObject(metadata.body()).getString("keyId"), metadata.body());
    assertFalse(metadata.body().contains(plaintext));
    assertEquals(401, send("POST", secret + "/reveal", Map.of(), null).statusCode(), "never anonymous");

    // --- rotation ---
    assertEquals(400, send("POST", "/api/v1/secrets/rotate-master-key", admin, "{\"keyId\": \"k9\"}").statusCode());
    HttpResponse<String> rotate = send("POST", "/api/v1/secrets/rotate-master-key", admin, "{\"keyId\": \"" + to + "\"}");
    assertEquals(202, rotate.statusCode(), rotate.body());
    until("rotation done", Duration.ofSeconds(60), () -> {
      JsonObject status = new JsonObject(get("/api/v1/secrets/rotation", admin).body());
      return to.equals(status.getString("activeKeyId")) && status.getBoolean("done", false)
          && status.getJsonObject("byKeyId").getLong(to, 0L) >= 1;
    });
    JsonObject progress = new JsonObject(get("/api/v1/secrets/rotation", admin).body());
    assertEquals(0, progress.getInteger("remaining"), progress.encode());
    assertTrue(progress.getJsonObject("partitions").getInteger("known") > 0, progress.encode());
    assertEquals(progress.getJsonObject("partitions").getInteger("known"),
        progress.getJsonObject("partitions").getInteger("counted"), "every partition counted: " + progress.encode());
    assertEquals(to, new JsonObject(get(secret, admin).body()).getString("keyId"));
    JsonObject again = new JsonObject(send("POST", secret + "/reveal", NodeFixture.with(admin, "X-Request-Id", "req-reveal-2"),
        null).body());
    assertEquals(plaintext, again.getString("value"), "the re-wrapped data key opens the same ciphertext");

    // --- audit ---
    List<JsonObject> entries = awaitEntries(service, 7);
    List<String> actions = entries.stream().map(e -> e.getString("action") + ":" + e.getString("outcome")).toList();
    assertEquals(List.of("config_put:applied", "config_put:conflict", "config_put:applied", "config_rollback:applied",
        "secret_put:applied", "secret_reveal:revealed", "secret_reveal:revealed"), actions.subList(0, 7));
    JsonObject conflict = entries.get(1);
    assertEquals("req-put-2", conflict.getString("requestId"));
    assertEquals("prod", conflict.getString("env"));
    assertFalse(conflict.getString("node").isBlank());
    assertEquals("req-reveal-2", entries.get(6).getString("requestId"));
    assertEquals("db-password", entries.get(6).getString("name"));
    until("the rotation audited", Duration.ofSeconds(30), () -> entries("anchor").stream()
        .anyMatch(e -> e.getString("action").equals("rotation_start") && to.equals(e.getString("name"))));

    // --- the plaintext is nowhere: broker log dirs, Streams state, node log ---
    List<Path> roots = new ArrayList<>(brokerLogDirs());
    roots.add(stateDir);
    assertFalse(roots.size() < 2, "broker log dirs found: " + roots);
    byte[] needle = plaintext.getBytes(StandardCharsets.UTF_8);
    // a control: the request id of the secret put is in records anchor wrote (its audit entry and the audit
    // store's changelog and state), so the scan does read what the broker and Streams keep
    byte[] control = "req-secret-1".getBytes(StandardCharsets.UTF_8);
    List<String> found = new ArrayList<>();
    List<String> controls = new ArrayList<>();
    long scanned = 0;
    for (Path root : roots) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          byte[] bytes;
          try {
            bytes = Files.readAllBytes(file);
          } catch (IOException e) {
            continue; // a segment deleted while walking
          }
          scanned++;
          if (io.poseidon.deploy.testing.Bytes.indexOf(bytes, needle) >= 0) {
            found.add(file.toString());
          }
          if (io.poseidon.deploy.testing.Bytes.indexOf(bytes, control) >= 0) {
            controls.add(file.toString());
          }
        }
      }
    }
    assertTrue(scanned > 10, "files scanned: " + scanned);
    assertTrue(controls.stream().anyMatch(f -> f.contains("anchor.audit")), "the control is in anchor.audit's log: "
        + controls);
    String log = nodeLog.toString();
    assertTrue(log.contains("anchor"), "the node log was captured");
    assertFalse(log.contains(plaintext), "plaintext in the node log");
    assertTrue(found.isEmpty(), "plaintext in " + found);
  }

  /** At least {@code n} audit entries of {@code service}, waited for (the trail is written through anchor.audit). */
  private List<JsonObject> awaitEntries(String service, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    HttpResponse<String> last = null;
    while (System.nanoTime() < deadline) {
      last = get("/api/v1/audit?service=" + service, Map.of());
      if (last.statusCode() == 200 && new JsonObject(last.body()).getJsonArray("entries").size() >= n) {
        return entries(service);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("fewer than " + n + " audit entries of " + service + ": " + last.statusCode() + " "
        + last.body());
  }

  private List<JsonObject> entries(String service) {
    HttpResponse<String> audit = get("/api/v1/audit?service=" + service, Map.of());
    if (audit.statusCode() != 200) {
      return List.of();
    }
    JsonArray list = new JsonObject(audit.body()).getJsonArray("entries");
    return list.stream().map(JsonObject.class::cast).toList();
  }

  private List<Path> brokerLogDirs() throws Exception {
    try (Admin admin = Admin.create(stack.adminProperties())) {
      List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList();
      Map<Integer, Map<String, LogDirDescription>> dirs = admin.describeLogDirs(brokers).allDescriptions().get();
      List<Path> out = new ArrayList<>();
      dirs.values().forEach(byPath -> byPath.keySet().forEach(p -> out.add(Path.of(p))));
      return out;
    }
  }

  private void captureTheNodeLog() {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    Configuration configuration = context.getConfiguration();
    appender = WriterAppender.newBuilder().setName("anchor-it-capture").setTarget(nodeLog)
        .setLayout(PatternLayout.newBuilder().withPattern("%d %-5level [%t] %c - %msg%n%throwable").build()).build();
    appender.start();
    configuration.addAppender(appender);
    configuration.getRootLogger().addAppender(appender, Level.ALL, null);
    context.updateLoggers();
    Configurator.setLevel("io.poseidon", Level.DEBUG);
  }




  private HttpResponse<String> get(String path, Map<String, String> headers) {
    return send("GET", path, headers, null);
  }

  /** As a well-behaved client (NodeFixture.call): a 503 with Retry-After is sent again, for up to 15 s. */
  private HttpResponse<String> send(String method, String path, Map<String, String> headers, String body) {
    return NodeFixture.call(node, method, path, headers, body);
  }
}
