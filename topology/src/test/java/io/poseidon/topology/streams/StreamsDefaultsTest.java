package io.poseidon.topology.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.errors.DeadLetterDeserializationHandler;
import io.poseidon.topology.errors.DeadLetterProcessingHandler;
import io.poseidon.topology.errors.DeadLetterProductionHandler;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsDefaultsTest {

  private static PoseidonConfig config(Map<String, String> values) {
    return new PoseidonConfig(ConfigSource.of(values));
  }

  @Test
  void shouldRunEveryServiceWithExactlyOnceExplicitNamingAndDeadLetterHandlers() {
    // Given a node config with a custom application id prefix and brokers
    PoseidonConfig config = config(Map.of(
        PoseidonConfig.STREAMS_APPLICATION_ID_PREFIX, "acme-",
        PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, "broker-1:9092"));

    // When the Streams settings of depths are made
    Properties p = StreamsDefaults.forService(config, "depths", "node-1.internal:8080");

    // Then they carry the platform defaults
    assertEquals("acme-depths", p.get(StreamsConfig.APPLICATION_ID_CONFIG));
    assertEquals("node-1.internal:8080", p.get(StreamsConfig.APPLICATION_SERVER_CONFIG));
    assertEquals("broker-1:9092", p.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
    assertEquals(StreamsConfig.EXACTLY_ONCE_V2, p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    assertEquals(true, p.get(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG));
    assertEquals("depths.dlq", p.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG));
    assertEquals(DeadLetterDeserializationHandler.class,
        p.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG));
    assertEquals(DeadLetterProcessingHandler.class, p.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG));
    assertEquals(DeadLetterProductionHandler.class, p.get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG));
    assertEquals("all", p.get(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG)));
    assertEquals(true, p.get(StreamsConfig.producerPrefix(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)));
  }

  @Test
  void shouldUseDefaultPrefixForApplicationId() {
    assertEquals("poseidon-depths", StreamsDefaults.applicationId(config(Map.of()), "depths"));
  }

  @Test
  void shouldProduceSettingsThatStreamsAccepts() {
    // Given the defaults of a service
    Properties p = StreamsDefaults.forService(config(Map.of()), "depths", "localhost:8080");

    // When Streams parses them
    StreamsConfig streams = new StreamsConfig(p);

    // Then every value is valid and the guarantees hold
    assertEquals(StreamsConfig.EXACTLY_ONCE_V2, streams.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    assertEquals("depths.dlq", streams.getString(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG));
  }

  @Test
  void shouldPassExtraKafkaClientSettingsButKeepPlatformSettings() {
    // Given extra client settings in the kafka.* namespace
    PoseidonConfig config = config(Map.of(
        "kafka.security.protocol", "SASL_SSL",
        PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, "broker-1:9093"));

    // When
    Properties p = StreamsDefaults.forService(config, "depths", "localhost:8080");

    // Then the extra setting is passed and the typed brokers are used
    assertEquals("SASL_SSL", p.get("security.protocol"));
    assertEquals("broker-1:9093", p.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
  }

  @Test
  void shouldGiveTopologyTestsTheSameHandlersAndNaming() {
    Properties p = StreamsDefaults.forTopologyTest("depths");

    assertEquals("depths.dlq", p.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG));
    assertEquals(true, p.get(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG));
    assertEquals(DeadLetterDeserializationHandler.class,
        p.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG));
    assertEquals(DeadLetterProcessingHandler.class, p.get(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG));
    assertEquals(DeadLetterProductionHandler.class, p.get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG));
  }
}
