package io.poseidon.gateway.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

/**
 * Validates a JSON request body against an Avro record schema and turns it into the generated
 * SpecificRecord, collecting every field error instead of stopping at the first. This is the one
 * validation mechanism of the gateway: a command endpoint names the payload schema, the rules come
 * from the schema (required fields are those without a default, types, nested records, maps,
 * arrays, enums), and unknown fields are refused so a typo is not silently dropped.
 */
public final class AvroJson {

  private AvroJson() {}

  /** Converted record, or null when {@code errors} got entries. */
  public static <T extends IndexedRecord> T toRecord(JsonObject json, Schema schema, List<FieldError> errors) {
    return toRecord(json, schema, errors, java.util.Set.of());
  }

  /**
   * As {@link #toRecord(JsonObject, Schema, List)}, except for the top-level fields {@code setByCaller}:
   * the JSON must not have them (an error if it does) and they stay unset for the caller to fill.
   */
  public static <T extends IndexedRecord> T toRecord(JsonObject json, Schema schema, List<FieldError> errors,
      java.util.Set<String> setByCaller) {
    for (String name : setByCaller) {
      if (json.containsKey(name)) {
        errors.add(new FieldError(name, "is set by the gateway; leave it out"));
      }
    }
    Object value = convertRecord(json, schema, "", errors, setByCaller);
    if (!errors.isEmpty()) {
      return null;
    }
    @SuppressWarnings("unchecked")
    T record = (T) value;
    return record;
  }

  private static Object convertRecord(JsonObject json, Schema schema, String path, List<FieldError> errors) {
    return convertRecord(json, schema, path, errors, java.util.Set.of());
  }

  private static Object convertRecord(JsonObject json, Schema schema, String path, List<FieldError> errors,
      java.util.Set<String> skipped) {
    IndexedRecord record = (IndexedRecord) SpecificData.getForSchema(schema).newRecord(null, schema);
    for (String name : json.fieldNames()) {
      if (schema.getField(name) == null) {
        errors.add(new FieldError(path + name, "unknown field; expected one of " + fieldNames(schema)));
      }
    }
    for (Schema.Field field : schema.getFields()) {
      if (skipped.contains(field.name())) {
        continue;
      }
      String fieldPath = path + field.name();
      if (json.containsKey(field.name()) && json.getValue(field.name()) == null && !isNullable(field.schema())) {
        errors.add(new FieldError(fieldPath, "must not be null"));
        continue;
      }
      if (!json.containsKey(field.name())) {
        if (field.hasDefaultValue()) {
          record.put(field.pos(), SpecificData.getForSchema(schema).deepCopy(field.schema(),
              SpecificData.getForSchema(schema).getDefaultValue(field)));
        } else {
          errors.add(new FieldError(fieldPath, "is required"));
        }
        continue;
      }
      int errorsBefore = errors.size();
      Object value = convert(json.getValue(field.name()), field.schema(), fieldPath, errors);
      if (errors.size() == errorsBefore) {
        record.put(field.pos(), value); // a failed field stays unset: the record is not returned anyway
      }
    }
    return record;
  }

  private static Object convert(Object value, Schema schema, String path, List<FieldError> errors) {
    switch (schema.getType()) {
      case UNION:
        if (value == null && isNullable(schema)) {
          return null;
        }
        return convertUnion(value, schema, path, errors);
      case STRING:
        if (value instanceof String s) {
          return s;
        }
        return fail(errors, path, "must be a string");
      case INT:
        Long asInt = exactLong(value);
        if (asInt != null && asInt >= Integer.MIN_VALUE && asInt <= Integer.MAX_VALUE) {
          return asInt.intValue();
        }
        return fail(errors, path, "must be a whole number (32-bit)");
      case LONG:
        if (schema.getLogicalType() != null && schema.getLogicalType().getName().startsWith("timestamp-")) {
          return instant(value, schema, path, errors);
        }
        Long asLong = exactLong(value);
        if (asLong != null) {
          return asLong;
        }
        return fail(errors, path, "must be a whole number (64-bit)");
      case DOUBLE:
      case FLOAT:
        if (value instanceof Number n && Double.isFinite(n.doubleValue())) {
          return schema.getType() == Schema.Type.DOUBLE ? (Object) n.doubleValue() : (Object) n.floatValue();
        }
        return fail(errors, path, "must be a (finite) number");
      case BOOLEAN:
        if (value instanceof Boolean b) {
          return b;
        }
        return fail(errors, path, "must be true or false");
      case ENUM:
        if (value instanceof String s && schema.getEnumSymbols().contains(s)) {
          return SpecificData.getForSchema(schema).createEnum(s, schema);
        }
        return fail(errors, path, "must be one of " + schema.getEnumSymbols());
      case MAP:
        if (value instanceof JsonObject obj) {
          Map<String, Object> out = new LinkedHashMap<>();
          for (String key : obj.fieldNames()) {
            out.put(key, convert(obj.getValue(key), schema.getValueType(), path + "." + key, errors));
          }
          return out;
        }
        return fail(errors, path, "must be an object");
      case ARRAY:
        if (value instanceof JsonArray arr) {
          List<Object> out = new ArrayList<>();
          for (int i = 0; i < arr.size(); i++) {
            out.add(convert(arr.getValue(i), schema.getElementType(), path + "[" + i + "]", errors));
          }
          return out;
        }
        return fail(errors, path, "must be an array");
      case RECORD:
        if (value instanceof JsonObject obj) {
          return convertRecord(obj, schema, path + ".", errors);
        }
        return fail(errors, path, "must be an object");
      case NULL:
        if (value == null) {
          return null;
        }
        return fail(errors, path, "must be null");
      default:
        return fail(errors, path, "type " + schema.getType() + " is not accepted in JSON commands");
    }
  }

  /**
   * A union: the branch the value converts to. With several record branches (an envelope's payload) a
   * value that fits more than one is ambiguous; it names its branch as Avro's JSON encoding does,
   * {@code {"InstanceHeartbeat": {...}}} (simple or full name).
   */
  private static Object convertUnion(Object value, Schema schema, String path, List<FieldError> errors) {
    List<Schema> records = schema.getTypes().stream().filter(t -> t.getType() == Schema.Type.RECORD).toList();
    if (records.size() > 1 && value instanceof JsonObject obj && obj.size() == 1) {
      String name = obj.fieldNames().iterator().next();
      for (Schema branch : records) {
        if (branch.getName().equals(name) || branch.getFullName().equals(name)) {
          return convert(obj.getValue(name), branch, path + "." + name, errors);
        }
      }
    }
    List<FieldError> firstErrors = null;
    Object converted = null;
    List<String> fits = new ArrayList<>();
    for (Schema branch : schema.getTypes()) {
      if (branch.getType() == Schema.Type.NULL) {
        continue;
      }
      List<FieldError> branchErrors = new ArrayList<>();
      Object candidate = convert(value, branch, path, branchErrors);
      if (branchErrors.isEmpty()) {
        if (fits.isEmpty()) {
          converted = candidate;
        }
        fits.add(branch.getName());
      } else if (firstErrors == null) {
        firstErrors = branchErrors;
      }
    }
    if (fits.size() == 1 || fits.size() > 1 && records.size() < 2) {
      return converted;
    }
    if (fits.size() > 1) {
      return fail(errors, path, "fits several types " + fits + ": name one, as {\"" + fits.get(0) + "\": {...}}");
    }
    if (records.size() > 1 && firstErrors != null) {
      errors.add(new FieldError(path, "must be one of " + records.stream().map(Schema::getName).toList()
          + " (name it, as {\"" + records.get(0).getName() + "\": {...}}, for field errors)"));
      return null;
    }
    errors.addAll(firstErrors == null ? List.of(new FieldError(path, "must be null")) : firstErrors);
    return null;
  }

  /**
   * The exact whole value of a JSON number that fits 64 bits, else null: {@code 2^64 + 8443} is not
   * 8443, and {@code 1.5} is not 1.
   */
  private static Long exactLong(Object value) {
    if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (!(value instanceof Number n)) {
      return null;
    }
    if (n instanceof Double || n instanceof Float) {
      double d = n.doubleValue();
      if (Double.isNaN(d) || Double.isInfinite(d) || d != Math.rint(d)) {
        return null;
      }
    }
    try {
      return new BigDecimal(n.toString()).longValueExact();
    } catch (ArithmeticException | NumberFormatException e) {
      return null;
    }
  }

  /** A timestamp: ISO-8601 with an offset, or epoch milliseconds. */
  private static Object instant(Object value, Schema schema, String path, List<FieldError> errors) {
    if (value instanceof String s) {
      try {
        return java.time.OffsetDateTime.parse(s).toInstant();
      } catch (java.time.format.DateTimeParseException e) {
        return fail(errors, path, "must be an ISO-8601 date-time with an offset (2026-12-01T10:00:00Z) or epoch milliseconds");
      }
    }
    Long millis = exactLong(value);
    if (millis != null) {
      return java.time.Instant.ofEpochMilli(millis);
    }
    return fail(errors, path, "must be an ISO-8601 date-time with an offset (2026-12-01T10:00:00Z) or epoch milliseconds");
  }

  private static boolean isNullable(Schema schema) {
    return schema.getType() == Schema.Type.NULL || schema.getType() == Schema.Type.UNION
        && schema.getTypes().stream().anyMatch(t -> t.getType() == Schema.Type.NULL);
  }

  private static Object fail(List<FieldError> errors, String path, String message) {
    errors.add(new FieldError(path, message));
    return null;
  }

  private static List<String> fieldNames(Schema schema) {
    return schema.getFields().stream().map(Schema.Field::name).toList();
  }

  /** JSON view of a SpecificRecord for responses: field names as in the schema, instants as ISO-8601. */
  public static JsonObject toJson(IndexedRecord record) {
    JsonObject json = new JsonObject();
    for (Schema.Field field : record.getSchema().getFields()) {
      json.put(field.name(), toJsonValue(record.get(field.pos())));
    }
    return json;
  }

  private static Object toJsonValue(Object value) {
    if (value instanceof IndexedRecord r) {
      return toJson(r);
    }
    if (value instanceof Map<?, ?> m) {
      JsonObject obj = new JsonObject();
      m.forEach((k, v) -> obj.put(k.toString(), toJsonValue(v)));
      return obj;
    }
    if (value instanceof List<?> l) {
      JsonArray arr = new JsonArray();
      l.forEach(v -> arr.add(toJsonValue(v)));
      return arr;
    }
    if (value instanceof java.time.Instant i) {
      return i.toString();
    }
    if (value instanceof CharSequence || value instanceof GenericData.EnumSymbol || value instanceof Enum<?>) {
      return value.toString();
    }
    return value;
  }
}
