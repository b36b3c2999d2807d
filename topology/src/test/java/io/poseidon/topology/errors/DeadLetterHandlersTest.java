package io.poseidon.topology.errors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.InstanceHeartbeat;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.streams.StreamsDefaults;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The three dead-letter handlers, driven through a real (tiny) topology in TopologyTestDriver with
 * the settings services use in their topology tests ({@link StreamsDefaults#forTopologyTest}).
 *
 * <p>TopologyTestDriver 4.3.1 does hand the dead-letter records the handlers return to its
 * producer, so they can be read from {@code depths.dlq} like any output, with one exception: under
 * exactly_once_v2, a dead letter produced while a record is <em>deserialized</em> is written into a
 * transaction the driver has not committed yet, and the driver's {@code MockProducer.clear()} (run
 * when it captures outputs) drops uncommitted sends, so that record never shows up. The
 * deserialization case therefore runs the same settings with at_least_once;
 * {@link DeadLettersTest} checks the deserialization handler's output directly as well.
 */
class DeadLetterHandlersTest {

  private static final String INPUT = "depths.registrations";
  private static final String OUTPUT = "depths.instance-changes";
  private static final String DLQ = "depths.dlq";
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-02T03:04:05Z"), ZoneOffset.UTC);

  private final Serde<InstanceEvent> events = SerdeFactory.forTopologyTests().valueSerde(InstanceEvent.class);
  private TopologyTestDriver driver;
  private TestInputTopic<String, InstanceEvent> input;
  private TestInputTopic<byte[], byte[]> rawInput;
  private TestOutputTopic<String, InstanceEvent> output;
  private TestOutputTopic<byte[], byte[]> deadLetters;

  /**
   * Passes registrations on; rejects a registration with an invalid port (a readable record that
   * must not be applied); sends heartbeats of service "unwritable" to a sink whose serializer fails.
   */
  static class CheckRegistration implements Processor<String, InstanceEvent, String, InstanceEvent> {
    private ProcessorContext<String, InstanceEvent> context;

    @Override
    public void init(ProcessorContext<String, InstanceEvent> context) {
      this.context = context;
    }

    @Override
    public void process(Record<String, InstanceEvent> record) {
      if (record.value().getPayload() instanceof ServiceRegistered r && (r.getPort() < 1 || r.getPort() > 65535)) {
        throw new RejectedRecordException("port out of range: " + r.getPort());
      }
      if (record.value().getPayload() instanceof InstanceHeartbeat h && h.getService().equals("unwritable")) {
        context.forward(record, "unwritable-sink");
        return;
      }
      context.forward(record, "instance-changes-sink");
    }
  }

  static Topology topology(Serde<InstanceEvent> events) {
    Serializer<InstanceEvent> failing = (topic, value) -> {
      throw new SerializationException("cannot write " + topic);
    };
    Topology topology = new Topology();
    topology.addSource("registrations-source", new StringDeserializer(), events.deserializer(), INPUT);
    topology.addProcessor("check-registration", CheckRegistration::new, "registrations-source");
    topology.addSink("instance-changes-sink", OUTPUT, new StringSerializer(), events.serializer(),
        "check-registration");
    topology.addSink("unwritable-sink", "depths.unwritable", new StringSerializer(), failing, "check-registration");
    return topology;
  }

  static InstanceEvent registration(String service, int port) {
    return InstanceEvent.newBuilder()
        .setMeta(EventMetas.first("depths.ServiceRegistered", "gateway", "alice", null, CLOCK))
        .setPayload(ServiceRegistered.newBuilder()
            .setService(service).setInstanceId(service + "-1").setHost("10.0.0.1").setPort(port)
            .setVersion(null).setMetadata(Map.of()).setTtlSeconds(30).build())
        .build();
  }

  static InstanceEvent heartbeat(String service) {
    return InstanceEvent.newBuilder()
        .setMeta(EventMetas.first("depths.InstanceHeartbeat", "gateway", "alice", null, CLOCK))
        .setPayload(InstanceHeartbeat.newBuilder().setService(service).setInstanceId(service + "-1").build())
        .build();
  }

  private static String header(TestRecord<?, ?> record, String name) {
    return DeadLetters.header(record.headers(), name);
  }

  @BeforeEach
  void startDriver() {
    startDriver(StreamsDefaults.forTopologyTest("depths"));
  }

  private void startDriver(Properties settings) {
    if (driver != null) {
      driver.close();
    }
    driver = new TopologyTestDriver(topology(events), settings);
    input = driver.createInputTopic(INPUT, new StringSerializer(), events.serializer());
    rawInput = driver.createInputTopic(INPUT, new ByteArraySerializer(), new ByteArraySerializer());
    output = driver.createOutputTopic(OUTPUT, new StringDeserializer(), events.deserializer());
    deadLetters = driver.createOutputTopic(DLQ, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void closeDriver() {
    driver.close();
  }

  @Test
  void shouldSendUnreadableRecordToDeadLetterTopicAndKeepRunning() {
    // Given the topology-test settings (at_least_once: see the class comment for why)
    startDriver(StreamsDefaults.forTopologyTest("depths"));

    // And bytes on the input topic that are no InstanceEvent, followed by a good registration
    byte[] key = "payments".getBytes(StandardCharsets.UTF_8);
    byte[] garbage = "not an event".getBytes(StandardCharsets.UTF_8);
    InstanceEvent good = registration("payments", 8443);

    // When both are piped
    rawInput.pipeInput(key, garbage);
    input.pipeInput("payments", good);

    // Then the original bytes are on the dead-letter topic, with where and why in headers
    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertArrayEquals(key, dead.key());
    assertArrayEquals(garbage, dead.value());
    assertEquals(INPUT, header(dead, DeadLetters.HEADER_TOPIC));
    assertEquals("0", header(dead, DeadLetters.HEADER_PARTITION));
    assertEquals("0", header(dead, DeadLetters.HEADER_OFFSET));
    assertEquals(SerializationException.class.getName(), header(dead, DeadLetters.HEADER_EXCEPTION));
    assertEquals("deserialization", header(dead, DeadLetters.HEADER_STAGE));
    assertEquals("test-depths", header(dead, DeadLetters.HEADER_APPLICATION));
    assertTrue(header(dead, DeadLetters.HEADER_REASON).startsWith("SerializationException: "),
        header(dead, DeadLetters.HEADER_REASON));
    assertNotNull(header(dead, DeadLetters.HEADER_STACKTRACE));
    assertNull(header(dead, DeadLetters.HEADER_SCHEMA_ID), "garbage is not in the registry wire format");
    assertTrue(deadLetters.isEmpty());

    // And the next good record is still processed
    assertEquals(List.of(good), output.readValuesToList());
  }

  @Test
  void shouldSendRejectedRecordToDeadLetterTopicWithReasonAndKeepRunning() {
    // Given a registration with an impossible port, followed by a good one
    InstanceEvent bad = registration("payments", 0);
    InstanceEvent good = registration("checkout", 443);

    // When both are piped
    input.pipeInput("payments", bad);
    input.pipeInput("checkout", good);

    // Then the rejected record's original bytes are on the dead-letter topic with the reason
    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertArrayEquals("payments".getBytes(StandardCharsets.UTF_8), dead.key());
    assertEquals(bad, events.deserializer().deserialize(INPUT, dead.value()));
    assertEquals("processing", header(dead, DeadLetters.HEADER_STAGE));
    assertEquals("RejectedRecordException: port out of range: 0", header(dead, DeadLetters.HEADER_REASON));
    assertEquals(RejectedRecordException.class.getName(), header(dead, DeadLetters.HEADER_EXCEPTION));
    assertEquals(INPUT, header(dead, DeadLetters.HEADER_TOPIC));
    assertEquals("0", header(dead, DeadLetters.HEADER_OFFSET));
    assertTrue(deadLetters.isEmpty());

    // And the good record went through
    List<TestRecord<String, InstanceEvent>> passed = output.readRecordsToList();
    assertEquals(1, passed.size());
    assertEquals("checkout", passed.get(0).key());
    assertEquals(good, passed.get(0).value());
  }

  @Test
  void shouldKeepOriginalHeadersOnDeadLetter() {
    // Given a rejected record that carries a trace header
    Headers headers = new org.apache.kafka.common.header.internals.RecordHeaders()
        .add("traceparent", "00-abc-def-01".getBytes(StandardCharsets.UTF_8));

    // When it is piped
    input.pipeInput(new TestRecord<>("payments", registration("payments", 70000), headers, Instant.EPOCH));

    // Then the dead letter still carries it, so a re-drive can put it back as it was
    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertEquals("00-abc-def-01", header(dead, "traceparent"));
    assertEquals("processing", header(dead, DeadLetters.HEADER_STAGE));
  }

  @Test
  void shouldSendInputOfUnwritableOutputToDeadLetterTopicAndKeepRunning() {
    // Given a heartbeat the topology cannot write out, followed by a good registration
    InstanceEvent unwritable = heartbeat("unwritable");
    InstanceEvent good = registration("payments", 8443);

    // When both are piped
    input.pipeInput("unwritable", unwritable);
    input.pipeInput("payments", good);

    // Then the input record is on the dead-letter topic, marked as a production failure
    TestRecord<byte[], byte[]> dead = deadLetters.readRecord();
    assertEquals(unwritable, events.deserializer().deserialize(INPUT, dead.value()));
    assertEquals("production", header(dead, DeadLetters.HEADER_STAGE));
    assertTrue(header(dead, DeadLetters.HEADER_REASON).contains("cannot write depths.unwritable"),
        header(dead, DeadLetters.HEADER_REASON));
    assertTrue(deadLetters.isEmpty());

    // And processing went on
    assertEquals(List.of(good), output.readValuesToList());
  }
}
