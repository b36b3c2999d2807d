package io.poseidon.topology.serde;

import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.config.IdOption;
import io.poseidon.topology.tracing.TraceparentSerializer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The one place where Avro serdes are made. Every producer, consumer and topology of Poseidon gets
 * its serdes here, so there is one wire format everywhere (docs/adr/0018-confluent-wire-format.md):
 * Apicurio Registry 2.x serdes writing Confluent's framing ({@code 0x00} + 4-byte registry content id
 * + Avro binary: {@link #framing()}), so any Confluent-compatible client reads Poseidon's records
 * through the registry's {@code /apis/ccompat/v7} API; SpecificRecord reader; schemas auto-registered
 * under the TopicIdStrategy ({@code <topic>-value}, the Confluent subject too). Values in the framing
 * of ADR 0002 ({@code 0x00} + 8-byte global id) are still read ({@link Framing}). The schema lookups
 * and Avro resolutions are cached per (topic, schema) and (writer id, reader type) ({@link SchemaCache}).
 *
 * <p>{@link #forTopologyTests()} gives serdes that need no registry (Avro single-object encoding,
 * which still rejects bytes that are not a record of the expected schema); it exists for
 * {@code TopologyTestDriver} tests only, where the registry is not what is being tested.
 */
public final class SerdeFactory {

  private final Map<String, Object> registryConfig;

  private SerdeFactory(Map<String, Object> registryConfig) {
    this.registryConfig = registryConfig;
  }

  /** Serdes backed by an Apicurio Registry at {@code registryUrl} (ending with /apis/registry/v2). */
  public static SerdeFactory apicurio(String registryUrl) {
    if (!registryUrl.endsWith("/apis/registry/v2")) {
      throw new IllegalArgumentException(
          "registry.url must be the Apicurio v2 API and end with /apis/registry/v2, got " + registryUrl);
    }
    return new SerdeFactory(wireFormat(registryUrl));
  }

  /** Registry-less serdes for TopologyTestDriver tests. */
  public static SerdeFactory forTopologyTests() {
    return new SerdeFactory(null);
  }

  /**
   * The one setting that defines how a value names its schema, for every Apicurio serde and converter
   * that reads or writes Poseidon's topics: the id in the payload, not in headers
   * ({@code apicurio.registry.headers.enabled=false}); 4 bytes, Confluent's layout
   * ({@code apicurio.registry.as-confluent=true}); the content id, which is the id the registry's
   * Confluent-compatible API serves ({@code apicurio.registry.use-id=contentId}).
   */
  public static Map<String, String> framing() {
    Map<String, String> framing = new LinkedHashMap<>();
    framing.put(SerdeConfig.ENABLE_HEADERS, "false");
    framing.put(SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, "true");
    framing.put(SerdeConfig.USE_ID, IdOption.contentId.name());
    return java.util.Collections.unmodifiableMap(framing);
  }

  /** The serde configuration of Poseidon's serdes: {@link #framing()}, the registry, auto-registration, generated classes. */
  public static Map<String, Object> wireFormat(String registryUrl) {
    Map<String, Object> config = new LinkedHashMap<>(framing());
    config.put(SerdeConfig.REGISTRY_URL, registryUrl);
    config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, true);
    config.put(AvroKafkaSerdeConfig.USE_SPECIFIC_AVRO_READER, true);
    return java.util.Collections.unmodifiableMap(config);
  }

  /** The Kafka Connect converter that reads (and writes) Poseidon's values. */
  public static final String CONNECT_CONVERTER = "io.apicurio.registry.utils.converter.AvroConverter";

  /**
   * What a Kafka Connect worker or connector sets to read Poseidon's values with Apicurio's
   * {@link #CONNECT_CONVERTER} ({@code apicurio-registry-utils-converter} 2.6): the converter class and
   * {@link #framing()} plus the registry, each under {@code value.converter.}; generic records (Connect
   * has no generated classes).
   *
   * @param registryUrl the Apicurio v2 API as the worker reaches it (…/apis/registry/v2)
   */
  public static Map<String, String> connectValueConverter(String registryUrl) {
    Map<String, String> config = new LinkedHashMap<>();
    config.put("value.converter", CONNECT_CONVERTER);
    config.put("value.converter." + SerdeConfig.REGISTRY_URL, registryUrl);
    framing().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> config.put("value.converter." + e.getKey(), e.getValue()));
    return java.util.Collections.unmodifiableMap(config);
  }

  public <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type) {
    return serde(type, false);
  }

  public <T extends SpecificRecord> Serde<T> keySerde(Class<T> type) {
    return serde(type, true);
  }

  public <T extends SpecificRecord> Serializer<T> valueSerializer(Class<T> type) {
    return valueSerde(type).serializer();
  }

  public <T extends SpecificRecord> Deserializer<T> valueDeserializer(Class<T> type) {
    return valueSerde(type).deserializer();
  }

  /**
   * One serializer for values of any generated record type (the gateway's producer writes several
   * event types). Same wire format as {@link #valueSerde}.
   */
  public Serializer<SpecificRecord> anyValueSerializer() {
    if (registryConfig == null) {
      Map<Class<?>, Serializer<SpecificRecord>> byType = new java.util.concurrent.ConcurrentHashMap<>();
      Serializer<SpecificRecord> any = (topic, value) -> value == null ? null : byType.computeIfAbsent(value.getClass(),
          c -> {
            @SuppressWarnings("unchecked")
            Serializer<SpecificRecord> s = (Serializer<SpecificRecord>) (Serializer<?>)
                singleObjectSerde((Class<SpecificRecord>) c).serializer();
            return s;
          }).serialize(topic, value);
      return new TraceparentSerializer<>(any);
    }
    AvroKafkaSerializer<SpecificRecord> serializer = new AvroKafkaSerializer<>();
    serializer.configure(registryConfig, false);
    return new TraceparentSerializer<>(new SchemaCache.CachingSerializer<>(serializer));
  }

  public static Serde<String> stringKeys() {
    return Serdes.String();
  }

  /**
   * A value serializer also writes the event's traceparent as the Kafka header {@code traceparent}
   * ({@link TraceparentSerializer}): the gateway's producer and every topology's sinks alike.
   */
  private <T extends SpecificRecord> Serde<T> serde(Class<T> type, boolean isKey) {
    Serde<T> serde = plainSerde(type, isKey);
    return isKey ? serde : Serdes.serdeFrom(new TraceparentSerializer<>(serde.serializer()), serde.deserializer());
  }

  private <T extends SpecificRecord> Serde<T> plainSerde(Class<T> type, boolean isKey) {
    if (registryConfig == null) {
      return singleObjectSerde(type);
    }
    AvroKafkaSerializer<T> serializer = new AvroKafkaSerializer<>();
    serializer.configure(registryConfig, isKey);
    AvroKafkaDeserializer<T> deserializer = new AvroKafkaDeserializer<>();
    deserializer.configure(registryConfig, isKey);
    return Serdes.serdeFrom(new SchemaCache.CachingSerializer<>(serializer),
        new SchemaCache.CachingDeserializer<>(type, deserializer));
  }

  /**
   * The schema id of bytes in Poseidon's wire format; rejects anything else with a reason a person can
   * act on.
   */
  static Framing.SchemaId checkWireFormat(Class<?> type, byte[] data) {
    Framing.SchemaId id = Framing.idOf(data);
    if (id == null || data.length <= id.bodyOffset()) {
      String first = data.length == 0 ? "nothing" : String.format("0x%02X", data[0]);
      throw new SerializationException("not a " + type.getSimpleName() + " in Poseidon's wire format (magic byte 0x00, "
          + "4-byte registry content id, Avro binary): " + data.length + " bytes starting with " + first
          + (data.length > 0 && (data[0] == '{' || data[0] == '[') ? " (JSON?)" : "")
          + ". Produce with a Confluent-compatible Avro serializer against the registry's /apis/ccompat/v7 API, or "
          + "Apicurio's with " + framing() + ".");
    }
    return id;
  }

  private static <T extends SpecificRecord> Serde<T> singleObjectSerde(Class<T> type) {
    SpecificData model = SpecificData.getForClass(type);
    var schema = model.getSchema(type);
    BinaryMessageEncoder<T> encoder = new BinaryMessageEncoder<>(model, schema);
    BinaryMessageDecoder<T> decoder = new BinaryMessageDecoder<>(model, schema);
    Serializer<T> serializer = (topic, value) -> {
      if (value == null) {
        return null;
      }
      try {
        ByteBuffer buffer = encoder.encode(value);
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
      } catch (IOException e) {
        throw new SerializationException("cannot encode " + type.getSimpleName(), e);
      }
    };
    Deserializer<T> deserializer = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return decoder.decode(bytes);
      } catch (IOException | RuntimeException e) {
        throw new SerializationException("not a " + type.getSimpleName() + " record: " + e.getMessage(), e);
      }
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
