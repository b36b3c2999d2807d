package io.poseidon.processors.depths;

import io.poseidon.topology.catalog.TopicSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.InstanceExpired;
import io.poseidon.schemas.depths.InstanceHeartbeat;
import io.poseidon.schemas.depths.ServiceDeregistered;
import io.poseidon.schemas.depths.ServiceInstance;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.streams.StreamsDefaults;
import io.poseidon.processors.testing.MutableClock;
import io.poseidon.processors.testing.TopologyHarness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** depths through TopologyTestDriver: the very topology the node runs, with registry-less serdes. */
class DepthsTopologyTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
  private static final Duration SCAN = Duration.ofSeconds(1);

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final Serde<InstanceEvent> events = serdes.valueSerde(InstanceEvent.class);
  private final MutableClock clock = new MutableClock(T0);
  private TopologyHarness harness;
  private TopologyTestDriver driver;
  private TestInputTopic<String, InstanceEvent> registrations;
  private TestInputTopic<byte[], byte[]> rawRegistrations;
  private TestOutputTopic<String, InstanceEvent> changes;
  private TestOutputTopic<byte[], byte[]> deadLetters;
  private KeyValueStore<String, ServiceInstance> store;

  @BeforeEach
  void start() {
    DepthsConfig config = new DepthsConfig(ConfigSource.of(Map.of(
        DepthsConfig.EXPIRY_SCAN_INTERVAL_MS, Long.toString(SCAN.toMillis()))));
    harness = new TopologyHarness(DepthsModule.NAME, () -> DepthsTopology.build(serdes, config, clock), clock);
    driver = harness.driver();
    registrations = harness.input(DepthsTopics.REGISTRATIONS, InstanceEvent.class);
    rawRegistrations = harness.rawInput(DepthsTopics.REGISTRATIONS);
    changes = harness.output(DepthsTopics.INSTANCE_CHANGES, InstanceEvent.class);
    deadLetters = harness.deadLetters();
    store = driver.getKeyValueStore(DepthsTopology.INSTANCE_STORE);
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  @Test
  void shouldListARegisteredInstanceAndAnnounceIt() {
    send("payments", registered("payments", "i-1", 30));

    ServiceInstance instance = store.get("payments/i-1");
    assertNotNull(instance);
    assertEquals("10.0.0.7", instance.getHost());
    assertEquals(8443, instance.getPort());
    assertEquals("1.4.2", instance.getVersion());
    assertEquals(Map.of("zone", "a"), instance.getMetadata());
    assertEquals(T0.plusSeconds(30), instance.getExpiresAt());

    TestRecord<String, InstanceEvent> change = changes.readRecord();
    assertEquals("payments", change.key());
    assertEquals("depths.ServiceRegistered", change.value().getMeta().getType());
    assertEquals("depths", change.value().getMeta().getSource());
    assertInstanceOf(ServiceRegistered.class, change.value().getPayload());
    assertTrue(changes.isEmpty());
  }

  @Test
  void shouldKeepTheCorrelationIdAndPointCausationAtTheCommand() {
    InstanceEvent command = registered("payments", "i-1", 30);
    send("payments", command);

    EventMeta meta = changes.readValue().getMeta();
    assertEquals(command.getMeta().getCorrelationId(), meta.getCorrelationId());
    assertEquals(command.getMeta().getEventId(), meta.getCausationId());
  }

  @Test
  void shouldPushExpiryForwardOnHeartbeat() {
    send("payments", registered("payments", "i-1", 30));
    changes.readRecordsToList();

    advance(Duration.ofSeconds(20));
    send("payments", heartbeat("payments", "i-1"));
    advance(Duration.ofSeconds(20)); // 40 s after registration, 20 s after the heartbeat

    ServiceInstance instance = store.get("payments/i-1");
    assertNotNull(instance, "a heartbeat within the TTL keeps the instance");
    assertEquals(T0.plusSeconds(50), instance.getExpiresAt());
    assertTrue(changes.isEmpty(), "heartbeats are not repeated on instance-changes");
  }

  @Test
  void shouldExpireAnInstanceWithoutHeartbeatsAndAnnounceIt() {
    send("payments", registered("payments", "i-1", 30));
    send("payments", registered("payments", "i-2", 90));
    changes.readRecordsToList();

    advance(Duration.ofSeconds(31));

    assertNull(store.get("payments/i-1"));
    assertNotNull(store.get("payments/i-2"), "an instance within its TTL stays");
    List<InstanceEvent> out = changes.readValuesToList();
    assertEquals(1, out.size());
    InstanceExpired expired = assertInstanceOf(InstanceExpired.class, out.get(0).getPayload());
    assertEquals("i-1", expired.getInstanceId());
    assertEquals(T0, expired.getLastSeenAt());
    assertEquals("depths.InstanceExpired", out.get(0).getMeta().getType());
  }

  @Test
  void shouldNotExpireTwiceOrExpireAfterReRegistration() {
    send("payments", registered("payments", "i-1", 10));
    advance(Duration.ofSeconds(11));
    send("payments", registered("payments", "i-1", 10));
    changes.readRecordsToList();

    advance(Duration.ofSeconds(5));

    assertNotNull(store.get("payments/i-1"), "a re-registered instance gets a fresh TTL");
    assertTrue(changes.isEmpty());
  }

  @Test
  void shouldRemoveADeregisteredInstanceAndCancelItsExpiry() {
    send("payments", registered("payments", "i-1", 30));
    send("payments", deregistered("payments", "i-1"));

    assertNull(store.get("payments/i-1"));
    List<InstanceEvent> out = changes.readValuesToList();
    assertEquals(2, out.size());
    assertInstanceOf(ServiceDeregistered.class, out.get(1).getPayload());

    advance(Duration.ofSeconds(60));
    assertTrue(changes.isEmpty(), "no expiry for a deregistered instance");
  }

  @Test
  void shouldApplyARedeliveredRegistrationOnlyOnce() {
    InstanceEvent registration = registered("payments", "i-1", 30);
    send("payments", registration);
    send("payments", registration);

    assertEquals(1, changes.readValuesToList().size());
  }

  @Test
  void shouldIgnoreAHeartbeatOfAnUnknownInstance() {
    send("payments", heartbeat("payments", "ghost"));

    assertNull(store.get("payments/ghost"));
    assertTrue(changes.isEmpty());
    assertTrue(deadLetters.isEmpty(), "a late heartbeat is not a bad record");
  }

  @Test
  void shouldSendAPoisonRecordToTheDeadLetterTopicAndKeepRunning() {
    byte[] poison = "{\"broken\":".getBytes(StandardCharsets.UTF_8);
    rawRegistrations.pipeInput("payments".getBytes(StandardCharsets.UTF_8), poison);
    send("payments", registered("payments", "i-1", 30));

    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertEquals("{\"broken\":", new String(dead.value(), StandardCharsets.UTF_8), "original bytes kept");
    assertEquals("depths.registrations", DeadLetters.header(dead.headers(), DeadLetters.HEADER_TOPIC));
    assertEquals("0", DeadLetters.header(dead.headers(), DeadLetters.HEADER_OFFSET));
    assertEquals("deserialization", DeadLetters.header(dead.headers(), DeadLetters.HEADER_STAGE));
    assertNotNull(DeadLetters.header(dead.headers(), DeadLetters.HEADER_REASON));
    assertNotNull(store.get("payments/i-1"), "the next record is still processed");
  }

  @Test
  void shouldRejectAnInvalidRegistrationWithItsReason() {
    InstanceEvent bad = registered("payments", "i-1", 30);
    ((ServiceRegistered) bad.getPayload()).put("port", 70000);
    send("payments", bad);

    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertEquals("processing", DeadLetters.header(dead.headers(), DeadLetters.HEADER_STAGE));
    assertTrue(DeadLetters.header(dead.headers(), DeadLetters.HEADER_REASON).contains("port must be 1-65535"));
    assertNull(store.get("payments/i-1"));
    assertTrue(changes.isEmpty());
  }

  @Test
  void shouldRejectAnEventKeyedByAnotherService() {
    send("checkout", registered("payments", "i-1", 30));

    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertTrue(DeadLetters.header(dead.headers(), DeadLetters.HEADER_REASON).contains("must be the service name"));
    assertNull(store.get("payments/i-1"));
  }

  // --- helpers -------------------------------------------------------------------------------

  private void send(String key, InstanceEvent event) {
    registrations.pipeInput(key, event, event.getMeta().getTime());
  }

  private void advance(Duration d) {
    harness.advance(d);
  }

  private InstanceEvent registered(String service, String id, int ttl) {
    return new InstanceEvent(meta("depths.ServiceRegistered"), ServiceRegistered.newBuilder()
        .setService(service).setInstanceId(id).setHost("10.0.0.7").setPort(8443).setVersion("1.4.2")
        .setMetadata(Map.of("zone", "a")).setTtlSeconds(ttl).build());
  }

  private InstanceEvent heartbeat(String service, String id) {
    return new InstanceEvent(meta("depths.InstanceHeartbeat"),
        InstanceHeartbeat.newBuilder().setService(service).setInstanceId(id).build());
  }

  private InstanceEvent deregistered(String service, String id) {
    return new InstanceEvent(meta("depths.ServiceDeregistered"),
        ServiceDeregistered.newBuilder().setService(service).setInstanceId(id).setReason("scale-in").build());
  }

  private EventMeta meta(String type) {
    return EventMetas.first(type, "test", "ada", null, clock);
  }
}
