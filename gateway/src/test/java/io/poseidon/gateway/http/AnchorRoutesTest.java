package io.poseidon.gateway.http;

import static io.poseidon.deploy.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.anchor.AnchorStores;
import io.poseidon.processors.anchor.AnchorTopology;
import io.poseidon.schemas.anchor.AnchorCommand;
import io.poseidon.schemas.anchor.CommandOutcome;
import io.poseidon.schemas.anchor.ConfigVersion;
import io.poseidon.schemas.anchor.PutConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * anchor's routes over real HTTP against the real contract, with a MockProducer and FakeStreams stores:
 * bad input is 400 with field details and produces nothing, If-Match is checked against the owner's store
 * (412 at once), a put answers with the version the topology decided, a secret's value never comes back in
 * an error, and every operation declares its role.
 */
@ExtendWith(VertxExtension.class)
class AnchorRoutesTest {

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

  @Test
  void shouldRefuseBadConfigInputWithFieldDetailsAndProduceNothing() {
    GatewayFixture.Reply badKey = put("/api/v1/config/payments/prod", Map.of(), "{\"values\": {\"db pool!\": \"20\"}}");
    GatewayFixture.Reply notAString = put("/api/v1/config/payments/prod", Map.of(), "{\"values\": {\"db.pool.size\": 20}}");
    GatewayFixture.Reply badIfMatch = put("/api/v1/config/payments/prod", Map.of("If-Match", "latest"),
        "{\"values\": {\"a\": \"1\"}}");
    GatewayFixture.Reply badEnv = put("/api/v1/config/payments/Prod_1", Map.of(), "{\"values\": {\"a\": \"1\"}}");

    assertEquals(400, badKey.status(), badKey.body());
    assertEquals("values", badKey.json().getJsonArray("details").getJsonObject(0).getString("field"));
    assertEquals(400, notAString.status(), notAString.body());
    assertEquals("values.db.pool.size", notAString.json().getJsonArray("details").getJsonObject(0).getString("field"));
    assertEquals(400, badIfMatch.status(), badIfMatch.body());
    assertEquals("If-Match", badIfMatch.json().getJsonArray("details").getJsonObject(0).getString("field"));
    assertEquals(400, badEnv.status(), badEnv.body());
    assertTrue(gateway.producer.history().isEmpty(), "nothing produced");
  }

  @Test
  void shouldAnswer412AtOnceWhenIfMatchIsNotTheCurrentVersion() {
    gateway.streams.put(AnchorTopology.CONFIG_STORE, "payments/prod", version(2, Map.of("db.pool.size", "25")));

    GatewayFixture.Reply reply = put("/api/v1/config/payments/prod", Map.of("If-Match", "\"1\""),
        "{\"values\": {\"db.pool.size\": \"5\"}}");

    assertEquals(412, reply.status(), reply.body());
    assertEquals("version_conflict", reply.code());
    assertEquals(2, reply.json().getInteger("currentVersion"));
    List<ProducerRecord<String, ?>> sent = List.copyOf(gateway.producer.history());
    assertEquals(List.of("anchor.audit"), sent.stream().map(ProducerRecord::topic).toList(),
        "a refused compare-and-set is audited, and no command is produced");
    io.poseidon.schemas.anchor.AuditEntry audited = (io.poseidon.schemas.anchor.AuditEntry)
        ((io.poseidon.schemas.anchor.AuditEvent) sent.get(0).value()).getPayload();
    assertEquals("conflict", audited.getOutcome());
    assertEquals("payments", sent.get(0).key());
  }

  @Test
  void shouldProduceThePutWithItsExpectedVersionAndAnswerTheVersionTheTopologyDecided() throws Exception {
    gateway.streams.put(AnchorTopology.CONFIG_STORE, "payments/prod", version(2, Map.of("db.pool.size", "25")));

    CompletableFuture<GatewayFixture.Reply> answer = CompletableFuture.supplyAsync(() -> put(
        "/api/v1/config/payments/prod", Map.of("If-Match", "2", "X-Request-Id", "req-42"),
        "{\"values\": {\"db.pool.size\": \"30\"}, \"comment\": \"sale\"}"));
    until("the command is produced", Duration.ofSeconds(5), () -> !gateway.producer.history().isEmpty());
    ProducerRecord<String, ?> sent = gateway.producer.history().get(0);
    assertEquals("anchor.commands", sent.topic());
    assertEquals("payments/prod", sent.key());
    PutConfig command = (PutConfig) ((AnchorCommand) sent.value()).getPayload();
    assertEquals(2, command.getExpectedVersion());
    assertEquals(Map.of("db.pool.size", "30"), command.getValues());
    assertEquals("req-42", command.getOrigin().getRequestId());
    assertEquals("node-1", command.getOrigin().getNode(), "node.id (the fixture sets none: its default)");
    assertFalse(answer.isDone(), "the answer waits for the topology's decision");
    // the topology decides: version 3
    gateway.streams.put(AnchorTopology.OUTCOME_STORE, AnchorStores.outcomeKey("payments", "prod", command.getCommandId()),
        CommandOutcome.newBuilder().setCommandId(command.getCommandId()).setApplied(true).setVersion(3)
            .setCurrentVersion(3).setTime(GatewayFixture.NOW).build());

    GatewayFixture.Reply reply = answer.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(202, reply.status(), reply.body());
    assertEquals(3, reply.json().getInteger("version"));
    assertEquals(true, reply.json().getBoolean("applied"));
    assertEquals(command.getCommandId(), reply.json().getString("commandId"));
  }

  @Test
  void shouldAnswerARaceTheTopologyRefusedWith412() throws Exception {
    CompletableFuture<GatewayFixture.Reply> answer = CompletableFuture.supplyAsync(() -> put(
        "/api/v1/config/payments/prod", Map.of("If-Match", "0"), "{\"values\": {\"a\": \"1\"}}"));
    until("the command is produced", Duration.ofSeconds(5), () -> !gateway.producer.history().isEmpty());
    PutConfig command = (PutConfig) ((AnchorCommand) gateway.producer.history().get(0).value()).getPayload();
    gateway.streams.put(AnchorTopology.OUTCOME_STORE, AnchorStores.outcomeKey("payments", "prod", command.getCommandId()),
        CommandOutcome.newBuilder().setCommandId(command.getCommandId()).setApplied(false).setCurrentVersion(1)
            .setReason("conflict").setTime(GatewayFixture.NOW).build());

    GatewayFixture.Reply reply = answer.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertEquals(412, reply.status(), reply.body());
    assertEquals(1, reply.json().getInteger("currentVersion"));
  }

  @Test
  void shouldNeverRepeatASecretValueInAnError() {
    String admin = gateway.key("root", io.poseidon.gateway.http.auth.Role.ADMIN);
    Map<String, String> asAdmin = Map.of("X-API-Key", admin);

    GatewayFixture.Reply unknownField = put("/api/v1/secrets/payments/prod/db-password", asAdmin,
        "{\"value\": \"hunter2-PLAINTEXT\", \"note\": \"hunter2-PLAINTEXT\"}");
    GatewayFixture.Reply empty = put("/api/v1/secrets/payments/prod/db-password", asAdmin, "{\"value\": \"\"}");
    GatewayFixture.Reply badName = put("/api/v1/secrets/payments/prod/db%20password", asAdmin,
        "{\"value\": \"hunter2-PLAINTEXT\"}");
    GatewayFixture.Reply anonymous = put("/api/v1/secrets/payments/prod/db-password", Map.of(),
        "{\"value\": \"hunter2-PLAINTEXT\"}");

    assertEquals(400, unknownField.status(), unknownField.body());
    assertEquals(400, empty.status(), empty.body());
    assertEquals("value", empty.json().getJsonArray("details").getJsonObject(0).getString("field"));
    assertEquals(400, badName.status(), badName.body());
    assertEquals(401, anonymous.status(), "secrets are never anonymous: " + anonymous.body());
    for (GatewayFixture.Reply r : List.of(unknownField, empty, badName, anonymous)) {
      assertFalse(r.body().contains("hunter2"), r.body());
    }
    assertTrue(gateway.producer.history().isEmpty(), "nothing produced");
  }

  @Test
  void shouldRefuseAnAuditQueryWithoutAServiceOrWithABadTime() {
    GatewayFixture.Reply noService = gateway.get("/api/v1/audit");
    GatewayFixture.Reply badTime = gateway.get("/api/v1/audit?service=payments&from=yesterday");

    assertEquals(400, noService.status(), noService.body());
    assertEquals(400, badTime.status(), badTime.body());
  }

  @Test
  void shouldDeclareTheRoleOfEveryOperationAndKeepSecretsFromAnonymousCallers() {
    JsonObject paths = gateway.contract.document().getJsonObject("paths");
    Map<String, String> roles = new java.util.TreeMap<>();
    Map<String, Object> anonymous = new java.util.TreeMap<>();
    gateway.contract.operationsOf("openapi/anchor.yaml");
    paths.forEach(path -> {
      if (!path.getKey().startsWith("/api/v1/config/") && !path.getKey().startsWith("/api/v1/secrets")
          && !path.getKey().equals("/api/v1/audit")) {
        return;
      }
      ((JsonObject) path.getValue()).forEach(op -> {
        if (op.getValue() instanceof JsonObject operation && operation.containsKey("operationId")) {
          roles.put(operation.getString("operationId"), operation.getString("x-poseidon-role"));
          if (path.getKey().startsWith("/api/v1/secrets")) {
            anonymous.put(operation.getString("operationId"), operation.getValue("x-poseidon-anonymous"));
          }
          if (path.getKey().contains("{env}")) {
            assertEquals("path.service", operation.getString("x-poseidon-service"), operation.getString("operationId"));
            assertEquals("path.env", operation.getString("x-poseidon-environment"), operation.getString("operationId"));
          }
        }
      });
    });
    assertEquals(new java.util.TreeMap<>(Map.ofEntries(
        Map.entry("getConfig", "viewer"), Map.entry("getConfigVersion", "viewer"), Map.entry("getConfigHistory", "viewer"),
        Map.entry("getConfigDiff", "viewer"), Map.entry("putConfig", "developer"), Map.entry("rollbackConfig", "developer"),
        Map.entry("listSecrets", "operator"), Map.entry("getSecret", "operator"), Map.entry("putSecret", "admin"),
        Map.entry("revealSecret", "admin"), Map.entry("rotateMasterKey", "admin"), Map.entry("rotationStatus", "admin"),
        Map.entry("getAudit", "operator"))), roles);
    assertEquals("query.service", paths.getJsonObject("/api/v1/audit").getJsonObject("get")
        .getString("x-poseidon-service"), "a key limited to services reads their audit only");
    assertEquals(Map.of(false, 6L), anonymous.values().stream().collect(Collectors.groupingBy(v -> v, Collectors.counting())));
  }

  @Test
  void shouldRefuseToStartAnchorOnANodeWithoutItsMasterKeyFileNamingTheSetting() {
    io.poseidon.topology.config.ConfigSource config = io.poseidon.topology.config.ConfigSource.of(Map.of(
        "node.services", "depths,anchor", "anchor.master-keys.file", "/nonexistent/master-keys"));

    org.apache.kafka.common.config.ConfigException refused = org.junit.jupiter.api.Assertions.assertThrows(
        org.apache.kafka.common.config.ConfigException.class,
        () -> new AnchorRoutes(new RouteContext<>(null, null, () -> null, config, gateway.clock)));

    assertTrue(refused.getMessage().contains("anchor.master-keys.file"), refused.getMessage());
    assertTrue(refused.getMessage().contains("/nonexistent/master-keys"), refused.getMessage());
  }

  private GatewayFixture.Reply put(String path, Map<String, String> headers, String body) {
    Map<String, String> all = new java.util.HashMap<>(JSON);
    all.putAll(headers);
    return gateway.call(HttpMethod.PUT, path, all, body);
  }

  private static ConfigVersion version(int version, Map<String, String> values) {
    return ConfigVersion.newBuilder().setService("payments").setEnv("prod").setVersion(version).setValues(values)
        .setUpdatedBy("ada").setUpdatedAt(Instant.parse("2026-12-01T09:00:00Z")).setCommandId("c-" + version).build();
  }
}
