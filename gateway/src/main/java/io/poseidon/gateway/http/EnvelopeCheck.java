package io.poseidon.gateway.http;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The contract's {@code IngestEnvelope} (openapi/tide.yaml), checked by hand for every item of an
 * ingested batch. Why not the compiled JSON-schema validator, as everywhere else: in a JFR profile of
 * the ingest endpoint, vertx-json-schema's {@code SchemaValidatorImpl.validate} on the items was 27 %
 * of all CPU samples — a batch of 1,000 is 1,000 validations. {@code EnvelopeCheckTest} keeps the two
 * the same: for a corpus of valid and broken items both must name the same fields.
 */
final class EnvelopeCheck {

  static final Set<String> FIELDS = Set.of("source", "kind", "id", "time", "attributes", "payload");
  static final List<String> KINDS = List.of("metric", "log", "event", "document", "config");
  static final int MAX_TEXT = 256;
  static final int MAX_ATTRIBUTES = 64;
  static final int MAX_ATTRIBUTE_VALUE = 1024;

  private EnvelopeCheck() {}

  /** The problems of one item; empty when it is a valid envelope. */
  static List<FieldError> check(Object item) {
    List<FieldError> errors = new ArrayList<>(2);
    if (!(item instanceof JsonObject json)) {
      errors.add(new FieldError("body", "must be an object, not " + jsonType(item)));
      return errors;
    }
    Map<String, Object> map = json.getMap();
    for (String name : map.keySet()) {
      if (!FIELDS.contains(name)) {
        errors.add(new FieldError(name, ContractErrors.NOT_A_FIELD));
      }
    }
    text(map, "source", true, false, errors);
    Object kind = map.get("kind");
    if (kind == null && !map.containsKey("kind")) {
      errors.add(new FieldError("kind", "is required"));
    } else if (!(kind instanceof String k) || !KINDS.contains(k)) {
      errors.add(new FieldError("kind", "must be one of " + KINDS.toString().replace(" ", "")));
    }
    text(map, "id", false, true, errors);
    Object time = map.get("time");
    if (time != null && !(time instanceof String)) {
      errors.add(new FieldError("time", "must be a string, not " + jsonType(time)));
    }
    Object attributes = map.get("attributes");
    if (map.containsKey("attributes")) {
      if (!(attributes instanceof Map<?, ?> || attributes instanceof JsonObject)) {
        errors.add(new FieldError("attributes", "must be an object, not " + jsonType(attributes)));
      } else {
        Map<?, ?> values = attributes instanceof JsonObject obj ? obj.getMap() : (Map<?, ?>) attributes;
        if (values.size() > MAX_ATTRIBUTES) {
          errors.add(new FieldError("attributes", "must have at most " + MAX_ATTRIBUTES + " properties"));
        }
        values.forEach((k, v) -> {
          if (!(v instanceof String s)) {
            errors.add(new FieldError("attributes." + k, "must be a string, not " + jsonType(v)));
          } else if (s.length() > MAX_ATTRIBUTE_VALUE) {
            errors.add(new FieldError("attributes." + k, "must be at most " + MAX_ATTRIBUTE_VALUE + " characters"));
          }
        });
      }
    }
    Object payload = map.get("payload");
    if (map.containsKey("payload") && !(payload instanceof Map<?, ?> || payload instanceof JsonObject)) {
      errors.add(new FieldError("payload", "must be an object, not " + jsonType(payload)));
    }
    return errors;
  }

  private static void text(Map<String, Object> map, String field, boolean required, boolean nullable,
      List<FieldError> errors) {
    Object value = map.get(field);
    if (value == null) {
      if (!map.containsKey(field) && required) {
        errors.add(new FieldError(field, "is required"));
      } else if (map.containsKey(field) && !nullable) {
        errors.add(new FieldError(field, "must be a string, not null"));
      }
      return;
    }
    if (!(value instanceof String s)) {
      errors.add(new FieldError(field, "must be a string, not " + jsonType(value)));
    } else if (s.isEmpty()) {
      errors.add(new FieldError(field, "must be at least 1 character"));
    } else if (s.length() > MAX_TEXT) {
      errors.add(new FieldError(field, "must be at most " + MAX_TEXT + " characters"));
    }
  }

  static String jsonType(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "string";
    }
    if (value instanceof Boolean) {
      return "boolean";
    }
    if (value instanceof Integer || value instanceof Long || value instanceof java.math.BigInteger) {
      return "integer";
    }
    if (value instanceof Number) {
      return "number";
    }
    if (value instanceof Map<?, ?> || value instanceof JsonObject) {
      return "object";
    }
    return "array";
  }
}
