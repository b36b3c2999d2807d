package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.get;
import static io.poseidon.gateway.node.NodeFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apicurio.registry.utils.converter.AvroConverter;
import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.topology.serde.SerdeFactory;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * docs/adr/0018: a record the gateway produced is read by clients that are not Poseidon's. A
 * Confluent-style reader — the framing (magic byte, 4-byte id) and the registry's Confluent-compatible
 * API ({@code GET /apis/ccompat/v7/schemas/ids/{id}}), which is all Confluent's KafkaAvroDeserializer,
 * kcat, AKHQ, ksqlDB or Flink do — and Apicurio's Kafka Connect {@link AvroConverter} configured as
 * the sinks are ({@link SerdeFactory#connectValueConverter}).
 */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfluentWireFormatIT {

  private TestStack stack;
  private Node node;

  @BeforeAll
  void startNode(TestStack stack) throws Exception {
    this.stack = stack;
    node = NodeFixture.start(stack, stack.uniqueName("node"), stack.uniqueName("wire") + "-");
    until("node ready", Duration.ofSeconds(90), () -> get(node, "/ready").statusCode() == 200);
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void shouldLetAConfluentClientAndTheConnectConverterReadWhatTheGatewayProduced() throws Exception {
    // Given a registration the gateway produced
    String service = stack.uniqueName("interop");
    HttpResponse<String> accepted = post(node, "/api/v1/services/" + service + "/instances",
        "{\"instanceId\":\"i-1\",\"host\":\"10.0.0.7\",\"port\":8443,\"version\":\"1.4.2\",\"ttlSeconds\":30}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    JsonObject position = new JsonObject(accepted.body()).getJsonObject("position");
    String eventId = new JsonObject(accepted.body()).getString("eventId");
    byte[] value = read(position.getString("topic"), position.getInteger("partition"), position.getLong("offset"));

    // Then its bytes are Confluent's framing: magic byte 0, a 4-byte schema id, Avro
    assertEquals(0, value[0], "magic byte");
    int id = ByteBuffer.wrap(value, 1, 4).getInt();
    assertTrue(id > 0, "a 4-byte schema id, got " + id);

    // And a Confluent client finds that id under the topic's subject and reads the record with its schema
    String ccompat = stack.registryUrl().replace("/apis/registry/v2", "/apis/ccompat/v7");
    JsonObject latest = new JsonObject(http(ccompat + "/subjects/" + DepthsTopics.REGISTRATIONS.name()
        + "-value/versions/latest"));
    assertEquals(id, latest.getInteger("id"), "the subject's latest id is the record's id: " + latest);
    Schema writer = new Schema.Parser().parse(new JsonObject(http(ccompat + "/schemas/ids/" + id)).getString("schema"));
    GenericRecord record = new GenericDatumReader<GenericRecord>(writer).read(null,
        DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
    GenericRecord payload = (GenericRecord) record.get("payload");
    assertEquals("ServiceRegistered", payload.getSchema().getName());
    assertEquals(service, payload.get("service").toString());
    assertEquals("i-1", payload.get("instanceId").toString());
    assertEquals(8443, payload.get("port"));
    assertEquals(eventId, ((GenericRecord) record.get("meta")).get("eventId").toString());

    // And Kafka Connect's Apicurio converter, configured as the sinks are, turns it into a Struct
    Map<String, Object> converterConfig = new HashMap<>();
    SerdeFactory.connectValueConverter(stack.registryUrl()).forEach((key, v) -> {
      if (key.startsWith("value.converter.")) {
        converterConfig.put(key.substring("value.converter.".length()), v);
      }
    });
    try (AvroConverter<Object> converter = new AvroConverter<>()) {
      converter.configure(converterConfig, false);
      SchemaAndValue converted = converter.toConnectData(position.getString("topic"), value);
      Struct struct = (Struct) converted.value();
      assertNotNull(struct, "converted value");
      Struct connectPayload = struct.getStruct("payload");
      assertNotNull(connectPayload, "payload: " + struct);
      assertEquals("i-1", findField(connectPayload, "instanceId"), struct.toString());
      assertEquals(eventId, struct.getStruct("meta").getString("eventId"));
    }
  }

  /** A union payload becomes a struct with one field per branch in Connect; the ServiceRegistered branch has it. */
  private static Object findField(Struct union, String field) {
    if (union.schema().field(field) != null) {
      return union.get(field);
    }
    for (org.apache.kafka.connect.data.Field branch : union.schema().fields()) {
      Object v = union.get(branch);
      if (v instanceof Struct s && s.schema().field(field) != null) {
        return s.get(field);
      }
    }
    return null;
  }

  private byte[] read(String topic, int partition, long offset) {
    Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, partition);
      consumer.assign(List.of(tp));
      consumer.seek(tp, offset);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (r.offset() == offset) {
            return Objects.requireNonNull(r.value());
          }
        }
      }
    }
    throw new AssertionError("no record at " + topic + "-" + partition + "@" + offset);
  }

  private static String http(String url) throws IOException, InterruptedException {
    HttpResponse<String> response = NodeFixture.HTTP.send(HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), url + ": " + response.body());
    return response.body();
  }
}
