package io.poseidon.topology.serde;

import io.apicurio.registry.resolver.strategy.ArtifactReference;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * #6940). The bytes are exactly what the Apicurio serdes write: {@code 0x00}, the 8-byte global id,
 * Avro binary.
 */
final class SchemaCache {

  private static final int PREFIX = 1 + 8;

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
        byTopic.putIfAbsent(topic, new Writer(Arrays.copyOf(first, PREFIX),
            new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema))));
        return first;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream(128);
      out.write(writer.prefix(), 0, PREFIX);
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

  /** Reads records of one generated type; a writer schema is fetched from the registry once per id. */
  static final class CachingDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final Class<T> type;
    private final Schema readerSchema;
    private final AvroKafkaDeserializer<T> apicurio;
    private final Map<Long, DatumReader<T>> readers = new ConcurrentHashMap<>();
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
      SerdeFactory.checkWireFormat(type, data);
      long id = ByteBuffer.wrap(data, 1, 8).getLong();
      DatumReader<T> reader = readers.computeIfAbsent(id, this::readerFor);
      BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, PREFIX, data.length - PREFIX, decoders.get());
      decoders.set(decoder);
      try {
        return type.cast(reader.read(null, decoder));
      } catch (IOException | RuntimeException e) {
        throw new SerializationException("cannot read a " + type.getSimpleName() + " from " + topic
            + " (writer schema id " + id + "): " + e, e);
      }
    }

    /** The writer schema of {@code id} resolved against this type's schema (schema evolution). */
    private DatumReader<T> readerFor(long id) {
      Schema writer;
      try {
        writer = apicurio.getSchemaResolver().resolveSchemaByArtifactReference(ArtifactReference.fromGlobalId(id))
            .getParsedSchema().getParsedSchema();
      } catch (RuntimeException e) {
        throw new SerializationException("cannot find writer schema " + id + " of a " + type.getSimpleName()
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
