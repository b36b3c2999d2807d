package io.poseidon.gateway.live;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which events of its topics a client receives: record keys ({@code key=}), event types ({@code type=}) and
 * value fields ({@code filter=field:value}, a dotted path into the value such as {@code meta.actor:ci-bot});
 * each kind is any-of, kinds are all-of. Evaluated on the feed's thread, before an event is queued for the
 * client, so a client only buffers what it asked for.
 */
public record StreamFilter(Set<String> keys, Set<String> types, List<Field> fields) {

  /** {@code path} (dot-separated) must equal {@code value} (compared as text). */
  public record Field(String[] path, String value) {}

  public static final StreamFilter ALL = new StreamFilter(Set.of(), Set.of(), List.of());

  public StreamFilter {
    keys = Set.copyOf(keys);
    types = Set.copyOf(types);
    fields = List.copyOf(fields);
  }

  /** Parses {@code field:value} filters; throws IllegalArgumentException for one without a field or value. */
  public static List<Field> fields(List<String> filters) {
    List<Field> out = new ArrayList<>();
    for (String f : filters) {
      int colon = f.indexOf(':');
      if (colon <= 0 || colon == f.length() - 1) {
        throw new IllegalArgumentException("'" + f + "' is not field:value (e.g. service:payments)");
      }
      String path = f.substring(0, colon);
      if (path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
        throw new IllegalArgumentException("'" + path + "' is not a dotted field path");
      }
      out.add(new Field(path.split("\\."), f.substring(colon + 1)));
    }
    return out;
  }

  public boolean matches(LiveMessage m) {
    if (!keys.isEmpty() && (m.key() == null || !keys.contains(m.key()))) {
      return false;
    }
    if (!types.isEmpty() && !types.contains(m.type())) {
      return false;
    }
    for (Field field : fields) {
      if (!field.value().equals(text(m.value(), field.path()))) {
        return false;
      }
    }
    return true;
  }

  /** The text of the field at {@code path}, looked for at the top of the value and inside its {@code payload}. */
  private static String text(JsonObject value, String[] path) {
    if (value == null) {
      return null;
    }
    String direct = at(value, path);
    if (direct != null) {
      return direct;
    }
    return value.getValue("payload") instanceof JsonObject payload ? at(payload, path) : null;
  }

  private static String at(JsonObject value, String[] path) {
    Object current = value;
    for (String step : path) {
      if (!(current instanceof JsonObject obj)) {
        return null;
      }
      current = obj.getValue(step);
    }
    return current == null || current instanceof JsonObject || current instanceof io.vertx.core.json.JsonArray
        ? null : current.toString();
  }
}
