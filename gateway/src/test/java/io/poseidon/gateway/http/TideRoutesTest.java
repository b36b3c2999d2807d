package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.InstanceHeartbeat;
import io.poseidon.schemas.tide.IngestEvent;
import io.poseidon.schemas.tide.IngestKind;
import io.poseidon.schemas.tide.RawEnvelope;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * tide's routes and the generic publish over real HTTP against the real contract, with a MockProducer:
 * item-by-item validation of a batch in each of its three forms, what is produced (only the valid
 * items), the rule checks, and which topics can be published to.
 */
@ExtendWith(VertxExtension.class)
class TideRoutesTest {

  private static final Map<String, String> NDJSON = Map.of("Content-Type", "application/x-ndjson");
  private static final String LOG = "{\"source\":\"fluent-bit\",\"kind\":\"log\",\"id\":\"l-1\","
      + "\"time\":\"2026-12-01T09:59:00+01:00\",\"attributes\":{\"service\":\"payments\"},"
      + "\"payload\":{\"level\":\"ERROR\",\"message\":\"card declined\"}}";

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
  void shouldProduceEachValidItemOfABatchAndAnswerTheOthersAsRejected() {
    GatewayFixture.Reply reply = gateway.postJson("/api/v1/ingest", "[" + LOG + ","
        + "{\"source\":\"agent\",\"kind\":\"metric\",\"payload\":{\"name\":\"cpu\",\"value\":0.4}},"
        + "{\"source\":\"agent\",\"kind\":\"gossip\",\"payload\":{}},"
        + "{\"source\":\"agent\",\"kind\":\"log\",\"time\":\"yesterday\",\"payload\":{}},"
        + "{\"source\":\"\\u0007bell\",\"kind\":\"log\",\"payload\":{}}]");

    assertEquals(202, reply.status(), reply.body());
    assertEquals(2, reply.json().getInteger("accepted"));
    Map<Integer, String> rejected = reply.json().getJsonArray("rejected").stream().map(JsonObject.class::cast)
        .collect(Collectors.toMap(r -> r.getInteger("index"), r -> r.getString("field")));
    assertEquals(Map.of(2, "kind", 3, "time", 4, "source"), rejected);

    List<ProducerRecord<String, ?>> sent = List.copyOf(gateway.producer.history());
    assertEquals(2, sent.size(), "only the valid items");
    assertEquals("tide.ingest", sent.get(0).topic());
    assertEquals("fluent-bit/l-1", sent.get(0).key(), "keyed by source and id: duplicates meet on one partition");
    RawEnvelope log = (RawEnvelope) ((IngestEvent) sent.get(0).value()).getPayload();
    assertEquals(IngestKind.LOG, log.getKind());
    assertEquals(java.time.Instant.parse("2026-12-01T08:59:00Z"), log.getTime());
    assertEquals("payments", log.getAttributes().get("service"));
    assertEquals("card declined", new JsonObject(log.getPayload()).getString("message"));
    assertEquals("agent", sent.get(1).key(), "without an id: the source");
  }

  @Test
  void shouldReadNdjsonLineByLineAndRejectALineThatIsNotJson() {
    GatewayFixture.Reply reply = gateway.post("/api/v1/ingest", NDJSON, LOG + "\n\n{\"source\": \n" + LOG + "\n");

    assertEquals(202, reply.status(), reply.body());
    assertEquals(2, reply.json().getInteger("accepted"));
    JsonObject rejected = reply.json().getJsonArray("rejected").getJsonObject(0);
    assertEquals(2, rejected.getInteger("index"), "the line number, blank lines counted");
    assertEquals("line", rejected.getString("field"));
    assertTrue(rejected.getString("message").startsWith("is not valid JSON"), rejected.encode());
    assertEquals(2, gateway.producer.history().size());
  }

  @Test
  void shouldRejectAnNdjsonLineHoldingANulCharacterAndTakeTheOthers() {
    String nul = LOG.replace("\"message\":\"", "\"message\":\"a\\u0000b");
    GatewayFixture.Reply reply = gateway.post("/api/v1/ingest", NDJSON, LOG + "\n" + nul + "\n");

    assertEquals(202, reply.status(), reply.body());
    assertEquals(1, reply.json().getInteger("accepted"));
    JsonObject rejected = reply.json().getJsonArray("rejected").getJsonObject(0);
    assertEquals(1, rejected.getInteger("index"));
    assertTrue(rejected.getString("message").contains("payload.message: must not contain the NUL character"),
        rejected.encode());
    assertEquals(1, gateway.producer.history().size());
  }

  @Test
  void shouldAnswer400AndProduceNothingWhenNoItemIsValidOrTheBatchIsTooLarge() {
    GatewayFixture.Reply none = gateway.postJson("/api/v1/ingest", "[{\"kind\":\"log\"},{\"source\":\"x\"}]");
    assertEquals(400, none.status(), none.body());
    assertEquals("validation_failed", none.code());
    List<String> fields = none.json().getJsonArray("details").stream().map(d -> ((JsonObject) d).getString("field"))
        .toList();
    assertTrue(fields.containsAll(List.of("[0].source", "[1].kind")), fields.toString());

    String tooMany = IntStream.range(0, 1001).mapToObj(i -> "{}").collect(Collectors.joining(",", "[", "]"));
    assertEquals(400, gateway.postJson("/api/v1/ingest", tooMany).status());
    assertEquals(400, gateway.postJson("/api/v1/ingest", "[]").status());
    assertEquals(400, gateway.post("/api/v1/ingest", NDJSON, "\n\n").status());
    assertTrue(gateway.producer.history().isEmpty(), "nothing produced");
  }

  @Test
  void shouldTakeNdjsonOnlyWhereTheContractSaysSo() {
    GatewayFixture.Reply reply = gateway.post("/api/v1/services/payments/instances", NDJSON,
        "{\"instanceId\":\"i-1\",\"host\":\"h\",\"port\":1}\n");
    assertEquals(415, reply.status(), reply.body());
    assertTrue(reply.json().getString("message").contains("application/json"), reply.body());
    assertEquals(415, gateway.post("/api/v1/ingest", Map.of("Content-Type", "text/plain"), LOG).status());
    assertTrue(gateway.producer.history().isEmpty());
  }

  @Test
  void shouldRefuseARuleWithABadRegexAnUnknownDestinationOrAMalformedCondition() {
    Map<String, String> json = Map.of("Content-Type", "application/json");
    GatewayFixture.Reply regex = gateway.call(io.vertx.core.http.HttpMethod.PUT, "/api/v1/routing-rules/r-1", json,
        "{\"match\":{\"payload\":{\"path\":{\"regex\":\"[a-\"}}},\"destination\":\"tide.archive\"}");
    assertEquals(400, regex.status(), regex.body());
    assertEquals("match.payload.path", regex.json().getJsonArray("details").getJsonObject(0).getString("field"));

    GatewayFixture.Reply destination = gateway.call(io.vertx.core.http.HttpMethod.PUT, "/api/v1/routing-rules/r-1",
        json, "{\"destination\":\"depths.registrations\"}");
    assertEquals(400, destination.status(), destination.body());
    assertEquals("destination", destination.json().getJsonArray("details").getJsonObject(0).getString("field"));

    GatewayFixture.Reply condition = gateway.call(io.vertx.core.http.HttpMethod.PUT, "/api/v1/routing-rules/r-1",
        json, "{\"match\":{\"source\":{\"contains\":\"x\"}},\"destination\":\"tide.archive\"}");
    assertEquals(400, condition.status(), condition.body());
    assertTrue(gateway.producer.history().isEmpty());
  }

  @Test
  void shouldRefuseAStatsWindowThatIsNotADuration() {
    GatewayFixture.Reply reply = gateway.get("/api/v1/tide/stats?window=soon");
    assertEquals(400, reply.status(), reply.body());
    assertEquals("window", reply.json().getJsonArray("details").getJsonObject(0).getString("field"));
  }

  @Test
  void shouldPublishJsonToAPublicTopicAsItsAvroValueAndRefuseOthersWith404() {
    assertEquals(401, gateway.postJson("/api/v1/topics/tide.ingest/events", "{}").status(),
        "the generic publish bypasses every service's own checks: admins only, never anonymous");
    gateway.actAs(gateway.key("root", io.poseidon.gateway.http.auth.Role.ADMIN));
    assertEquals(404, gateway.postJson("/api/v1/topics/nope/events", "{}").status());
    GatewayFixture.Reply dlq = gateway.postJson("/api/v1/topics/tide.dlq/events", "{}");
    assertEquals(404, dlq.status());
    assertEquals("topic_not_found", dlq.code());
    assertEquals(404, gateway.postJson("/api/v1/topics/poseidon-depths-depths-instance-store-changelog/events", "{}")
        .status());

    GatewayFixture.Reply invalid = gateway.postJson("/api/v1/topics/tide.ingest/events",
        "{\"meta\":{},\"payload\":{\"source\":7,\"kind\":\"LOG\",\"payload\":\"{}\"}}");
    assertEquals(400, invalid.status(), invalid.body());
    List<String> fields = invalid.json().getJsonArray("details").stream().map(d -> ((JsonObject) d).getString("field"))
        .toList();
    assertTrue(fields.containsAll(List.of("meta", "payload.source")), fields.toString());

    GatewayFixture.Reply ambiguous = gateway.postJson("/api/v1/topics/depths.registrations/events?key=payments",
        "{\"payload\":{\"service\":\"payments\",\"instanceId\":\"i-1\"}}");
    assertEquals(400, ambiguous.status(), ambiguous.body());
    assertTrue(ambiguous.body().contains("fits several types"), ambiguous.body());
    assertTrue(gateway.producer.history().isEmpty(), "nothing produced");

    GatewayFixture.Reply named = gateway.postJson("/api/v1/topics/depths.registrations/events?key=payments",
        "{\"payload\":{\"InstanceHeartbeat\":{\"service\":\"payments\",\"instanceId\":\"i-1\"}}}");
    assertEquals(202, named.status(), named.body());
    assertEquals("depths.InstanceHeartbeat", named.json().getString("type"));
    assertEquals("depths.registrations", named.json().getJsonObject("position").getString("topic"));
    ProducerRecord<String, ?> sent = gateway.producer.history().get(0);
    assertEquals("payments", sent.key());
    InstanceEvent event = (InstanceEvent) sent.value();
    assertEquals("depths.InstanceHeartbeat", event.getMeta().getType());
    assertEquals("i-1", ((InstanceHeartbeat) event.getPayload()).getInstanceId());

    JsonArray topics = gateway.get("/api/v1/topics").json().getJsonArray("topics");
    assertTrue(topics.stream().map(JsonObject.class::cast).anyMatch(t -> t.getString("name").equals("tide.ingest")));
    assertTrue(topics.stream().map(JsonObject.class::cast).noneMatch(t -> t.getString("name").endsWith(".dlq")));
  }
}
