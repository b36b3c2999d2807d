package io.poseidon.topology.errors;

import io.poseidon.topology.serde.Framing;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/**
 * Builds dead-letter records: the original key and value bytes, untouched, plus headers that say
 * where the record came from and why it failed. The header names are those of Kafka Streams' own
 * dead-letter support (KIP-1034, {@code __streams.errors.*}) so Kafka tooling reads them, plus
 * Poseidon's {@code poseidon.dlq.*} headers (stage, application, schema id). The original headers
 * are kept, so a re-drive can put the record back as it was.
 */
public final class DeadLetters {

  public static final String HEADER_EXCEPTION = "__streams.errors.exception";
  public static final String HEADER_STACKTRACE = "__streams.errors.stacktrace";
  public static final String HEADER_MESSAGE = "__streams.errors.message";
  public static final String HEADER_TOPIC = "__streams.errors.topic";
  public static final String HEADER_PARTITION = "__streams.errors.partition";
  public static final String HEADER_OFFSET = "__streams.errors.offset";
  /** Human-readable reason: exception type and message, or the reason a processor gave. */
  public static final String HEADER_REASON = "poseidon.dlq.reason";
  /** deserialization, processing or production. */
  public static final String HEADER_STAGE = "poseidon.dlq.stage";
  public static final String HEADER_APPLICATION = "poseidon.dlq.application";
  /**
   * Registry id of the writer schema, when the value is in Poseidon's wire format: its content id, or for a
   * value in the framing before ADR 0018, its global id ({@link #HEADER_SCHEMA_ID_KIND} says which).
   */
  public static final String HEADER_SCHEMA_ID = "poseidon.dlq.schema-id";
  /** {@code content} or {@code global}: which registry id {@link #HEADER_SCHEMA_ID} is. */
  public static final String HEADER_SCHEMA_ID_KIND = "poseidon.dlq.schema-id-kind";

  private static final int MAX_STACKTRACE_CHARS = 8 * 1024;

  /**
   * The Streams config key of the {@link Counter} the node counts dead letters with (an object in the
   * service's Streams properties, read by the handlers and by processors from {@code appConfigs()}).
   */
  public static final String COUNTER_CONFIG = "poseidon.dead-letters.counter";

  /** Told of every dead letter a service sends, by stage; the node's is the metric {@code poseidon_dead_letters_total}. */
  @FunctionalInterface
  public interface Counter {
    Counter NONE = stage -> {};

    void deadLettered(String stage);
  }

  private DeadLetters() {}

  /** The counter in a service's Streams configs, or {@link Counter#NONE} (topology tests, tools). */
  public static Counter counter(Map<String, ?> configs) {
    return configs.get(COUNTER_CONFIG) instanceof Counter c ? c : Counter.NONE;
  }

  /** The dead-letter topic, application id and counter, read from the Streams configs handed to handlers. */
  record Target(String topic, String applicationId, Counter counter) {
    static Target from(Map<String, ?> configs) {
      Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
      if (topic == null || topic.toString().isBlank()) {
        throw new IllegalStateException(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG
            + " must be set: every Poseidon topology sends bad records to a dead-letter topic");
      }
      Object app = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
      return new Target(topic.toString(), app == null ? "" : app.toString(), DeadLetters.counter(configs));
    }
  }

  static List<ProducerRecord<byte[], byte[]>> record(Target target, String stage, byte[] key, byte[] value,
      ErrorHandlerContext context, Throwable error) {
    Headers headers = new RecordHeaders();
    if (context.headers() != null) {
      for (Header h : context.headers()) {
        headers.add(h);
      }
    }
    String reason = error.getClass().getSimpleName() + ": " + rootMessage(error);
    put(headers, HEADER_EXCEPTION, error.getClass().getName());
    put(headers, HEADER_MESSAGE, String.valueOf(error.getMessage()));
    put(headers, HEADER_STACKTRACE, stackTrace(error));
    put(headers, HEADER_TOPIC, context.topic() == null ? "" : context.topic());
    put(headers, HEADER_PARTITION, Integer.toString(context.partition()));
    put(headers, HEADER_OFFSET, Long.toString(context.offset()));
    put(headers, HEADER_REASON, reason);
    put(headers, HEADER_STAGE, stage);
    put(headers, HEADER_APPLICATION, target.applicationId());
    Framing.SchemaId schemaId = Framing.idOf(value);
    if (schemaId != null) {
      put(headers, HEADER_SCHEMA_ID, Long.toString(schemaId.id()));
      put(headers, HEADER_SCHEMA_ID_KIND, schemaId.kind().name().toLowerCase(java.util.Locale.ROOT));
    }
    target.counter().deadLettered(stage);
    return List.of(new ProducerRecord<>(target.topic(), null, key, value, headers));
  }

  /**
   * The headers of a dead letter a processor writes itself (a participant that gave up, say): the same
   * reason, stage and application headers as the handlers' dead letters, so one runbook reads both.
   */
  public static Headers headers(String stage, String reason, String applicationId) {
    Headers headers = new RecordHeaders();
    put(headers, HEADER_REASON, reason);
    put(headers, HEADER_STAGE, stage);
    put(headers, HEADER_APPLICATION, applicationId);
    return headers;
  }

  /** The registry id in Poseidon's wire format ({@link Framing}), or null. */
  static Long schemaIdOf(byte[] value) {
    Framing.SchemaId id = Framing.idOf(value);
    return id == null ? null : id.id();
  }

  public static String header(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  private static void put(Headers headers, String name, String value) {
    headers.remove(name);
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }

  private static String rootMessage(Throwable error) {
    Throwable t = error;
    String message = error.getMessage();
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return String.valueOf(message);
  }

  private static String stackTrace(Throwable error) {
    StringWriter out = new StringWriter();
    error.printStackTrace(new PrintWriter(out));
    String trace = out.toString();
    return trace.length() > MAX_STACKTRACE_CHARS ? trace.substring(0, MAX_STACKTRACE_CHARS) : trace;
  }
}
