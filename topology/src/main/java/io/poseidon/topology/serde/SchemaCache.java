package io.poseidon.topology.serde;

import io.apicurio.registry.resolver.strategy.ArtifactReference;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Caches what the Apicurio 2.6 serdes recompute for every record: the schema lookup and id of a
 * (topic, schema) on write, the writer schema and Avro resolution of a (writer id, reader type) on
 * read. The Apicurio serdes still do the first record of each: registration (or lookup) in the
 * registry, the id in the wire format. After that a record costs one Avro encoding or decoding with
 * a cached {@code DatumWriter} / {@code DatumReader} (the 3.x serdes cache the same; Apicurio PR
 * #6940). The bytes are exactly what the Apicurio serdes write: {@code 0x00}, the 4-byte content id,
 * Avro binary ({@link Framing}); values in the legacy framing (8-byte global id) are read too.
 */
final class SchemaCache {

  private SchemaCache() {}

  /** Writes any generated record; the first record of each (topic, class) goes through Apicurio. */
  static final class CachingSerializer<T extends SpecificRecord> implements Serializer<T> {

    private record Writer(byte[] prefix, DatumWriter<SpecificRecord> datum) {}

    private final AvroKafkaSerializer<T> apicurio;
    private final Map<Class<?>, Map<String, Writer>> writers = new ConcurrentHashMap<>();
    private final ThreadLocal<BinaryEncoder> encoders = new ThreadLocal<>();

    CachingSerializer(AvroKafkaSerializer<T> apicurio) {
      this.apicurio = apicurio;
    }

    @Override
    public byte[] serialize(String topic, T value) {
      if (value == null) {
        return null;
      }
      Map<String, Writer> byTopic = writers.computeIfAbsent(value.getClass(), c -> new ConcurrentHashMap<>());
      Writer writer = byTopic.get(topic);
      if (writer == null) {
        byte[] first = apicurio.serialize(topic, value); // registers or looks up the schema, writes its id
        Schema schema = value.getSchema();
        Framing.SchemaId id = Framing.idOf(first);
        if (id == null || id.kind() != Framing.IdKind.CONTENT) {
          throw new SerializationException("the Apicurio serializer did not write Poseidon's framing (0x00 + 4-byte "
              + "content id) for " + topic + ": is it configured with SerdeFactory.framing()?");
        }
        byTopic.putIfAbsent(topic, new Writer(Arrays.copyOf(first, Framing.PREFIX),
            new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema))));
        return first;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(128);
      out.write(writer.prefix(), 0, Framing.PREFIX);
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, encoders.get());
      encoders.set(encoder);
      try {
        writer.datum().write(value, encoder);
        encoder.flush();
      } catch (IOException | RuntimeException e) {
        throw new SerializationException("cannot write a " + value.getClass().getSimpleName() + " to " + topic + ": "
            + e, e);
      }
      return out.toByteArray();
    }

    @Override
    public void close() {
      apicurio.close();
    }
  }

  /**
   * Reads records of one generated type; a writer schema is fetched from the registry once per id: by
   * content id (today's framing) or by global id (a value written before ADR 0018).
   */
  static final class CachingDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final Class<T> type;
    private final Schema readerSchema;
    private final AvroKafkaDeserializer<T> apicurio;
    private final Map<Long, DatumReader<T>> byContentId = new ConcurrentHashMap<>();
    private final Map<Long, DatumReader<T>> byGlobalId = new ConcurrentHashMap<>();
    private final ThreadLocal<BinaryDecoder> decoders = new ThreadLocal<>();

    CachingDeserializer(Class<T> type, AvroKafkaDeserializer<T> apicurio) {
      this.type = type;
      this.readerSchema = SpecificData.get().getSchema(type);
      this.apicurio = apicurio;
    }

    @Override
    public T deserialize(String topic, byte[] data) {
      if (data == null) {
        return null;
      }
      Framing.SchemaId id = SerdeFactory.checkWireFormat(type, data);
      DatumReader<T> reader = id.kind() == Framing.IdKind.CONTENT
          ? byContentId.computeIfAbsent(id.id(), i -> readerFor(id))
          : byGlobalId.computeIfAbsent(id.id(), i -> readerFor(id));
      int offset = id.bodyOffset();
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, offset, data.length - offset, decoders.get());
      decoders.set(decoder);
      try {
        return type.cast(reader.read(null, decoder));
      } catch (IOException | RuntimeException e) {
        throw new SerializationException("cannot read a " + type.getSimpleName() + " from " + topic
            + " (writer schema " + describe(id) + "): " + e, e);
      }
    }

    private static String describe(Framing.SchemaId id) {
      return (id.kind() == Framing.IdKind.CONTENT ? "content id " : "global id ") + id.id();
    }

    /** The writer schema of {@code id} resolved against this type's schema (schema evolution). */
    private DatumReader<T> readerFor(Framing.SchemaId id) {
      Schema writer;
      ArtifactReference reference = id.kind() == Framing.IdKind.CONTENT
          ? ArtifactReference.builder().contentId(id.id()).build()
          : ArtifactReference.fromGlobalId(id.id());
      try {
        writer = apicurio.getSchemaResolver().resolveSchemaByArtifactReference(reference)
            .getParsedSchema().getParsedSchema();
      } catch (RuntimeException e) {
        throw new SerializationException("cannot find writer schema " + describe(id) + " of a " + type.getSimpleName()
            + " in the registry: " + e, e);
      }
      return new SpecificDatumReader<>(writer, readerSchema, SpecificData.getForSchema(readerSchema));
    }

    @Override
    public void close() {
      apicurio.close();
    }
  }
}
