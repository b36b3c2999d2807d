package io.poseidon.processors.depths;

import io.poseidon.topology.catalog.TopicSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.poseidon.deploy.testing.Await.until;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.InstanceExpired;
import io.poseidon.schemas.depths.ServiceInstance;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.topology.catalog.TopicProvisioner;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.query.QueryResult;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.runtime.ServiceRuntime;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.streams.StreamsDefaults;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * depths on the real embedded broker and registry, with the production Streams settings
 * (exactly_once_v2, Apicurio serdes): records in, store answers, expiry out, poison to the DLQ.
 */
@ExtendWith(PoseidonStackExtension.class)
class DepthsTopologyIT {

  private final TestStack stack;
  private final String service;
  private ServiceRuntime runtime;
  private SerdeFactory serdes;
  private Path stateDir;

  DepthsTopologyIT(TestStack stack) {
    this.stack = stack;
    this.service = stack.uniqueName("svc");
  }

  @BeforeEach
  void start() throws Exception {
    stateDir = Files.createTempDirectory("depths-it-state");
    PoseidonConfig config = new PoseidonConfig(ConfigSource.of(Map.of(
        PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS, stack.bootstrapServers(),
        PoseidonConfig.REGISTRY_URL, stack.registryUrl(),
        PoseidonConfig.NODE_ID, "it",
        PoseidonConfig.STREAMS_APPLICATION_ID_PREFIX, stack.uniqueName("it") + "-",
        PoseidonConfig.STREAMS_STATE_DIR, stateDir.toString())));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
      new TopicProvisioner(admin, (short) 1, 0).ensure(new DepthsModule().topics(), Duration.ofSeconds(30));
    }
    serdes = SerdeFactory.apicurio(stack.registryUrl());
    DepthsConfig depths = new DepthsConfig(ConfigSource.of(Map.of(DepthsConfig.EXPIRY_SCAN_INTERVAL_MS, "200")));
    runtime = new ServiceRuntime("depths", DepthsTopology.build(serdes, depths, Clock.systemUTC()),
        StreamsDefaults.forService(config, "depths", "localhost:1"));
    runtime.start();
    until("depths RUNNING", Duration.ofSeconds(60), runtime::isRunning);
  }

  @AfterEach
  void stop() {
    runtime.close(Duration.ofSeconds(20));
  }

  @Test
  void shouldAnswerFromTheStoreAndExpireOnTheRealBroker() {
    produce(registration("i-1", 2));

    DepthsQueries queries = new DepthsQueries(new StoreQueries(runtime.streams(), new HostInfo("localhost", 1)),
        Clock.systemUTC());
    until("instance listed", Duration.ofSeconds(30), () -> localList(queries).size() == 1);
    assertEquals("i-1", localList(queries).get(0).getInstanceId());

    // no heartbeat: after the 2 s TTL the punctuator removes it and says so on instance-changes
    until("instance expired", Duration.ofSeconds(30), () -> localList(queries).isEmpty());
    List<InstanceEvent> changes = consume(DepthsTopics.INSTANCE_CHANGES.name(), 2,
        serdes.valueDeserializer(InstanceEvent.class));
    assertInstanceOf(ServiceRegistered.class, changes.get(0).getPayload());
    InstanceExpired expired = assertInstanceOf(InstanceExpired.class, changes.get(1).getPayload());
    assertEquals("i-1", expired.getInstanceId());
  }

  @Test
  void shouldSendAPoisonRecordToTheDeadLetterTopicUnderExactlyOnce() {
    try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      raw.send(new ProducerRecord<>(DepthsTopics.REGISTRATIONS.name(),
          service.getBytes(StandardCharsets.UTF_8), "{\"broken\":".getBytes(StandardCharsets.UTF_8)));
    }
    produce(registration("i-2", 60)); // the topology keeps going after the poison record

    List<ConsumerRecord<byte[], byte[]>> dead = consumeRecords(TopicSpec.deadLetterName(DepthsModule.NAME), 1,
        new ByteArrayDeserializer());
    ConsumerRecord<byte[], byte[]> letter = dead.get(0);
    assertEquals("{\"broken\":", new String(letter.value(), StandardCharsets.UTF_8));
    assertEquals("depths.registrations", DeadLetters.header(letter.headers(), DeadLetters.HEADER_TOPIC));
    assertEquals("deserialization", DeadLetters.header(letter.headers(), DeadLetters.HEADER_STAGE));
    assertNotNull(DeadLetters.header(letter.headers(), DeadLetters.HEADER_OFFSET));
    assertTrue(DeadLetters.header(letter.headers(), DeadLetters.HEADER_REASON).contains("SerializationException"));

    DepthsQueries queries = new DepthsQueries(new StoreQueries(runtime.streams(), new HostInfo("localhost", 1)),
        Clock.systemUTC());
    until("next record processed", Duration.ofSeconds(30), () -> localList(queries).size() == 1);
    assertTrue(runtime.isRunning());
  }

  // --- helpers -------------------------------------------------------------------------------

  private InstanceEvent registration(String id, int ttl) {
    return new InstanceEvent(EventMetas.first("depths.ServiceRegistered", "it", "it", null, Clock.systemUTC()),
        ServiceRegistered.newBuilder().setService(service).setInstanceId(id).setHost("10.0.0.7").setPort(8443)
            .setVersion("1.0.0").setMetadata(Map.of()).setTtlSeconds(ttl).build());
  }

  private void produce(InstanceEvent event) {
    try (KafkaProducer<String, InstanceEvent> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
        new StringSerializer(), serdes.valueSerializer(InstanceEvent.class))) {
      producer.send(new ProducerRecord<>(DepthsTopics.REGISTRATIONS.name(), service, event));
    }
  }

  private List<ServiceInstance> localList(DepthsQueries queries) {
    QueryResult<List<ServiceInstance>> result = queries.instances(service);
    return result instanceof QueryResult.Local<List<ServiceInstance>> local ? local.value() : List.of();
  }

  private <V> List<V> consume(String topic, int count, org.apache.kafka.common.serialization.Deserializer<V> values) {
    return consumeRecords(topic, count, values).stream().map(ConsumerRecord::value).toList();
  }

  /** Records of this test's service (keyed by it) from the start of {@code topic}, read_committed. */
  private <V> List<ConsumerRecord<byte[], V>> consumeRecords(String topic, int count,
      org.apache.kafka.common.serialization.Deserializer<V> values) {
    List<ConsumerRecord<byte[], V>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], V> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, stack.uniqueName("reader"),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), values)) {
      consumer.subscribe(List.of(topic));
      Instant deadline = Instant.now().plusSeconds(30);
      while (out.size() < count && Instant.now().isBefore(deadline)) {
        for (ConsumerRecord<byte[], V> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.key() != null && service.equals(new String(r.key(), StandardCharsets.UTF_8))) {
            out.add(r);
          }
        }
      }
    }
    assertEquals(count, out.size(), "records of " + service + " on " + topic);
    return out;
  }
}
