package io.poseidon.processors.tide;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.poseidon.topology.errors.RejectedRecordException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/** The JSON payloads of raw records: parsed strictly, read by path, written back as text. */
final class Payloads {

  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};
  /** A reader made once: {@code JSON.readValue} set up its configuration on every call (JFR: 4 % of tide). */
  private static final ObjectReader OBJECT_READER = JSON.readerFor(OBJECT);

  private Payloads() {}

  /** The payload as a map; a payload that is not a JSON object is rejected (dead letter). */
  static Map<String, Object> parse(String json) {
    try {
      Map<String, Object> parsed = OBJECT_READER.readValue(json);
      if (parsed == null) {
        throw new RejectedRecordException("the payload is JSON null; it must be a JSON object");
      }
      return parsed;
    } catch (JsonProcessingException e) {
      throw new RejectedRecordException("the payload is not a JSON object: " + e.getOriginalMessage());
    }
  }

  static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /** The value at {@code a.b.c}, or null. */
  @SuppressWarnings("unchecked")
  static Object path(Map<String, Object> fields, String path) {
    Object current = fields;
    int from = 0;
    while (current instanceof Map<?, ?> map) {
      int dot = path.indexOf('.', from);
      String part = dot < 0 ? path.substring(from) : path.substring(from, dot);
      current = ((Map<String, Object>) map).get(part);
      if (dot < 0) {
        return current;
      }
      from = dot + 1;
    }
    return null;
  }

  /** A scalar as the text rules compare; null for absent values, JSON text for objects and arrays. */
  static String text(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof Map<?, ?> || value instanceof List<?>) {
      return write(value);
    }
    return String.valueOf(value);
  }

  /** A time given as ISO-8601 text or epoch milliseconds; null when absent. */
  static Instant time(Object value, String field) {
    if (value == null) {
      return null;
    }
    if (value instanceof Number n) {
      return Instant.ofEpochMilli(n.longValue());
    }
    try {
      return Instant.parse(String.valueOf(value));
    } catch (DateTimeParseException e) {
      throw new RejectedRecordException(field + " must be an ISO-8601 time or epoch milliseconds, got " + value);
    }
  }
}
