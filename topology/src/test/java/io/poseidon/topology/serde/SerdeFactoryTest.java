package io.poseidon.topology.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaSerdeConfig;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.topology.events.EventMetas;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class SerdeFactoryTest {

  private static final String TOPIC = "depths.registrations";
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-02T03:04:05.678Z"), ZoneOffset.UTC);

  static InstanceEvent registration() {
    return InstanceEvent.newBuilder()
        .setMeta(EventMetas.first("depths.ServiceRegistered", "gateway", "alice", null, CLOCK))
        .setPayload(ServiceRegistered.newBuilder()
            .setService("payments")
            .setInstanceId("payments-1")
            .setHost("10.0.0.1")
            .setPort(8443)
            .setVersion("1.2.3")
            .setMetadata(Map.of("zone", "eu-1"))
            .setTtlSeconds(30)
            .build())
        .build();
  }

  @Test
  void shouldRoundTripInstanceEventWithTopologyTestSerde() {
    // Given an event and the registry-less serde
    InstanceEvent event = registration();
    Serde<InstanceEvent> serde = SerdeFactory.forTopologyTests().valueSerde(InstanceEvent.class);

    // When it is written and read back
    byte[] bytes = serde.serializer().serialize(TOPIC, event);
    InstanceEvent read = serde.deserializer().deserialize(TOPIC, bytes);

    // Then it is the same event
    assertEquals(event, read);
    assertEquals("payments", ((ServiceRegistered) read.getPayload()).getService());
    assertEquals(read.getMeta().getEventId(), read.getMeta().getCorrelationId());
    assertNull(read.getMeta().getCausationId());
  }

  @Test
  void shouldMapNullToNullForTombstones() {
    Serde<InstanceEvent> serde = SerdeFactory.forTopologyTests().valueSerde(InstanceEvent.class);

    assertNull(serde.serializer().serialize(TOPIC, null));
    assertNull(serde.deserializer().deserialize(TOPIC, null));
  }

  @Test
  void shouldRejectGarbageBytesWithSerializationException() {
    // Given bytes that are no Avro record at all
    byte[] garbage = "definitely not avro".getBytes(StandardCharsets.UTF_8);
    Serde<InstanceEvent> serde = SerdeFactory.forTopologyTests().valueSerde(InstanceEvent.class);

    // When / Then reading fails as a serialization error naming the expected type
    SerializationException e = assertThrows(SerializationException.class,
        () -> serde.deserializer().deserialize(TOPIC, garbage));
    assertTrue(e.getMessage().contains("InstanceEvent"), e.getMessage());
  }

  @Test
  void shouldRejectRecordOfAnotherSchema() {
    // Given a valid single-object record of a different schema
    byte[] other = SerdeFactory.forTopologyTests().valueSerde(ServiceRegistered.class).serializer()
        .serialize(TOPIC, (ServiceRegistered) registration().getPayload());

    // When / Then reading it as an InstanceEvent fails
    assertThrows(SerializationException.class, () -> SerdeFactory.forTopologyTests()
        .valueDeserializer(InstanceEvent.class).deserialize(TOPIC, other));
  }

  @Test
  void shouldRejectRegistryUrlThatIsNotTheApicurioV2Api() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SerdeFactory.apicurio("http://localhost:8081/apis/registry/v3"));
    assertTrue(e.getMessage().contains("/apis/registry/v2"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> SerdeFactory.apicurio("http://localhost:8081"));
  }

  @Test
  void shouldAcceptApicurioV2Url() {
    assertNotNull(SerdeFactory.apicurio("http://registry:8080/apis/registry/v2"));
  }

  @Test
  void shouldDefineWireFormatWithConfluentFramingAndSpecificReader() {
    // When the wire format of a registry is asked for
    Map<String, Object> wire = SerdeFactory.wireFormat("http://registry:8080/apis/registry/v2");

    // Then the id goes in the payload (no headers) as Confluent's 4-byte content id, records are read
    // as generated classes, schemas are registered on first use
    assertEquals("false", wire.get(SerdeConfig.ENABLE_HEADERS));
    assertEquals("true", wire.get(SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER));
    assertEquals("contentId", wire.get(SerdeConfig.USE_ID));
    assertEquals(true, wire.get(AvroKafkaSerdeConfig.USE_SPECIFIC_AVRO_READER));
    assertEquals(true, wire.get(SerdeConfig.AUTO_REGISTER_ARTIFACT));
    assertEquals("http://registry:8080/apis/registry/v2", wire.get(SerdeConfig.REGISTRY_URL));
    assertEquals("apicurio.registry.headers.enabled", SerdeConfig.ENABLE_HEADERS);
  }

  @Test
  void shouldGiveKafkaConnectTheSameFramingUnderValueConverter() {
    // When a Connect worker asks how to read Poseidon's values
    Map<String, String> converter = SerdeFactory.connectValueConverter("http://registry:8080/apis/registry/v2");

    // Then it is Apicurio's AvroConverter with exactly the serdes' framing (the 2.6 property names)
    assertEquals(Map.of(
        "value.converter", "io.apicurio.registry.utils.converter.AvroConverter",
        "value.converter.apicurio.registry.url", "http://registry:8080/apis/registry/v2",
        "value.converter.apicurio.registry.headers.enabled", "false",
        "value.converter.apicurio.registry.as-confluent", "true",
        "value.converter.apicurio.registry.use-id", "contentId"), converter);
    SerdeFactory.framing().forEach((key, value) -> assertEquals(value, converter.get("value.converter." + key)));
  }

  @Test
  void shouldTellTheFramingAndTheLegacyFramingApart() {
    // Confluent framing: 0x00 + 4-byte content id
    Framing.SchemaId content = Framing.idOf(new byte[] {0, 0, 0, 0, 12, 2, 4});
    assertEquals(new Framing.SchemaId(12, Framing.IdKind.CONTENT, 5), content);
    // ADR 0002's framing: 0x00 + 8-byte global id (its first 4 bytes are 0 for any id a registry hands out)
    Framing.SchemaId global = Framing.idOf(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 7, 2, 4});
    assertEquals(new Framing.SchemaId(7, Framing.IdKind.GLOBAL, 9), global);
    assertNull(Framing.idOf(new byte[] {'{', '}', 0, 0, 1}));
    assertNull(Framing.idOf(new byte[] {0, 0, 0, 0, 0}), "content id 0 does not exist, too short for a global id");
  }

  @Test
  void shouldRejectBytesInNoFramingWithAReasonNamingIt() {
    org.apache.kafka.common.errors.SerializationException e = assertThrows(
        org.apache.kafka.common.errors.SerializationException.class,
        () -> SerdeFactory.checkWireFormat(InstanceEvent.class, "{\"json\":1}".getBytes()));
    assertTrue(e.getMessage().contains("4-byte registry content id") && e.getMessage().contains("(JSON?)"),
        e.getMessage());
  }

  @Test
  void shouldWriteOnlyTheSingleObjectEncodingWithoutRegistry() {
    // The test serde's bytes start with the Avro single-object marker C3 01, not the wire-format 0x00
    byte[] bytes = SerdeFactory.forTopologyTests().valueSerializer(InstanceEvent.class)
        .serialize(TOPIC, registration());

    assertArrayEquals(new byte[] {(byte) 0xC3, 0x01}, new byte[] {bytes[0], bytes[1]});
  }
}
