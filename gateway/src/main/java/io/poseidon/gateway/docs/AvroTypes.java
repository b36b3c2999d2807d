package io.poseidon.gateway.docs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/** Avro schemas as a reader of the event catalog wants to see them. */
final class AvroTypes {

  private AvroTypes() {}

  /**
   * Every named type (record, enum, fixed) reachable from {@code roots}, each once, by full name.
   */
  static SortedMap<String, Schema> namedTypes(Collection<Schema> roots) {
    SortedMap<String, Schema> found = new TreeMap<>();
    Deque<Schema> todo = new ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      Schema schema = todo.pop();
      switch (schema.getType()) {
        case RECORD -> {
          if (found.putIfAbsent(schema.getFullName(), schema) == null) {
            schema.getFields().forEach(f -> todo.push(f.schema()));
          }
        }
        case ENUM, FIXED -> found.putIfAbsent(schema.getFullName(), schema);
        case ARRAY -> todo.push(schema.getElementType());
        case MAP -> todo.push(schema.getValueType());
        case UNION -> schema.getTypes().forEach(todo::push);
        default -> { }
      }
    }
    return found;
  }

  /**
   * The type in a short readable form: {@code string}, {@code int}, {@code string?} for
   * {@code ["null","string"]}, {@code map<string>}, {@code array<long>}, {@code timestamp-millis},
   * {@code ServiceRegistered | InstanceHeartbeat} for a union of records.
   */
  static String render(Schema schema) {
    return render(schema, Schema::getName, "<", ">");
  }

  /**
   * Like {@link #render(Schema)}, for a Markdown table cell: named types become links made by
   * {@code linkOf}; a type without named types is one code span.
   */
  static String renderMarkdown(Schema schema, Function<Schema, String> linkOf) {
    if (!mentionsNamedType(schema)) {
      return Markdown.code(render(schema));
    }
    return render(schema, linkOf, "&lt;", "&gt;");
  }

  private static String render(Schema schema, Function<Schema, String> named, String open, String close) {
    LogicalType logical = schema.getLogicalType();
    if (logical instanceof LogicalTypes.Decimal decimal) {
      return "decimal(" + decimal.getPrecision() + "," + decimal.getScale() + ")";
    }
    if (logical != null) {
      return logical.getName();
    }
    return switch (schema.getType()) {
      case RECORD, ENUM, FIXED -> named.apply(schema);
      case ARRAY -> "array" + open + render(schema.getElementType(), named, open, close) + close;
      case MAP -> "map" + open + render(schema.getValueType(), named, open, close) + close;
      case UNION -> {
        List<Schema> branches = schema.getTypes().stream()
            .filter(t -> t.getType() != Schema.Type.NULL).toList();
        boolean optional = branches.size() < schema.getTypes().size();
        if (branches.isEmpty()) {
          yield "null";
        }
        String either = branches.stream().map(t -> render(t, named, open, close))
            .collect(Collectors.joining(" | "));
        yield !optional ? either : branches.size() == 1 ? either + "?" : "(" + either + ")?";
      }
      default -> schema.getType().getName();
    };
  }

  /** Full names of the named types a type refers to directly (not those inside them). */
  static SortedSet<String> mentionedNames(Schema schema) {
    SortedSet<String> names = new TreeSet<>();
    switch (schema.getType()) {
      case RECORD, ENUM, FIXED -> names.add(schema.getFullName());
      case ARRAY -> names.addAll(mentionedNames(schema.getElementType()));
      case MAP -> names.addAll(mentionedNames(schema.getValueType()));
      case UNION -> schema.getTypes().forEach(t -> names.addAll(mentionedNames(t)));
      default -> { }
    }
    return names;
  }

  private static boolean mentionsNamedType(Schema schema) {
    return switch (schema.getType()) {
      case RECORD, ENUM, FIXED -> true;
      case ARRAY -> mentionsNamedType(schema.getElementType());
      case MAP -> mentionsNamedType(schema.getValueType());
      case UNION -> schema.getTypes().stream().anyMatch(AvroTypes::mentionsNamedType);
      default -> false;
    };
  }

  /** A field's default as JSON ({@code null}, {@code {}}, {@code "x"}, {@code 3}), or null when it has none. */
  static String defaultOf(Schema.Field field) {
    return field.hasDefaultValue() ? json(field.defaultVal()) : null;
  }

  private static String json(Object value) {
    if (value == null || value == JsonProperties.NULL_VALUE) {
      return "null";
    }
    if (value instanceof CharSequence text) {
      return '"' + text.toString().replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
    if (value instanceof byte[] bytes) {
      return json(new String(bytes, StandardCharsets.ISO_8859_1));
    }
    if (value instanceof Map<?, ?> map) {
      return new TreeMap<>(map.entrySet().stream()
              .collect(Collectors.toMap(e -> String.valueOf(e.getKey()), e -> json(e.getValue()))))
          .entrySet().stream()
          .map(e -> json(e.getKey()) + ": " + e.getValue())
          .collect(Collectors.joining(", ", "{", "}"));
    }
    if (value instanceof Collection<?> list) {
      return list.stream().map(AvroTypes::json).collect(Collectors.joining(", ", "[", "]"));
    }
    return String.valueOf(value);
  }
}
