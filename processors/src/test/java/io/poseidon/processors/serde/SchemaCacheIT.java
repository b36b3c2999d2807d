package io.poseidon.processors.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.schemas.harbor.DeploymentCommand;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The serde factory's caches against the real registry: after the first record of a (topic, type)
 * the bytes are exactly what the Apicurio serializer writes, and a record written with an older
 * schema (another registry id) is read into today's class through Avro's resolution.
 */
@ExtendWith(PoseidonStackExtension.class)
class SchemaCacheIT {

  private static InstanceEvent registration(String instance) {
    return new InstanceEvent(EventMetas.first("depths.ServiceRegistered", "test", "ada", null, Clock.systemUTC()),
        ServiceRegistered.newBuilder().setService("payments").setInstanceId(instance).setHost("10.0.0.7").setPort(8443)
            .setTtlSeconds(30).setMetadata(Map.of("zone", "a")).build());
  }

  @Test
  void shouldWriteWhatApicurioWritesAndReadItBack(TestStack stack) {
    String topic = stack.uniqueName("cache") + ".events";
    SerdeFactory serdes = SerdeFactory.apicurio(stack.registryUrl());
    Serde<InstanceEvent> serde = serdes.valueSerde(InstanceEvent.class);
    AvroKafkaSerializer<InstanceEvent> apicurio = new AvroKafkaSerializer<>();
    apicurio.configure(SerdeFactory.wireFormat(stack.registryUrl()), false);

    List<InstanceEvent> events = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      events.add(registration("i-" + i));
    }
    for (InstanceEvent event : events) {
      byte[] cached = serde.serializer().serialize(topic, event);
      assertArrayEquals(apicurio.serialize(topic, event), cached, "same bytes as the Apicurio serializer");
      assertEquals(event, serde.deserializer().deserialize(topic, cached));
    }
    byte[] any = serdes.anyValueSerializer().serialize(topic, events.get(0));
    assertArrayEquals(apicurio.serialize(topic, events.get(0)), any);
  }

  @Test
  void shouldReadARecordWrittenWithAnOlderSchemaIntoTodaysClass(TestStack stack) {
    String topic = stack.uniqueName("evolution") + ".events";
    // an older InstanceEvent: ServiceRegistered without the metadata field (today's has it, default {})
    Schema old = withoutField(InstanceEvent.getClassSchema(), "ServiceRegistered", "metadata");
    Schema oldPayload = old.getField("payload").schema().getTypes().stream()
        .filter(s -> s.getName().equals("ServiceRegistered")).findFirst().orElseThrow();
    InstanceEvent today = registration("i-1");
    GenericRecord meta = toGeneric(today.getMeta(), old.getField("meta").schema());
    GenericRecord payload = new GenericRecordBuilder(oldPayload).set("service", "payments").set("instanceId", "i-1")
        .set("host", "10.0.0.7").set("port", 8443).set("version", null).set("ttlSeconds", 30).build();
    GenericRecord written = new GenericRecordBuilder(old).set("meta", meta).set("payload", payload).build();
    AvroKafkaSerializer<GenericRecord> olderBuild = new AvroKafkaSerializer<>();
    olderBuild.configure(SerdeFactory.wireFormat(stack.registryUrl()), false);
    byte[] bytes = olderBuild.serialize(topic, written);

    Serde<InstanceEvent> serde = SerdeFactory.apicurio(stack.registryUrl()).valueSerde(InstanceEvent.class);
    for (int i = 0; i < 3; i++) { // the resolution is cached after the first
      InstanceEvent read = serde.deserializer().deserialize(topic, bytes);
      ServiceRegistered registered = (ServiceRegistered) read.getPayload();
      assertEquals("i-1", registered.getInstanceId());
      assertEquals(Map.of(), registered.getMetadata(), "the field the old writer did not have: its default");
      assertEquals(today.getMeta().getEventId(), read.getMeta().getEventId());
    }
    SerializationException wrongType = assertThrows(SerializationException.class, () -> SerdeFactory
        .apicurio(stack.registryUrl()).valueSerde(DeploymentCommand.class).deserializer().deserialize(topic, bytes));
    assertTrue(wrongType.getMessage().contains("DeploymentCommand"), wrongType.getMessage());
  }

  /**
   * A value a node wrote before ADR 0018 (0x00 + 8-byte global id, on a user's dev stack or in a state
   * store's changelog) is still read, beside today's framing, by the same deserializer.
   */
  @Test
  void shouldReadAValueInTheLegacyGlobalIdFramingBesideTodaysFraming(TestStack stack) {
    String topic = stack.uniqueName("legacy") + ".events";
    AvroKafkaSerializer<InstanceEvent> before0018 = new AvroKafkaSerializer<>();
    before0018.configure(Map.of(io.apicurio.registry.serde.SerdeConfig.REGISTRY_URL, stack.registryUrl(),
        io.apicurio.registry.serde.SerdeConfig.AUTO_REGISTER_ARTIFACT, true,
        io.apicurio.registry.serde.SerdeConfig.ENABLE_HEADERS, false), false);
    InstanceEvent event = registration("i-legacy");
    byte[] legacy = before0018.serialize(topic, event);
    byte[] today = SerdeFactory.apicurio(stack.registryUrl()).valueSerializer(InstanceEvent.class).serialize(topic, event);
    assertEquals(io.poseidon.topology.serde.Framing.IdKind.GLOBAL,
        io.poseidon.topology.serde.Framing.idOf(legacy).kind(), "8-byte global id");
    assertEquals(io.poseidon.topology.serde.Framing.IdKind.CONTENT,
        io.poseidon.topology.serde.Framing.idOf(today).kind(), "4-byte content id");
    assertEquals(legacy.length - 4, today.length, "the same Avro body after a shorter id");

    Serde<InstanceEvent> serde = SerdeFactory.apicurio(stack.registryUrl()).valueSerde(InstanceEvent.class);
    for (int i = 0; i < 2; i++) { // cached after the first of each
      assertEquals(event, serde.deserializer().deserialize(topic, legacy));
      assertEquals(event, serde.deserializer().deserialize(topic, today));
    }
  }

  /** {@code envelope} with {@code field} left out of the payload branch named {@code record}. */
  private static Schema withoutField(Schema envelope, String record, String field) {
    List<Schema> branches = new ArrayList<>();
    for (Schema branch : envelope.getField("payload").schema().getTypes()) {
      if (branch.getName().equals(record)) {
        List<Schema.Field> kept = new ArrayList<>();
        branch.getFields().stream().filter(f -> !f.name().equals(field)).forEach(f -> kept.add(new Schema.Field(f, f.schema())));
        branches.add(Schema.createRecord(branch.getName(), branch.getDoc(), branch.getNamespace(), false, kept));
      } else {
        branches.add(branch);
      }
    }
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : envelope.getFields()) {
      fields.add(f.name().equals("payload") ? new Schema.Field(f.name(), Schema.createUnion(branches), f.doc())
          : new Schema.Field(f, f.schema()));
    }
    return Schema.createRecord(envelope.getName(), envelope.getDoc(), envelope.getNamespace(), false, fields);
  }

  private static GenericRecord toGeneric(org.apache.avro.specific.SpecificRecord specific, Schema schema) {
    GenericData.Record out = new GenericData.Record(schema);
    for (Schema.Field f : schema.getFields()) {
      Object value = specific.get(specific.getSchema().getField(f.name()).pos());
      out.put(f.name(), value instanceof java.time.Instant t ? t.toEpochMilli() : value);
    }
    return out;
  }
}
