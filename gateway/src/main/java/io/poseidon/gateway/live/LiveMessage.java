package io.poseidon.gateway.live;

import io.poseidon.gateway.http.AvroJson;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * One event of a live stream, rendered once per node and shared by every client that receives it:
 * {@code json} is the message without its {@code position} (which is each client's own).
 *
 * @param type the event's {@code meta.type} ({@code harbor.DeploymentStepSucceeded}); the value's record
 *     name for values without an envelope; {@code poseidon.Undecodable} for a value that cannot be read
 * @param value the value as JSON (null for a tombstone or an undecodable value)
 */
public record LiveMessage(String topic, int partition, long offset, String key, String type, String time,
    JsonObject value, String json) {

  public static final String UNDECODABLE = "poseidon.Undecodable";

  public TopicPartition topicPartition() {
    return new TopicPartition(topic, partition);
  }

  /** Approximate heap taken (for the replay buffer's budget). */
  public int weight() {
    return 2 * json.length() + 256;
  }

  /** The message as sent: {@code json} with the client's {@code position} added. */
  public String withPosition(String position) {
    StringBuilder out = new StringBuilder(json.length() + position.length() + 16);
    out.append(json, 0, json.length() - 1).append(",\"position\":\"").append(position).append("\"}");
    return out.toString();
  }

  /**
   * Renders a record read as bytes: the value through {@code values} (an undecodable one becomes a
   * message of type {@link #UNDECODABLE} with the reason, so a client sees that something was there);
   * a value larger than {@code maxValueChars} as JSON is replaced by {@code {"truncated": true}}.
   */
  public static LiveMessage render(ConsumerRecord<byte[], byte[]> record, Deserializer<?> values, int maxValueChars) {
    String key = record.key() == null ? null : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
    String type;
    String time = Instant.ofEpochMilli(record.timestamp()).toString();
    JsonObject value = null;
    String error = null;
    if (record.value() == null) {
      type = "poseidon.Tombstone";
    } else {
      try {
        Object decoded = values.deserialize(record.topic(), record.headers(), record.value());
        if (decoded instanceof IndexedRecord avro) {
          value = AvroJson.toJson(avro);
          JsonObject meta = value.getValue("meta") instanceof JsonObject m ? m : null;
          if (meta != null && meta.getValue("type") instanceof String t) {
            type = t;
            if (meta.getValue("time") instanceof String at) {
              time = at;
            } else if (meta.getValue("time") instanceof Number ms) {
              time = Instant.ofEpochMilli(ms.longValue()).toString();
            }
          } else {
            type = avro.getSchema().getName();
          }
        } else {
          type = UNDECODABLE;
          error = "not an Avro record";
        }
      } catch (RuntimeException e) {
        type = UNDECODABLE;
        error = String.valueOf(e.getMessage());
      }
    }
    JsonObject message = new JsonObject()
        .put("topic", record.topic()).put("partition", record.partition()).put("offset", record.offset())
        .put("key", key).put("type", type).put("time", time);
    String rendered = value == null ? null : value.encode();
    if (rendered != null && rendered.length() > maxValueChars) {
      message.put("value", new JsonObject().put("truncated", true).put("chars", rendered.length()));
      value = null;
    } else {
      message.put("value", value);
    }
    if (error != null) {
      message.put("error", error);
    }
    return new LiveMessage(record.topic(), record.partition(), record.offset(), key, type.replaceAll("[\\r\\n]", " "),
        time, value, message.encode());
  }
}
