package io.poseidon.topology.errors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.SerializationExceptionOrigin;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * Dead-letter records as the handlers build them, called directly with a hand-made error context
 * (the path through Kafka Streams is covered by {@link DeadLetterHandlersTest}).
 */
class DeadLettersTest {

  private static final Map<String, Object> CONFIGS = Map.of(
      StreamsConfig.APPLICATION_ID_CONFIG, "poseidon-depths",
      StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "depths.dlq");

  private static final byte[] KEY = "payments".getBytes(StandardCharsets.UTF_8);
  private static final byte[] VALUE = wireFormat(42, "avro-body");

  record Context(String topic, int partition, long offset, Headers headers, String processorNodeId,
      TaskId taskId, long timestamp, byte[] sourceRawKey, byte[] sourceRawValue) implements ErrorHandlerContext {}

  private static Context context() {
    Headers headers = new RecordHeaders().add("traceparent", "00-abc-01".getBytes(StandardCharsets.UTF_8));
    return new Context("depths.registrations", 2, 17L, headers, "check-registration", new TaskId(0, 2),
        1_000L, KEY, VALUE);
  }

  private static byte[] wireFormat(int contentId, String body) {
    byte[] payload = body.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + 4 + payload.length).put((byte) 0).putInt(contentId).put(payload).array();
  }

  /** The framing before ADR 0018: 0x00 + 8-byte global id. */
  private static byte[] legacyWireFormat(long globalId, String body) {
    byte[] payload = body.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + 8 + payload.length).put((byte) 0).putLong(globalId).put(payload).array();
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    return DeadLetters.header(record.headers(), name);
  }

  @Test
  void shouldReadContentIdOfWireFormatAndGlobalIdOfLegacyFraming() {
    assertEquals(42L, DeadLetters.schemaIdOf(wireFormat(42, "x")));
    assertEquals(0xFFFF_FFFFL, DeadLetters.schemaIdOf(wireFormat(-1, "")), "an unsigned 4-byte id");
    assertEquals(7L, DeadLetters.schemaIdOf(legacyWireFormat(7L, "x")), "the framing before ADR 0018");
  }

  @Test
  void shouldReturnNoSchemaIdForOtherBytes() {
    assertNull(DeadLetters.schemaIdOf(null));
    assertNull(DeadLetters.schemaIdOf(new byte[0]));
    assertNull(DeadLetters.schemaIdOf(new byte[] {0, 0, 0, 0}), "4 bytes: too short");
    assertNull(DeadLetters.schemaIdOf(new byte[] {0, 0, 0, 0, 0, 0, 0, 1}), "no content id, too short for a global id");
    assertNull(DeadLetters.schemaIdOf(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 1}), "no magic byte");
    assertNull(DeadLetters.schemaIdOf("{\"json\":true}".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void shouldCountEveryDeadLetterByStageWhenTheNodeGaveACounter() {
    // Given handlers configured with the node's counter
    List<String> counted = new java.util.ArrayList<>();
    Map<String, Object> configs = new java.util.HashMap<>(CONFIGS);
    configs.put(DeadLetters.COUNTER_CONFIG, (DeadLetters.Counter) counted::add);
    DeadLetterDeserializationHandler deserialization = new DeadLetterDeserializationHandler();
    deserialization.configure(configs);
    DeadLetterProcessingHandler processing = new DeadLetterProcessingHandler();
    processing.configure(configs);

    // When each sends a dead letter
    deserialization.handleError(context(), new ConsumerRecord<>("depths.registrations", 2, 17L, KEY, VALUE),
        new SerializationException("bad bytes"));
    processing.handleError(context(), new Record<>("payments", "x", 1L), new RejectedRecordException("no"));

    // Then each is counted under its stage; without a counter nothing is (topology tests)
    assertEquals(List.of("deserialization", "processing"), counted);
    assertEquals(DeadLetters.Counter.NONE, DeadLetters.counter(CONFIGS));
  }

  @Test
  void shouldSendUnreadableRecordWithAllHeadersToDeadLetterTopic() {
    // Given the deserialization handler configured as Streams configures it
    DeadLetterDeserializationHandler handler = new DeadLetterDeserializationHandler();
    handler.configure(CONFIGS);
    ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("depths.registrations", 2, 17L, KEY, VALUE);

    // When a record cannot be read
    DeserializationExceptionHandler.Response response = handler.handleError(context(), record,
        new SerializationException("bad bytes", new IllegalStateException("unknown magic")));

    // Then processing resumes and exactly one dead letter with the original bytes is produced
    assertEquals(DeserializationExceptionHandler.Result.RESUME, response.result());
    List<ProducerRecord<byte[], byte[]>> dead = response.deadLetterQueueRecords();
    assertEquals(1, dead.size());
    ProducerRecord<byte[], byte[]> letter = dead.get(0);
    assertEquals("depths.dlq", letter.topic());
    assertNull(letter.partition());
    assertArrayEquals(KEY, letter.key());
    assertArrayEquals(VALUE, letter.value());
    assertEquals("depths.registrations", header(letter, DeadLetters.HEADER_TOPIC));
    assertEquals("2", header(letter, DeadLetters.HEADER_PARTITION));
    assertEquals("17", header(letter, DeadLetters.HEADER_OFFSET));
    assertEquals(SerializationException.class.getName(), header(letter, DeadLetters.HEADER_EXCEPTION));
    assertEquals("bad bytes", header(letter, DeadLetters.HEADER_MESSAGE));
    assertEquals("SerializationException: unknown magic", header(letter, DeadLetters.HEADER_REASON));
    assertEquals("deserialization", header(letter, DeadLetters.HEADER_STAGE));
    assertEquals("poseidon-depths", header(letter, DeadLetters.HEADER_APPLICATION));
    assertEquals("42", header(letter, DeadLetters.HEADER_SCHEMA_ID));
    assertEquals("content", header(letter, DeadLetters.HEADER_SCHEMA_ID_KIND));
    assertEquals("00-abc-01", header(letter, "traceparent"));
    assertTrue(header(letter, DeadLetters.HEADER_STACKTRACE)
        .startsWith(SerializationException.class.getName() + ": bad bytes"));
  }

  @Test
  void shouldSendRejectedRecordWithReasonToDeadLetterTopic() {
    // Given the processing handler
    DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();
    handler.configure(CONFIGS);

    // When a processor rejects a record
    ProcessingExceptionHandler.Response response = handler.handleError(context(),
        new Record<>("payments", "decoded", 1_000L), new RejectedRecordException("port out of range: 0"));

    // Then processing resumes and the source bytes go to the dead-letter topic with the reason
    assertEquals(ProcessingExceptionHandler.Result.RESUME, response.result());
    ProducerRecord<byte[], byte[]> letter = response.deadLetterQueueRecords().get(0);
    assertArrayEquals(KEY, letter.key());
    assertArrayEquals(VALUE, letter.value());
    assertEquals("processing", header(letter, DeadLetters.HEADER_STAGE));
    assertEquals("RejectedRecordException: port out of range: 0", header(letter, DeadLetters.HEADER_REASON));
  }

  @Test
  void shouldSendInputOfOversizedOutputToDeadLetterTopic() {
    DeadLetterProductionHandler handler = new DeadLetterProductionHandler();
    handler.configure(CONFIGS);
    ProducerRecord<byte[], byte[]> out = new ProducerRecord<>("depths.instance-changes", KEY, new byte[10]);

    ProductionExceptionHandler.Response response = handler.handleError(context(), out,
        new RecordTooLargeException("too big"));

    assertEquals(ProductionExceptionHandler.Result.RESUME, response.result());
    ProducerRecord<byte[], byte[]> letter = response.deadLetterQueueRecords().get(0);
    assertArrayEquals(VALUE, letter.value(), "the input record, not the output, is kept");
    assertEquals("production", header(letter, DeadLetters.HEADER_STAGE));
  }

  @Test
  void shouldFailOnProductionErrorsOtherThanTooLarge() {
    DeadLetterProductionHandler handler = new DeadLetterProductionHandler();
    handler.configure(CONFIGS);
    ProducerRecord<byte[], byte[]> out = new ProducerRecord<>("depths.instance-changes", KEY, VALUE);

    ProductionExceptionHandler.Response response = handler.handleError(context(), out,
        new AuthorizationException("not allowed"));

    assertEquals(ProductionExceptionHandler.Result.FAIL, response.result());
    assertTrue(response.deadLetterQueueRecords().isEmpty());
  }

  @Test
  void shouldSendInputOfUnserializableOutputToDeadLetterTopic() {
    DeadLetterProductionHandler handler = new DeadLetterProductionHandler();
    handler.configure(CONFIGS);
    ProducerRecord<String, Object> out = new ProducerRecord<>("depths.instance-changes", "payments", new Object());

    ProductionExceptionHandler.Response response = handler.handleSerializationError(context(), out,
        new SerializationException("cannot write"), SerializationExceptionOrigin.VALUE);

    assertEquals(ProductionExceptionHandler.Result.RESUME, response.result());
    ProducerRecord<byte[], byte[]> letter = response.deadLetterQueueRecords().get(0);
    assertArrayEquals(VALUE, letter.value());
    assertEquals("production", header(letter, DeadLetters.HEADER_STAGE));
  }

  @Test
  void shouldRefuseToStartWithoutDeadLetterTopic() {
    DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();

    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> handler.configure(Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "poseidon-depths")));
    assertTrue(e.getMessage().contains(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG));
  }
}
