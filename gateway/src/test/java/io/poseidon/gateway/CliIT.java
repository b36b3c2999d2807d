package io.poseidon.gateway;

import static io.poseidon.deploy.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.gateway.node.Node;
import io.poseidon.processors.harbor.HarborConfig;
import io.poseidon.processors.sim.SimConfig;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The CLI as a user runs it against a real node (harbor and the simulated deploy agent on the embedded
 * broker and registry): {@code deploy ... --wait} reaches SUCCEEDED with exit 0, {@code query deployment ID}
 * prints it with who answered, {@code tail harbor.deployment-events --output json} shows its events.
 */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliIT {

  private Node node;
  private String url;
  private String adminKey;

  @BeforeAll
  void startNode(TestStack stack) throws Exception {
    Map<String, String> values = new HashMap<>();
    values.put(PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, stack.bootstrapServers());
    values.put(PoseidonConfig.REGISTRY_URL, stack.registryUrl());
    values.put(PoseidonConfig.NODE_ID, stack.uniqueName("cli-node"));
    values.put(PoseidonConfig.HTTP_PORT, "0");
    values.put(PoseidonConfig.STREAMS_APPLICATION_ID_PREFIX, stack.uniqueName("cli") + "-");
    values.put(PoseidonConfig.STREAMS_STATE_DIR, Files.createTempDirectory("cli-it").toString());
    values.put(PoseidonConfig.NODE_ALLOW_SIMULATORS, "true");
    java.nio.file.Path keyFile = Files.createTempDirectory("cli-it-key").resolve("admin-key");
    adminKey = io.poseidon.gateway.http.auth.AdminKeyFile.readOrCreate(keyFile);
    values.put(PoseidonConfig.HTTP_AUTH_ADMIN_KEY_FILE, keyFile.toString());
    values.put(PoseidonConfig.HTTP_AUTH_ANONYMOUS_ROLE, "operator"); // as ./poseidon dev
    values.put(PoseidonConfig.HTTP_RATE_LIMIT_REQUESTS_PER_SECOND, "0");
    values.put(PoseidonConfig.NODE_SERVICES, "harbor,sim");
    values.put(HarborConfig.DEFAULT_HEALTH_GATE_SECONDS, "1");
    values.put(HarborConfig.TIMER_SCAN_INTERVAL_MS, "100");
    values.put(SimConfig.DEPLOY_DURATION_MS, "100");
    node = Node.start(ConfigSource.of(values));
    url = "http://127.0.0.1:" + node.httpPort();
    HttpClient http = HttpClient.newHttpClient();
    until("node ready", Duration.ofSeconds(90), () -> {
      try {
        return http.send(HttpRequest.newBuilder(URI.create(url + "/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (java.io.IOException | InterruptedException e) {
        return false;
      }
    });
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  /** One run of the CLI: exit code, stdout, stderr. */
  record Run(int exit, String out, String err) {}

  private Run cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--url", url,
        "--api-key", adminKey))
        .toArray(String[]::new);
    int exit = OpsCommands.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void shouldDeployWaitQueryAndTailADeploymentOnARealNode(TestStack stack) {
    String service = stack.uniqueName("cli-svc");
    OpsCommands.terminal = false;

    Run deploy = cli("deploy", service, "1.4.2", "--env", "dev,staging,prod", "--wait", "--timeout", "90s");

    assertEquals(0, deploy.exit(), deploy.out() + deploy.err());
    String id = deploy.out().lines().findFirst().orElseThrow();
    assertTrue(id.startsWith(service + "."), deploy.out());
    for (String env : List.of("dev", "staging", "prod")) {
      assertTrue(deploy.out().matches("(?s).*✓ " + env + " +deployed, health gate passed\n.*"), deploy.out());
    }
    assertTrue(deploy.out().strip().endsWith("deployment " + id + " SUCCEEDED"), deploy.out());

    Run query = cli("query", "deployment", id);
    assertEquals(0, query.exit(), query.err());
    assertTrue(query.out().contains("status:") && query.out().contains("SUCCEEDED"), query.out());
    assertTrue(query.err().startsWith("served by " + node.config().nodeId() + " (active"), query.err());

    Run json = cli("query", "deployment", id, "--output", "json");
    JsonObject doc = new JsonObject(json.out());
    assertEquals("SUCCEEDED", doc.getString("status"));
    assertEquals(node.config().nodeId(), doc.getJsonObject("_meta").getString("servedBy"));

    Run tail = cli("tail", "harbor.deployment-events", "--key", service, "--from", "earliest",
        "--until", "harbor.DeploymentFinished", "--output", "json");
    assertEquals(0, tail.exit(), tail.err());
    List<JsonObject> events = tail.out().lines().map(JsonObject::new).toList();
    assertTrue(events.size() >= 6, "started, a step per environment, finished: " + tail.out());
    assertTrue(events.stream().allMatch(e -> id.equals(e.getJsonObject("value").getJsonObject("payload")
        .getString("deploymentId"))), tail.out());
    assertEquals("harbor.DeploymentFinished", events.get(events.size() - 1).getString("type"));
    assertEquals("SUCCEEDED", events.get(events.size() - 1).getJsonObject("value").getJsonObject("payload").getString("status"));

    Run status = cli("status", "--service", service);
    assertEquals(0, status.exit(), status.err());
    assertTrue(status.out().contains(service), status.out());
    assertTrue(status.out().contains("deployments in flight (0)") || status.err().contains("deployments in flight"),
        status.out() + status.err());
    OpsCommands.terminal = null;
  }
}
