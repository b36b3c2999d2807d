package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.depths.DepthsTopology;
import io.poseidon.processors.forge.ForgeTopology;
import io.poseidon.processors.harbor.HarborTopology;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.ServiceInstance;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.schemas.forge.PipelineCommand;
import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineStatus;
import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.DeploymentStatus;
import io.poseidon.schemas.harbor.DeploymentStrategy;
import io.poseidon.topology.query.FakeStreams;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import io.poseidon.gateway.node.Services;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The routes of every service over real HTTP, bound to the real contract, with a MockProducer and
 * fake stores instead of Kafka: what a client sends, what it gets back, and what reaches Kafka (nothing
 * on a 4xx). Each answered status is recorded for {@link OpenApiContractTest}.
 */
@ExtendWith(VertxExtension.class)
class GatewayRoutesTest {

  private static final String INSTANCES = "/api/v1/services/payments/instances";
  private static final String REGISTRATION = "{\"instanceId\":\"i-1\",\"host\":\"10.0.0.7\",\"port\":8443}";
  private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");

  private GatewayFixture gateway;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    gateway = new GatewayFixture(vertx).start();
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  // --- commands ----------------------------------------------------------------------------------

  @Test
  void shouldProduceAValidRegistrationAndAnswer202WithItsPosition() {
    GatewayFixture.Reply reply = gateway.call(HttpMethod.POST, INSTANCES,
        Map.of("Content-Type", "application/json; charset=utf-8", "X-API-Key",
            gateway.key("ada", io.poseidon.gateway.http.auth.Role.DEVELOPER)), REGISTRATION);

    assertEquals(202, reply.status(), reply.body());
    assertEquals("depths.ServiceRegistered", reply.json().getString("type"));
    assertEquals("depths.registrations", reply.json().getJsonObject("position").getString("topic"));
    ProducerRecord<String, ?> sent = gateway.producer.history().get(0);
    assertEquals("payments", sent.key());
    InstanceEvent event = (InstanceEvent) sent.value();
    assertTrue(event.getMeta().getActor().startsWith("ada (key:"), event.getMeta().getActor());
    ServiceRegistered registered = (ServiceRegistered) event.getPayload();
    assertEquals(8443, registered.getPort());
    assertEquals(30, registered.getTtlSeconds(), "depths.default.ttl.seconds");
  }

  @Test
  void shouldRefuseABodyThatIsNotDeclaredJsonWith415() {
    for (Map<String, String> headers : List.of(Map.of("Content-Type", "text/plain"),
        Map.of("Content-Type", "application/x-www-form-urlencoded"), Map.<String, String>of(),
        Map.of("Content-Type", "application/json; charset=iso-8859-1"))) {
      GatewayFixture.Reply reply = gateway.post(INSTANCES, headers, REGISTRATION);
      assertEquals(415, reply.status(), headers + " " + reply.body());
      assertEquals("unsupported_media_type", reply.code());
      assertEquals(reply.header("X-Request-Id"), reply.json().getString("requestId"));
    }
    assertTrue(gateway.producer.history().isEmpty(), "nothing produced");
  }

  @Test
  void shouldRefuseLenientJsonWith400() {
    for (String body : List.of("{\"broken\":", "{\"instanceId\":\"i-1\" /* note */,\"host\":\"h\",\"port\":1}",
        "{\"instanceId\":\"i-1\",\"instanceId\":\"i-2\",\"host\":\"h\",\"port\":1}", REGISTRATION + " {}", "[1,2]")) {
      GatewayFixture.Reply reply = gateway.postJson(INSTANCES, body);
      assertEquals(400, reply.status(), body + " → " + reply.body());
      assertTrue(List.of("invalid_json", "validation_failed").contains(reply.code()), reply.body());
    }
    assertTrue(gateway.producer.history().isEmpty(), "nothing produced");
  }

  @Test
  void shouldRefuseANulCharacterWith400NamingTheField() {
    GatewayFixture.Reply reply = gateway.postJson(INSTANCES,
        "{\"instanceId\":\"i-1\",\"host\":\"h\\u0000\",\"port\":1}");

    assertEquals(400, reply.status(), reply.body());
    assertTrue(reply.body().contains("\"field\":\"host\""), reply.body());
    assertTrue(gateway.producer.history().isEmpty(), "nothing produced");
  }

  @Test
  void shouldNotLetAHugeIntegerWrapIntoAValidPort() {
    GatewayFixture.Reply reply = gateway.postJson(INSTANCES,
        "{\"instanceId\":\"w-1\",\"host\":\"h\",\"port\":18446744073709560059}");

    assertEquals(400, reply.status(), reply.body());
    assertEquals(1, reply.json().getJsonArray("details").size(), "one problem, said once: " + reply.body());
    assertEquals("port", reply.json().getJsonArray("details").getJsonObject(0).getString("field"), reply.body());
    assertTrue(gateway.producer.history().isEmpty());
  }

  @Test
  void shouldRefuseControlCharactersUnknownFieldsAndMissingOnesWithTheirFieldNames() {
    GatewayFixture.Reply control = gateway.postJson(INSTANCES, "{\"instanceId\":\"i-1\",\"host\":\"h\\u0007x\",\"port\":1}");
    GatewayFixture.Reply unknown = gateway.postJson(INSTANCES, REGISTRATION.replace("}", ",\"colour\":\"red\"}"));
    GatewayFixture.Reply missing = gateway.postJson(INSTANCES, "{\"instanceId\":\"i-1\",\"host\":\"h\"}");

    assertEquals(400, control.status());
    assertEquals("host", control.json().getJsonArray("details").getJsonObject(0).getString("field"), control.body());
    assertEquals(400, unknown.status());
    assertTrue(unknown.body().contains("colour"), unknown.body());
    assertEquals(400, missing.status());
    assertEquals("port", missing.json().getJsonArray("details").getJsonObject(0).getString("field"), missing.body());
    assertTrue(gateway.producer.history().isEmpty());
  }

  @Test
  void shouldRefuseValuesTheContractDoesNotAllow() {
    String deployment = "{\"service\":\"checkout\",\"version\":\"1.4.2\",\"environments\":[\"dev\"],\"strategy\":\"%s\"}";
    assertEquals(400, gateway.postJson("/api/v1/deployments", deployment.formatted("ROLLING")).status(),
        "the contract says rolling, in lower case");
    assertEquals(202, gateway.postJson("/api/v1/deployments", deployment.formatted("blue-green")).status());
    GatewayFixture.Reply nullEnvironments = gateway.postJson("/api/v1/workflows",
        "{\"service\":\"payments\",\"commit\":\"3f2a9c1\",\"branch\":\"main\",\"author\":\"ada\",\"environments\":null}");
    assertEquals(400, nullEnvironments.status(), nullEnvironments.body());
    assertEquals(1, gateway.producer.history().size(), "only the valid deployment");
  }

  @Test
  void shouldAnswer413ForABodyOverTheLimitAndForAnEventKafkaRefusesAsTooLarge() {
    GatewayFixture.Reply tooBig = gateway.postJson(INSTANCES, "{\"instanceId\":\"i-1\",\"host\":\"h\",\"port\":1,"
        + "\"version\":\"" + "v".repeat(GatewayFixture.MAX_BODY_BYTES) + "\"}");
    assertEquals(413, tooBig.status());
    assertEquals("body_too_large", tooBig.code());

    gateway.producer.sendException = new RecordTooLargeException("The message is 2000000 bytes");
    GatewayFixture.Reply tooLargeEvent = gateway.postJson(INSTANCES, REGISTRATION);
    gateway.producer.sendException = null;
    assertEquals(413, tooLargeEvent.status(), tooLargeEvent.body());
    assertEquals("event_too_large", tooLargeEvent.code());
    assertEquals(null, tooLargeEvent.header("Retry-After"), "a retry cannot succeed");
  }

  @Test
  void shouldAnswer503WithRetryAfterWhenKafkaDoesNotTakeTheEvent() {
    gateway.producer.sendException = new TimeoutException("Topic depths.registrations not present in metadata after 2000 ms");

    GatewayFixture.Reply reply = gateway.postJson(INSTANCES, REGISTRATION);
    gateway.producer.sendException = null;

    assertEquals(503, reply.status());
    assertEquals("kafka_unavailable", reply.code());
    assertEquals("1", reply.header("Retry-After"));
  }

  // --- methods, paths, the server's own errors -------------------------------------------------------

  @Test
  void shouldAnswer405WithAllowForAnotherMethodOfAKnownPath() {
    GatewayFixture.Reply reply = gateway.call(HttpMethod.PUT, "/api/v1/services/x/instances", JSON, "{}");

    assertEquals(405, reply.status());
    assertEquals("GET, POST", reply.header("Allow"));
    assertEquals("method_not_allowed", reply.code());
  }

  @Test
  void shouldAnswer501ForAMethodHttpDoesNotDefineAndCountItAsOther() {
    GatewayFixture.Reply reply = gateway.call(HttpMethod.valueOf("QWX1"), "/ready", Map.of(), null);
    GatewayFixture.Reply metrics = gateway.get("/metrics");

    assertEquals(501, reply.status());
    assertEquals("method_not_implemented", reply.code());
    assertTrue(metrics.body().contains("method=\"OTHER\""), metrics.body());
    assertFalse(metrics.body().contains("QWX1"), "no series per invented method");
  }

  @Test
  void shouldAnswerAnUnknownPathAndAnUndecodablePathWithTheJsonErrorShape() throws Exception {
    GatewayFixture.Reply unknown = gateway.get("/api/v1/unknown");
    assertEquals(404, unknown.status());
    assertEquals("not_found", unknown.code());

    String raw = gateway.raw("GET /api/v1/workflows/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertTrue(raw.startsWith("HTTP/1.1 400"), raw);
    assertTrue(raw.contains("application/json"), raw);
    assertTrue(raw.contains("\"requestId\""), raw);
  }

  @Test
  void shouldAnswerTheServersOwnRefusalsWithTheJsonErrorShape() throws Exception {
    String longUri = gateway.raw("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"); // over the 16 KiB request line
    assertTrue(longUri.matches("(?s)HTTP/1\\.[01] 414.*"), longUri);
    assertTrue(longUri.contains("\"code\":\"uri_too_long\"") && longUri.contains("\"requestId\""), longUri);

    String bigHeaders = gateway.raw("GET /ready HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(10_000) + "\r\n\r\n");
    assertTrue(bigHeaders.matches("(?s)HTTP/1\\.[01] 431.*"), bigHeaders);
    assertTrue(bigHeaders.contains("\"code\":\"headers_too_large\""), bigHeaders);
  }

  // --- queries --------------------------------------------------------------------------------------

  @Test
  void shouldAnswerALookupFromTheLocalStoreAnd404WhenAbsent() {
    gateway.streams.put(DepthsTopology.INSTANCE_STORE, "payments/i-1", instance("i-1"));

    GatewayFixture.Reply found = gateway.get(INSTANCES + "/i-1");
    GatewayFixture.Reply missing = gateway.get(INSTANCES + "/i-9");
    GatewayFixture.Reply list = gateway.get(INSTANCES);

    assertEquals(200, found.status(), found.body());
    assertEquals("node-a", found.json().getString("servedBy"));
    assertEquals("node-a", found.header(QueryForwarder.SERVED_BY));
    assertEquals(404, missing.status());
    assertEquals("instance_not_found", missing.code());
    assertEquals(1, list.json().getJsonArray("instances").size());
  }

  @Test
  void shouldPageAListWithACursorThatWritesBetweenPagesDoNotDisturb() {
    for (String id : List.of("i-01", "i-02", "i-03", "i-04", "i-05", "i-06", "i-07")) {
      gateway.streams.put(DepthsTopology.INSTANCE_STORE, "payments/" + id, instance(id));
    }
    GatewayFixture.Reply first = gateway.get(INSTANCES + "?limit=3");
    assertEquals(200, first.status(), first.body());
    assertEquals(List.of("i-01", "i-02", "i-03"), ids(first));
    String cursor = first.json().getString("nextCursor");
    assertNotNull(cursor, first.body());

    // writes between the pages: one before the cursor, one after it, a seen one and an unseen one removed
    gateway.streams.put(DepthsTopology.INSTANCE_STORE, "payments/i-00", instance("i-00"));
    gateway.streams.put(DepthsTopology.INSTANCE_STORE, "payments/i-035", instance("i-035"));
    gateway.streams.remove(DepthsTopology.INSTANCE_STORE, "payments/i-02");
    gateway.streams.remove(DepthsTopology.INSTANCE_STORE, "payments/i-06");
    GatewayFixture.Reply second = gateway.get(INSTANCES + "?limit=3&cursor=" + cursor);
    assertEquals(List.of("i-035", "i-04", "i-05"), ids(second), "after the cursor, nothing repeated or skipped");
    GatewayFixture.Reply last = gateway.get(INSTANCES + "?limit=3&cursor=" + second.json().getString("nextCursor"));
    assertEquals(List.of("i-07"), ids(last));
    assertTrue(last.json().containsKey("nextCursor"));
    assertNull(last.json().getString("nextCursor"), "the last page says so");
    assertEquals(100, Paging.DEFAULT_LIMIT);
    assertEquals(7, ids(gateway.get(INSTANCES)).size(), "without ?limit= a page of 100: all seven");

    GatewayFixture.Reply tooMany = gateway.get(INSTANCES + "?limit=501");
    assertEquals(400, tooMany.status(), tooMany.body());
    assertTrue(tooMany.body().contains("limit"), tooMany.body());
    GatewayFixture.Reply garbage = gateway.get(INSTANCES + "?cursor=not-a-cursor");
    assertEquals(400, garbage.status(), garbage.body());
    assertTrue(garbage.body().contains("\"field\":\"cursor\""), garbage.body());
    GatewayFixture.Reply topics = gateway.get("/api/v1/topics?limit=1");
    assertEquals(200, topics.status(), topics.body());
    GatewayFixture.Reply foreign = gateway.get(INSTANCES + "?cursor=" + topics.json().getString("nextCursor"));
    assertEquals(400, foreign.status(), "a cursor of another list: " + foreign.body());
  }

  @Test
  void shouldListDeploymentsNewestFirstAndTheOnesInFlight() {
    gateway.streams.put(HarborTopology.DEPLOYMENT_STORE, "checkout.d-1", Deployment.newBuilder(
        deployment("checkout.d-1", DeploymentStatus.SUCCEEDED)).setRequestedAt(GatewayFixture.NOW.minusSeconds(60)).build());
    gateway.streams.put(HarborTopology.DEPLOYMENT_STORE, "checkout.d-2", deployment("checkout.d-2", DeploymentStatus.RUNNING));
    gateway.streams.put(HarborTopology.DEPLOYMENT_STORE, "checkout.d-3", Deployment.newBuilder(
        deployment("checkout.d-3", DeploymentStatus.QUEUED)).setRequestedAt(GatewayFixture.NOW.plusSeconds(5)).build());

    GatewayFixture.Reply all = gateway.get("/api/v1/deployments");
    assertEquals(200, all.status(), all.body());
    assertEquals("node-a", all.header(QueryForwarder.SERVED_BY), "a gathered list names the node that gathered it");
    assertEquals(List.of("checkout.d-3", "checkout.d-2", "checkout.d-1"), deploymentIds(all));
    assertEquals(List.of("checkout.d-3", "checkout.d-2"), deploymentIds(gateway.get("/api/v1/deployments?active=true")));
    assertEquals(List.of("checkout.d-1"), deploymentIds(gateway.get("/api/v1/deployments?status=SUCCEEDED")));
    assertEquals(List.of(), deploymentIds(gateway.get("/api/v1/deployments?service=payments")));
    GatewayFixture.Reply page = gateway.get("/api/v1/deployments?limit=2");
    assertEquals(List.of("checkout.d-3", "checkout.d-2"), deploymentIds(page));
    assertEquals(List.of("checkout.d-1"), deploymentIds(gateway.get("/api/v1/deployments?limit=2&cursor="
        + page.json().getString("nextCursor"))));
    assertEquals(400, gateway.get("/api/v1/deployments?status=DONE").status());
  }

  @Test
  void shouldListEveryServicesInstancesByServiceThenId() {
    gateway.streams.put(DepthsTopology.INSTANCE_STORE, "payments/i-2", instance("i-2"));
    gateway.streams.put(DepthsTopology.INSTANCE_STORE, "payments/i-1", instance("i-1"));
    gateway.streams.put(DepthsTopology.INSTANCE_STORE, "checkout/i-9", ServiceInstance.newBuilder(instance("i-9"))
        .setService("checkout").build());
    GatewayFixture.Reply all = gateway.get("/api/v1/instances?limit=2");
    assertEquals(200, all.status(), all.body());
    assertEquals(List.of("checkout/i-9", "payments/i-1"), all.json().getJsonArray("instances").stream()
        .map(i -> ((io.vertx.core.json.JsonObject) i).getString("service") + "/"
            + ((io.vertx.core.json.JsonObject) i).getString("instanceId")).toList());
    GatewayFixture.Reply next = gateway.get("/api/v1/instances?limit=2&cursor=" + all.json().getString("nextCursor"));
    assertEquals(List.of("i-2"), ids(next));
    assertNull(next.json().getString("nextCursor"));
  }

  private static List<String> deploymentIds(GatewayFixture.Reply reply) {
    assertEquals(200, reply.status(), reply.body());
    return reply.json().getJsonArray("deployments").stream()
        .map(d -> ((io.vertx.core.json.JsonObject) d).getString("deploymentId")).toList();
  }

  private static List<String> ids(GatewayFixture.Reply reply) {
    return reply.json().getJsonArray("instances").stream()
        .map(i -> ((io.vertx.core.json.JsonObject) i).getString("instanceId")).toList();
  }

  @Test
  void shouldAnswer503NotReadyBeforeTheServicesStartedAndWhileRebalancing() {
    gateway.servicesStarted(false);
    GatewayFixture.Reply starting = gateway.get(INSTANCES);
    assertEquals(503, starting.status(), starting.body());
    assertEquals("not_ready", starting.code());
    assertEquals("1", starting.header("Retry-After"));

    gateway.servicesStarted(true);
    gateway.streams.mode(FakeStreams.Mode.REBALANCING);
    GatewayFixture.Reply rebalancing = gateway.get(INSTANCES);
    assertEquals(503, rebalancing.status());
    assertEquals("1", rebalancing.header("Retry-After"));
  }

  @Test
  void shouldAnswer503WithRetryAfterWhenTheOwnerOfTheKeyDoesNotAnswerAndNoStandbyCan() {
    gateway.streams.ownedBy(new org.apache.kafka.streams.state.HostInfo("127.0.0.1", 1));

    GatewayFixture.Reply reply = gateway.get("/api/v1/pipeline-runs/run-1");

    assertEquals(503, reply.status(), reply.body());
    assertEquals("owner_unreachable", reply.code());
    assertEquals("1", reply.header("Retry-After"), "the key is reassigned shortly: worth retrying");
  }

  @Test
  void shouldAnswer400ForIdsThatBreakTheIdRules() {
    assertEquals(400, gateway.get("/api/v1/pipeline-runs/bad%20id").status());
    assertEquals(400, gateway.get("/api/v1/deployments/no-service-part").status());
    assertEquals(400, gateway.get("/api/v1/services/Not_A_Service/instances").status());
    assertEquals(400, gateway.post("/api/v1/services/payments/instances/bad%7Cid/heartbeat", Map.of(), null).status());
  }

  // --- cancels and heartbeats: validated like every command ---------------------------------------------

  @Test
  void shouldRefuseACancelWhoseIdBreaksTheIdRules() {
    GatewayFixture.Reply reply = gateway.post("/api/v1/pipeline-runs/bad%20id%00x/cancel", Map.of(), null);

    assertEquals(400, reply.status(), reply.body());
    assertEquals("validation_failed", reply.code());
    assertTrue(gateway.producer.history().isEmpty());
  }

  @Test
  void shouldAnswer404ForACancelOfSomethingNoStoreKnows() {
    GatewayFixture.Reply run = gateway.post("/api/v1/pipeline-runs/run-404/cancel", Map.of(), null);
    GatewayFixture.Reply deployment = gateway.post("/api/v1/deployments/checkout.d-404/cancel", Map.of(), null);

    assertEquals(404, run.status(), run.body());
    assertEquals("pipeline_run_not_found", run.code());
    assertEquals(404, deployment.status(), deployment.body());
    assertEquals("deployment_not_found", deployment.code());
    assertTrue(gateway.producer.history().isEmpty());
  }

  @Test
  void shouldAnswer409WithTheStatusForACancelOfSomethingFinished() {
    gateway.streams.put(ForgeTopology.RUN_STORE, "run-1", run("run-1", PipelineStatus.SUCCEEDED));
    gateway.streams.put(HarborTopology.DEPLOYMENT_STORE, "checkout.d-1", deployment("checkout.d-1",
        DeploymentStatus.ROLLED_BACK));

    GatewayFixture.Reply run = gateway.post("/api/v1/pipeline-runs/run-1/cancel", Map.of(), null);
    GatewayFixture.Reply deployment = gateway.post("/api/v1/deployments/checkout.d-1/cancel", Map.of(), null);

    assertEquals(409, run.status(), run.body());
    assertEquals("SUCCEEDED", run.json().getJsonArray("details").getJsonObject(0).getString("message"));
    assertEquals(409, deployment.status(), deployment.body());
    assertEquals("ROLLED_BACK", deployment.json().getJsonArray("details").getJsonObject(0).getString("message"));
    assertTrue(gateway.producer.history().isEmpty());
  }

  @Test
  void shouldCancelARunningRunWithOrWithoutABodyAndRefuseAReasonThatIsNotText() {
    gateway.streams.put(ForgeTopology.RUN_STORE, "run-1", run("run-1", PipelineStatus.RUNNING));

    GatewayFixture.Reply noBody = gateway.post("/api/v1/pipeline-runs/run-1/cancel", Map.of(), null);
    GatewayFixture.Reply withReason = gateway.postJson("/api/v1/pipeline-runs/run-1/cancel", "{\"reason\":\"flaky\"}");
    GatewayFixture.Reply numberReason = gateway.postJson("/api/v1/pipeline-runs/run-1/cancel", "{\"reason\":123}");
    GatewayFixture.Reply objectReason = gateway.postJson("/api/v1/pipeline-runs/run-1/cancel", "{\"reason\":{}}");

    assertEquals(202, noBody.status(), noBody.body());
    assertEquals(202, withReason.status(), withReason.body());
    assertEquals(400, numberReason.status(), numberReason.body());
    assertEquals("[{\"field\":\"reason\",\"message\":\"must be a string, not number\"}]",
        numberReason.json().getJsonArray("details").encode());
    assertEquals(400, objectReason.status(), objectReason.body());
    assertEquals(2, gateway.producer.history().size());
    PipelineRunCancelRequested cancel = (PipelineRunCancelRequested) ((PipelineCommand) gateway.producer.history()
        .get(1).value()).getPayload();
    assertEquals("flaky", cancel.getReason());
  }

  @Test
  void shouldRefuseAHeartbeatForAnInstanceDepthsDoesNotKnow() {
    GatewayFixture.Reply unknown = gateway.post(INSTANCES + "/i-9/heartbeat", Map.of(), null);
    gateway.streams.put(DepthsTopology.INSTANCE_STORE, "payments/i-1", instance("i-1"));
    GatewayFixture.Reply known = gateway.post(INSTANCES + "/i-1/heartbeat", Map.of(), null);

    assertEquals(404, unknown.status());
    assertEquals(202, known.status(), known.body());
    assertEquals(1, gateway.producer.history().size());
  }

  /** Every status these tests saw an operation answer (500 aside: unexpected by definition) is documented. */
  @AfterAll
  static void shouldHaveDocumentedEveryStatusTheRoutesAnswered() {
    ApiContract contract = Services.contract();
    Map<String, Set<Integer>> undocumented = new TreeMap<>();
    GatewayFixture.ANSWERED.forEach((operationId, statuses) -> {
      for (int status : statuses) {
        if (status != 500 && !contract.documentedStatuses(operationId).contains(status)) {
          undocumented.computeIfAbsent(operationId, id -> new TreeSet<>()).add(status);
        }
      }
    });
    assertTrue(GatewayFixture.ANSWERED.size() >= 5, "the tests answered many operations: " + GatewayFixture.ANSWERED);
    assertEquals(Map.of(), undocumented, "statuses answered by routes but missing from openapi/*.yaml");
  }

  // --- records in the fake stores ------------------------------------------------------------------------

  private static ServiceInstance instance(String id) {
    return ServiceInstance.newBuilder().setService("payments").setInstanceId(id).setHost("10.0.0.7").setPort(8443)
        .setTtlSeconds(30).setRegisteredAt(GatewayFixture.NOW).setLastSeenAt(GatewayFixture.NOW)
        .setExpiresAt(GatewayFixture.NOW.plus(Duration.ofSeconds(30))).setLastEventId("e-1").build();
  }

  private static PipelineRun run(String runId, PipelineStatus status) {
    return PipelineRun.newBuilder().setRunId(runId).setService("checkout").setCommit("3f2a9c1").setBranch("main")
        .setStatus(status).setStages(List.of()).setCorrelationId("c-1").setRequestedAt(GatewayFixture.NOW)
        .setUpdatedAt(GatewayFixture.NOW).build();
  }

  private static Deployment deployment(String id, DeploymentStatus status) {
    return Deployment.newBuilder().setDeploymentId(id).setService("checkout").setVersion("1.4.2")
        .setEnvironments(List.of("dev")).setStrategy(DeploymentStrategy.ROLLING).setStatus(status)
        .setCorrelationId("c-1").setRequestedAt(GatewayFixture.NOW).setUpdatedAt(GatewayFixture.NOW).build();
  }

}
