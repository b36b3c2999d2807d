package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.delete;
import static io.poseidon.gateway.node.NodeFixture.get;
import static io.poseidon.gateway.node.NodeFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.processors.tide.TideTopics;
import io.poseidon.schemas.lighthouse.LogEvent;
import io.poseidon.schemas.lighthouse.LogLevel;
import io.poseidon.schemas.lighthouse.LogRecord;
import io.poseidon.schemas.lighthouse.MetricBatch;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.schemas.tide.ArchiveEvent;
import io.poseidon.schemas.tide.ArchivedRecord;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.serde.SerdeFactory;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * tide end to end as a user meets it: a routing rule put over HTTP, raw records ingested over HTTP
 * (JSON array and NDJSON), read back as typed Avro records from the topics they were routed to on the
 * real broker, the counters over HTTP; a poison record in tide.dlq with its reason; the generic publish.
 */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TideGatewayIT {

  private static final java.util.Map<String, String> ADMIN = java.util.Map.of("X-API-Key", NodeFixture.ADMIN_KEY);

  private TestStack stack;
  private Node node;
  private SerdeFactory serdes;

  @BeforeAll
  void startNode(TestStack stack) throws Exception {
    this.stack = stack;
    this.serdes = SerdeFactory.apicurio(stack.registryUrl());
    node = NodeFixture.start(stack, stack.uniqueName("node"), stack.uniqueName("tide") + "-",
        Map.of("node.services", "depths,tide"));
    until("node ready", Duration.ofSeconds(90), () -> get(node, "/ready").statusCode() == 200);
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void shouldRouteByARuleDeDuplicateDeadLetterAndCount() {
    String service = stack.uniqueName("payments");
    String ruleId = stack.uniqueName("payments-errors");
    HttpResponse<String> put = put("/api/v1/routing-rules/" + ruleId, "{\"priority\": 10, \"match\": {\"kind\": \"log\","
        + " \"attributes\": {\"service\": \"" + service + "\"}, \"payload\": {\"level\": \"ERROR\"}},"
        + " \"destination\": \"tide.archive\", \"continue\": false, \"set\": {\"team\": \"payments-core\"}}");
    assertEquals(202, put.statusCode(), put.body());
    assertEquals(true, new JsonObject(put.body()).getBoolean("applied"), "the rule is in this node's rule book");
    JsonArray rules = new JsonObject(get(node, "/api/v1/routing-rules").body()).getJsonArray("rules");
    assertTrue(rules.stream().map(JsonObject.class::cast).anyMatch(r -> r.getString("ruleId").equals(ruleId)
        && r.getJsonObject("match").getJsonObject("payload").getString("level").equals("ERROR")), rules.encode());

    // depths knows the instance: its metadata enriches what tide routes
    assertEquals(202, post(node, "/api/v1/services/" + service + "/instances",
        "{\"instanceId\": \"p-1\", \"host\": \"10.0.0.9\", \"port\": 8080, \"metadata\": {\"owner\": \"ana\"}}").statusCode());
    until("depths knows the instance", Duration.ofSeconds(30),
        () -> get(node, "/api/v1/services/" + service + "/instances/p-1").statusCode() == 200);

    String attrs = "\"attributes\": {\"service\": \"" + service + "\", \"instance\": \"p-1\"}";
    HttpResponse<String> batch = post(node, "/api/v1/ingest", "["
        + "{\"source\": \"fluent-bit\", \"kind\": \"log\", \"id\": \"l-1\", " + attrs + ", \"payload\": {\"level\": \"INFO\", \"message\": \"started\"}},"
        + "{\"source\": \"fluent-bit\", \"kind\": \"log\", \"id\": \"l-2\", " + attrs + ", \"payload\": {\"level\": \"WARN\", \"message\": \"slow\"}},"
        + "{\"source\": \"fluent-bit\", \"kind\": \"log\", \"id\": \"l-3\", " + attrs + ", \"payload\": {\"level\": \"ERROR\", \"message\": \"card declined\"}},"
        + "{\"source\": \"agent\", \"kind\": \"metric\", " + attrs + ", \"payload\": {\"points\": [{\"name\": \"http_requests\", \"value\": 12}, {\"name\": \"cpu\", \"value\": 0.4}]}},"
        + "{\"source\": \"agent\", \"kind\": \"metric\", " + attrs + ", \"payload\": {\"name\": \"http_requests\", \"value\": \"many\"}},"
        + "{\"kind\": \"log\", \"payload\": {}}"
        + "]");
    assertEquals(202, batch.statusCode(), batch.body());
    JsonObject answer = new JsonObject(batch.body());
    assertEquals(5, answer.getInteger("accepted"));
    JsonObject rejected = answer.getJsonArray("rejected").getJsonObject(0);
    assertEquals(5, rejected.getInteger("index"));
    assertEquals("source", rejected.getString("field"));

    // the same ERROR log again (same source and id), as NDJSON
    HttpResponse<String> again = ndjson("/api/v1/ingest", "{\"source\": \"fluent-bit\", \"kind\": \"log\", \"id\": \"l-3\", "
        + attrs + ", \"payload\": {\"level\": \"ERROR\", \"message\": \"card declined\"}}\n\nnot json\n");
    assertEquals(202, again.statusCode(), again.body());
    JsonObject againAnswer = new JsonObject(again.body());
    assertEquals(1, againAnswer.getInteger("accepted"));
    assertEquals(2, againAnswer.getJsonArray("rejected").getJsonObject(0).getInteger("index"), "the line number, from 0");

    List<LogRecord> logs = read(LighthouseTopics.LOGS.name(), 2, LogEvent.class, service).stream()
        .map(e -> (LogRecord) e.getPayload()).toList();
    // keyed by source/id on tide.ingest: records of different ids may cross partitions, so no order
    assertEquals(List.of("slow", "started"), logs.stream().map(LogRecord::getMessage).sorted().toList());
    LogRecord slow = logs.stream().filter(l -> l.getMessage().equals("slow")).findFirst().orElseThrow();
    assertEquals(LogLevel.WARN, slow.getLevel());
    assertEquals("p-1", slow.getInstance());

    List<ArchivedRecord> archived = read(TideTopics.ARCHIVE.name(), 1, ArchiveEvent.class, "fluent-bit").stream()
        .map(e -> (ArchivedRecord) e.getPayload()).filter(r -> service.equals(r.getAttributes().get("service"))).toList();
    assertEquals(1, archived.size(), "the ERROR log, once: its duplicate was dropped");
    assertEquals(ruleId, archived.get(0).getRoutedBy());
    assertEquals("payments-core", archived.get(0).getAttributes().get("team"), "the rule's set");

    MetricBatch metrics = (MetricBatch) read(LighthouseTopics.METRICS.name(), 1, MetricEvent.class, service).get(0)
        .getPayload();
    assertEquals(List.of("http_requests", "cpu"), metrics.getPoints().stream().map(p -> p.getName()).toList());
    assertEquals(12.0, metrics.getPoints().get(0).getValue());

    List<ConsumerRecord<byte[], byte[]>> dead = readRaw("tide.dlq", r -> new String(r.value(), StandardCharsets.UTF_8)
        .contains(service));
    assertEquals(1, dead.size(), "the metric without a numeric value");
    String reason = header(dead.get(0), DeadLetters.HEADER_REASON);
    assertTrue(reason.contains("numeric value"), reason);

    // depths' instance reached tide's global copy long ago (it was visible before the batch): a log now is enriched
    assertEquals(202, post(node, "/api/v1/ingest", "{\"source\": \"fluent-bit\", \"kind\": \"log\", \"id\": \"l-4\", "
        + attrs + ", \"payload\": {\"message\": \"enriched\"}}").statusCode());
    LogRecord enriched = read(LighthouseTopics.LOGS.name(), 3, LogEvent.class, service).stream()
        .map(e -> (LogRecord) e.getPayload()).filter(l -> l.getMessage().equals("enriched")).findFirst().orElseThrow();
    assertEquals("ana", enriched.getAttributes().get("owner"), "enriched from depths: " + enriched.getAttributes());
    assertEquals("10.0.0.9", enriched.getAttributes().get("instance.host"));
    assertEquals(LogLevel.INFO, enriched.getLevel(), "the default level");

    until("counters", Duration.ofSeconds(30), () -> {
      JsonObject stats = new JsonObject(get(node, "/api/v1/tide/stats").body());
      return stats.getJsonObject("byRule").getLong(ruleId, 0L) == 1 && stats.getLong("duplicates") >= 1
          && stats.getLong("deadLettered") >= 1;
    });
    JsonObject recent = new JsonObject(get(node, "/api/v1/tide/stats?window=5m").body());
    assertEquals(1L, recent.getJsonObject("byRule").getLong(ruleId));
    assertTrue(recent.getJsonObject("byDestination").getLong("lighthouse.logs") >= 2, recent.encode());
    assertEquals(0, recent.getJsonArray("unreachable").size());

    assertEquals(202, delete(node, "/api/v1/routing-rules/" + ruleId).statusCode());
    assertEquals(404, get(node, "/api/v1/routing-rules/" + ruleId).statusCode());
    assertEquals(404, delete(node, "/api/v1/routing-rules/" + ruleId).statusCode());
  }

  @Test
  void shouldRefuseABrokenBatchAndBadRulesProducingNothing() throws Exception {
    long before = endOffsets(TideTopics.INGEST.name());
    HttpResponse<String> broken = post(node, "/api/v1/ingest", "[{\"kind\": \"gossip\"}, {\"source\": \"x\"}]");
    assertEquals(400, broken.statusCode(), broken.body());
    String body = broken.body();
    assertTrue(body.contains("\"field\":\"[0].kind\"") && body.contains("\"field\":\"[1].kind\""), body);

    HttpResponse<String> badRegex = put("/api/v1/routing-rules/bad-regex", "{\"match\": {\"source\": {\"regex\": \"(\"}},"
        + " \"destination\": \"tide.archive\"}");
    assertEquals(400, badRegex.statusCode(), badRegex.body());
    assertTrue(badRegex.body().contains("match.source"), badRegex.body());
    HttpResponse<String> badDestination = put("/api/v1/routing-rules/bad-destination", "{\"destination\": \"nowhere\"}");
    assertEquals(400, badDestination.statusCode(), badDestination.body());
    assertTrue(badDestination.body().contains("destination"), badDestination.body());
    assertEquals(before, endOffsets(TideTopics.INGEST.name()), "a refused batch produces nothing");
  }

  @Test
  void shouldPublishToAPublicTopicAndRefuseUnknownAndInternalOnes() {
    // the generic publish is admin only (it bypasses every service's own checks)
    assertEquals(401, NodeFixture.call(node, "POST", "/api/v1/topics/tide.ingest/events", java.util.Map.of(
        "X-API-Key", "psk_0000000000000000_" + "A".repeat(43)), "{}").statusCode());
    assertEquals(404, NodeFixture.call(node, "POST", "/api/v1/topics/nope/events", ADMIN, "{}").statusCode());
    assertEquals(404, NodeFixture.call(node, "POST", "/api/v1/topics/tide.dlq/events", ADMIN, "{}").statusCode());
    assertEquals(404, NodeFixture.call(node, "POST", "/api/v1/topics/poseidon-tide-tide-dedup-store-changelog/events", ADMIN, "{}").statusCode());

    HttpResponse<String> invalid = NodeFixture.call(node, "POST", "/api/v1/topics/tide.ingest/events", ADMIN, "{\"payload\": {\"source\": 7}}");
    assertEquals(400, invalid.statusCode(), invalid.body());
    assertTrue(invalid.body().contains("payload.source"), invalid.body());

    String source = stack.uniqueName("script");
    HttpResponse<String> published = NodeFixture.call(node, "POST", "/api/v1/topics/tide.ingest/events?key=" + source, ADMIN,
        "{\"payload\": {\"source\": \"" + source + "\", \"kind\": \"EVENT\", \"payload\": \"{\\\"what\\\": \\\"hello\\\"}\"}}");
    assertEquals(202, published.statusCode(), published.body());
    JsonObject ack = new JsonObject(published.body());
    assertEquals("tide.RawEnvelope", ack.getString("type"));
    assertEquals("tide.ingest", ack.getJsonObject("position").getString("topic"));
    assertNotNull(ack.getJsonObject("position").getLong("offset"));

    List<ArchiveEvent> archived = read(TideTopics.ARCHIVE.name(), 1, ArchiveEvent.class, source);
    assertEquals("{\"what\": \"hello\"}", ((ArchivedRecord) archived.get(0).getPayload()).getPayload(),
        "an event kind goes to the archive by default");

    JsonArray topics = new JsonObject(get(node, "/api/v1/topics").body()).getJsonArray("topics");
    assertTrue(topics.stream().map(JsonObject.class::cast).anyMatch(t -> t.getString("name").equals("tide.ingest")));
    assertTrue(topics.stream().map(JsonObject.class::cast).noneMatch(t -> t.getString("name").endsWith(".dlq")));
  }

  private HttpResponse<String> put(String path, String body) {
    return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  private HttpResponse<String> ndjson(String path, String body) {
    return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/x-ndjson")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + node.httpPort() + path);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return NodeFixture.HTTP.send(request.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** {@code count} values of {@code topic} keyed {@code key}, from the start. */
  private <V extends SpecificRecord> List<V> read(String topic, int count, Class<V> type, String key) {
    Deserializer<V> values = serdes.valueDeserializer(type);
    List<V> out = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, stack.uniqueName("reader"),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), values)) {
      consumer.subscribe(List.of(topic));
      Instant deadline = Instant.now().plusSeconds(30);
      while (out.size() < count && Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(200))) {
          if (key.equals(r.key())) {
            out.add(r.value());
          }
        }
      }
      // anything more for this key within a moment would be a duplicate
      for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofSeconds(1))) {
        if (key.equals(r.key())) {
          out.add(r.value());
        }
      }
    }
    assertTrue(out.size() >= count, "records keyed " + key + " on " + topic + ": " + out.size());
    return out;
  }

  private List<ConsumerRecord<byte[], byte[]>> readRaw(String topic, Predicate<ConsumerRecord<byte[], byte[]>> wanted) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, stack.uniqueName("reader"),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      Instant deadline = Instant.now().plusSeconds(20);
      while (out.isEmpty() && Instant.now().isBefore(deadline)) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (wanted.test(r)) {
            out.add(r);
          }
        });
      }
    }
    return out;
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }

  private long endOffsets(String topic) throws Exception {
    try (Admin admin = Admin.create(stack.adminProperties())) {
      int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
      Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
      for (int p = 0; p < partitions; p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      return admin.listOffsets(request).all().get().values().stream().mapToLong(i -> i.offset()).sum();
    }
  }
}
