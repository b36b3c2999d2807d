package io.poseidon.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code poseidon status | tail | deploy | query | commit} against a real HTTP server answering the
 * contract's shapes ({@link CliFakeGateway}): what is printed, what is sent, and the exit codes.
 */
class CliOpsTest {

  private CliFakeGateway gateway;
  private ByteArrayOutputStream out;
  private ByteArrayOutputStream err;

  @BeforeEach
  void start() throws Exception {
    gateway = new CliFakeGateway();
    out = new ByteArrayOutputStream();
    err = new ByteArrayOutputStream();
    OpsCommands.terminal = false;
  }

  @AfterEach
  void stop() {
    OpsCommands.terminal = null;
    gateway.close();
  }

  private int run(String... args) {
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--url",
        gateway.url(), "--api-key", "psk_test")).toArray(String[]::new);
    return OpsCommands.run(all, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 10 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void shouldDeployAndFollowEveryEnvironmentToSucceededWithTheStreamOpenBeforeThePost() {
    int exit = run("deploy", "checkout", "1.4.2", "--env", "dev,staging,prod", "--wait", "--timeout", "20s");

    assertEquals(0, exit, out() + err());
    String id = out().lines().findFirst().orElseThrow();
    assertTrue(id.startsWith("checkout.5b1e8a3c"), out());
    assertTrue(out().contains("staging  deployed, health gate passed"), out());
    assertTrue(out().contains("prod     deployed, health gate passed"), out());
    assertTrue(out().strip().endsWith("deployment " + id + " SUCCEEDED"), out());
    int stream = indexOf(gateway.requests, "STREAM topics=harbor.deployment-events&key=checkout&from=latest");
    int post = gateway.requests.indexOf("POST /api/v1/deployments");
    assertTrue(stream >= 0 && stream < post, "the stream is connected before the POST: " + gateway.requests);
    assertNotNull(gateway.lastHeaders.get("idempotency-key"));
    assertEquals("psk_test", gateway.lastHeaders.get("x-api-key"));
  }

  private static int indexOf(List<String> requests, String start) {
    for (int i = 0; i < requests.size(); i++) {
      if (requests.get(i).startsWith(start)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void shouldExitOneWhenTheDeploymentRolledBackAndShowTheRollbacks() {
    gateway.deploymentOutcome = "ROLLED_BACK";

    int exit = run("deploy", "checkout", "1.4.2", "--env", "dev,staging,prod", "--wait");

    assertEquals(1, exit, out() + err());
    assertTrue(out().contains("↩ staging  rolled back") || out().contains("staging  rolled back"), out());
    assertTrue(out().contains("health gate failed: UNHEALTHY: p99 2472.7 > 500"), out());
    assertTrue(out().contains("ROLLED_BACK: health gate failed in prod"), out());
  }

  @Test
  void shouldExitFourWhenTheDeploymentDoesNotEndWithinTheTimeout() {
    gateway.deploymentOutcome = null;

    int exit = run("deploy", "checkout", "1.4.2", "--env", "dev", "--wait", "--timeout", "1s");

    assertEquals(4, exit, out() + err());
    assertTrue(err().contains("did not end within 1s"), err());
  }

  @Test
  void shouldPrintEachFieldErrorOfARefusedDeploymentAndExitTwo() {
    int exit = run("deploy", "checkout", "bad version", "--env", "dev");

    assertEquals(2, exit);
    assertTrue(err().contains("HTTP 400 validation_failed: the request is not valid"), err());
    assertTrue(err().contains("\n  version: must match"), err());
    assertTrue(err().contains("\n  environments[0]: must match the pattern"), err());
  }

  @Test
  void shouldPrintTheAcceptedDeploymentAsOneJsonDocument() {
    assertEquals(0, run("deploy", "checkout", "1.4.2", "--env", "dev", "--output", "json"));
    JsonObject accepted = new JsonObject(out());
    assertTrue(accepted.getString("deploymentId").startsWith("checkout."));
    assertEquals("harbor.deployment-commands:1:41", accepted.getJsonObject("position").getString("token"));
  }

  @Test
  void shouldPrintTheFinalDeploymentAndItsEventsAsJsonWhenWaiting() {
    assertEquals(0, run("deploy", "checkout", "1.4.2", "--env", "dev", "--wait", "--output", "json"));
    JsonObject doc = new JsonObject(out());
    assertEquals("SUCCEEDED", doc.getString("status"));
    assertEquals("SUCCEEDED", doc.getJsonObject("deployment").getString("status"));
    assertEquals("harbor.DeploymentFinished", doc.getJsonArray("events").getJsonObject(
        doc.getJsonArray("events").size() - 1).getString("type"));
  }

  @Test
  void shouldRenderProgressInPlaceOnATerminal() {
    OpsCommands.terminal = true;
    assertEquals(0, run("deploy", "checkout", "1.4.2", "--env", "dev,prod", "--wait"));
    assertTrue(out().contains("\033[3A"), "the 3-line block (header, dev, prod) is redrawn: " + out());
    assertTrue(out().contains("\r\033[2K  ✓ prod  deployed, health gate passed"), out());
  }

  @Test
  void shouldTailEventsAsLinesAndResumeAfterADropAndAnEvictionWithoutGapsOrRepeats() throws Exception {
    CompletableFuture<Integer> tail = CompletableFuture.supplyAsync(() ->
        run("tail", "harbor.deployment-events", "--key", "checkout", "--count", "6"));
    await("tail connected", () -> gateway.streamClients() == 1);
    JsonObject p = new JsonObject().put("deploymentId", "checkout.d1");
    gateway.publish("harbor.deployment-events", "checkout", "harbor.DeploymentStarted", p.copy().put("version", "1.4.2"));
    gateway.publish("harbor.deployment-events", "orders", "harbor.DeploymentStarted", p.copy());
    gateway.heartbeat();
    gateway.publish("harbor.deployment-events", "checkout", "harbor.EnvironmentStepChanged", p.copy().put("environment", "dev"));
    await("two events out", () -> out().lines().count() == 2);
    gateway.dropStreams();
    gateway.publish("harbor.deployment-events", "checkout", "harbor.EnvironmentStepChanged", p.copy().put("environment", "staging"));
    await("reconnected", () -> gateway.requests.stream().filter(r -> r.startsWith("STREAM")).count() == 2
        && gateway.streamClients() == 1);
    gateway.publish("harbor.deployment-events", "checkout", "harbor.EnvironmentStepChanged", p.copy().put("environment", "prod"));
    await("four events out", () -> out().lines().count() == 4);
    gateway.evictStreams();
    gateway.publish("harbor.deployment-events", "checkout", "harbor.DeploymentFinished", p.copy().put("status", "SUCCEEDED"));
    await("reconnected after the eviction", () -> gateway.requests.stream().filter(r -> r.startsWith("STREAM")).count() == 3
        && gateway.streamClients() == 1);
    gateway.publish("harbor.deployment-events", "checkout", "harbor.DeploymentStarted", p.copy().put("version", "1.4.3"));

    assertEquals(0, tail.get(10, TimeUnit.SECONDS), err());
    List<String> lines = out().lines().toList();
    assertEquals(6, lines.size(), out());
    assertEquals("08:02:49.120Z harbor.deployment-events  checkout  harbor.DeploymentStarted  "
        + "deploymentId=checkout.d1 version=1.4.2", lines.get(0));
    assertEquals(List.of("dev", "staging", "prod"), lines.subList(1, 4).stream()
        .map(l -> l.replaceAll(".*environment=(\\w+).*", "$1")).toList(), "every event once, in order: " + out());
    assertTrue(lines.get(4).contains("harbor.DeploymentFinished  deploymentId=checkout.d1 status=SUCCEEDED"), out());
    assertTrue(lines.get(5).contains("version=1.4.3"), out());
    assertTrue(gateway.requests.contains("STREAM topics=harbor.deployment-events&key=checkout&from=latest "
        + "Last-Event-ID=harbor.deployment-events:0:3"), "resumed after the last id it saw: " + gateway.requests);
    assertTrue(err().contains("the server says: evicted: slow consumer"), err());
    assertFalse(err().contains("heartbeat"), err());
  }

  @Test
  void shouldTailAsNdjson() throws Exception {
    gateway.publish("current.workflow-events", "wf-1", "current.WorkflowStarted", new JsonObject().put("workflowId", "wf-1"));
    gateway.publish("current.workflow-events", "wf-1", "current.WorkflowCompleted", new JsonObject().put("workflowId", "wf-1"));
    int exit = run("tail", "current.workflow-events", "--from", "earliest", "--until", "current.WorkflowCompleted",
        "--output", "json");
    assertEquals(0, exit, err());
    List<JsonObject> lines = out().lines().map(JsonObject::new).toList();
    assertEquals(List.of("current.WorkflowStarted", "current.WorkflowCompleted"), lines.stream().map(l -> l.getString("type")).toList());
    assertEquals("current.workflow-events:0:2", lines.get(1).getString("position"));
  }

  @Test
  void shouldRefuseAnUnknownTopicWithTheFieldErrorAndExitTwo() {
    assertEquals(2, run("tail", "nope"));
    assertTrue(err().contains("  topics: nope is not a public topic"), err());
  }

  @Test
  void shouldQueryADeploymentWithReadYourWritesAndSayWhoAnswered() {
    run("deploy", "checkout", "1.4.2", "--env", "dev");
    String id = out().strip();
    out.reset();

    assertEquals(0, run("query", "deployment", id, "--after", "harbor.deployment-commands:1:41", "--wait-for", "2s"));
    assertTrue(out().contains("deploymentId:") && out().contains(id), out());
    assertTrue(err().contains("served by fake-node (standby, lag 3)"), err());
    assertTrue(gateway.requests.contains("GET /api/v1/deployments/" + id + "?after=harbor.deployment-commands%3A1%3A41"
        + "&timeout=2s"), gateway.requests.toString());

    out.reset();
    assertEquals(0, run("query", "deployment", id, "--output", "json"));
    JsonObject doc = new JsonObject(out());
    assertEquals(id, doc.getString("deploymentId"));
    assertEquals(new JsonObject().put("servedBy", "fake-node").put("replica", "standby").put("lag", 3L), doc.getJsonObject("_meta"));
  }

  @Test
  void shouldExitOneForAnUnknownEntityFourForAPositionNotReachedAndTwoForAnUnknownKind() {
    assertEquals(1, run("query", "deployment", "checkout.nope"));
    assertTrue(err().contains("no deployment checkout.nope (HTTP 404 not_found"), err());
    run("deploy", "checkout", "1.4.2", "--env", "dev");
    String id = out().strip();
    assertEquals(4, run("query", "deployment", id, "--after", "slow"));
    assertTrue(err().contains("HTTP 504 position_not_reached"), err());
    assertEquals(2, run("query", "gossip", "x"));
    assertTrue(err().contains("unknown kind gossip"), err());
    assertEquals(2, run("query", "config", "payments"), "config takes SERVICE/ENV");
    assertEquals(1, run("query", "pipeline", "run-1"), "the fake has no run-1");
    assertTrue(gateway.requests.contains("GET /api/v1/pipeline-runs/run-1"), gateway.requests.toString());
  }

  @Test
  void shouldShowServicesHealthAndEveryPageOfDeploymentsInFlight() {
    run("deploy", "checkout", "1.4.2", "--env", "dev");
    out.reset();

    assertEquals(0, run("status"));
    String text = out();
    assertTrue(text.contains("services (3)"), text);
    assertTrue(text.matches("(?s).*payments\\s+HEALTHY\\s+1 instance: i-1 10.0.0.7:8443 1.4.2.*"), text);
    assertTrue(text.matches("(?s).*checkout\\s+unknown\\s+0 instances.*"), "no lighthouse: unknown, not an error: " + text);
    assertTrue(text.contains("deployments in flight (3)"), "both pages: " + text);
    assertTrue(text.contains("payments.0002  payments 1.4.2  ROLLING_BACK  (staging)"), text);
    assertTrue(text.contains("orders.0001  orders 2.0.0  RUNNING  prod HEALTH_GATE  (dev,prod)"), text);
    assertTrue(gateway.requests.contains("GET /api/v1/deployments?active=true&limit=500&cursor=page-2"), gateway.requests.toString());
    assertTrue(err().contains("no GET /api/v1/instances"), err());

    out.reset();
    assertEquals(0, run("status", "--output", "json"));
    JsonObject doc = new JsonObject(out());
    assertEquals(3, doc.getJsonArray("deployments").size());
    JsonArray services = doc.getJsonArray("services");
    assertEquals("checkout", services.getJsonObject(0).getString("service"));
    assertEquals(null, services.getJsonObject(0).getValue("health"));
  }

  @Test
  void shouldListAServiceBeingDeployedBeforeAnyInstanceOfItRegistered() {
    gateway.hasAllInstancesRoute = true;
    run("deploy", "checkout", "1.4.2", "--env", "dev");
    out.reset();

    assertEquals(0, run("status", "--output", "json"));
    JsonObject doc = new JsonObject(out());
    assertEquals("instances", doc.getString("servicesFrom"));
    List<String> names = doc.getJsonArray("services").stream().map(s -> ((JsonObject) s).getString("service")).toList();
    assertTrue(names.contains("payments"), "from its instance: " + names);
    assertTrue(names.containsAll(List.of("checkout", "orders")), "from their deployments in flight: " + names);
  }

  @Test
  void shouldSayInOneLineWhenTheNodeHasNoActiveDeploymentsRoute() {
    gateway.hasActiveDeploymentsRoute = false;
    assertEquals(0, run("status", "--service", "payments"));
    assertTrue(err().contains("deployments in flight: not offered by this node (GET /api/v1/deployments?active=true "
        + "answered 404"), err());
    assertTrue(out().contains("payments"), out());
    assertFalse(out().contains("deployments in flight"), out());
  }

  @Test
  void shouldStartACommitWorkflowAndFollowItsStepsToCompleted() {
    int exit = run("commit", "payments", "3f2a9c1", "--author", "ada", "--wait");
    assertEquals(0, exit, out() + err());
    assertTrue(out().contains("PIPELINE        completed run-1"), out());
    assertTrue(out().contains("workflow wf-3f2a9c1 COMPLETED: deployment payments.d-1"), out());
    assertFalse(out().contains("wf-other"), "another workflow's events are not shown: " + out());
  }

  @Test
  void shouldExitThreeWhenTheGatewayCannotBeReached() {
    String[] args = {"status", "--url", "http://127.0.0.1:9"};
    assertEquals(3, OpsCommands.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertTrue(err().contains("cannot reach the gateway at http://127.0.0.1:9"), err());
    assertEquals(3, OpsCommands.run(new String[] {"tail", "harbor.deployment-events", "--url", "http://127.0.0.1:9"},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
    assertEquals(2, run("deploy", "checkout", "1.4.2"), "--env is required");
    assertEquals(2, run("deploy", "checkout", "1.4.2", "--env", "dev", "--timeout", "soon"));
  }
}
