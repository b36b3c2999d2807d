package io.poseidon.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Request bodies, checked once for every route before the contract's validation: a body must be
 * declared {@code application/json} (415 otherwise, so a cross-site form post cannot trigger a command
 * without a CORS preflight) and be strict JSON — no comments, no duplicate keys, nothing after the
 * value (400 otherwise, before anything else reads it). The parsed value is kept for the handler:
 * integers beyond 64 bits stay {@code BigInteger}, so a range check cannot be fooled by wrap-around.
 *
 * <p>{@code application/x-ndjson} (one JSON value per line) is read too, line by line: a line that is
 * not JSON does not fail the request, it is kept as a {@link Line} with its problem, so a batch
 * operation can reject that item and take the others. Only operations whose contract lists the media
 * type take it ({@link ContractValidation#acceptsMediaType}); the others answer 415.
 */
public final class Bodies {

  static final String PARSED = "poseidon.body";
  public static final String NDJSON = "application/x-ndjson";

  /** One line of an NDJSON body: its 0-based line number, its value, or why it is not JSON. */
  public record Line(int index, Object value, String problem) {}

  /** An NDJSON body: its non-blank lines, in order. */
  public record NdJson(List<Line> lines) {}

  private static final JsonMapper STRICT = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private Bodies() {}

  /** Root handler: refuses a body that is not strict application/json, keeps the parsed value. */
  static void check(RoutingContext ctx) {
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    if (body == null || body.length() == 0) {
      ctx.next();
      return;
    }
    String contentType = ctx.request().getHeader("Content-Type");
    if (isNdJson(contentType)) {
      ctx.put(PARSED, ndjson(body));
      ctx.next();
      return;
    }
    if (!isJson(contentType)) {
      unsupported(ctx, contentType, "application/json");
      return;
    }
    try {
      byte[] bytes = body.getBytes();
      Object value = STRICT.readValue(bytes, Object.class);
      String nul = mayHoldNul(bytes) ? nulAt(value, "") : null;
      if (nul != null) {
        ApiError.send(ctx, 400, "validation_failed", "the request body holds a NUL character",
            List.of(new FieldError(nul.isEmpty() ? "body" : nul, NUL_MESSAGE)));
        return;
      }
      ctx.put(PARSED, wrap(value));
      ctx.next();
    } catch (JsonProcessingException e) {
      ApiError.send(ctx, 400, "invalid_json", "the request body is not valid JSON",
          List.of(new FieldError("body", safeMessage(e) + location(e))));
    } catch (IOException e) {
      ApiError.send(ctx, 400, "invalid_json", "the request body cannot be read", List.of(new FieldError("body",
          String.valueOf(e.getMessage()))));
    }
  }

  /** 415: the body's media type is not one the operation takes. */
  static void unsupported(RoutingContext ctx, String contentType, String accepted) {
    ApiError.send(ctx, 415, "unsupported_media_type", "the request body must be sent as " + accepted + ", not "
        + (contentType == null ? "without a Content-Type" : contentType),
        List.of(new FieldError("Content-Type", "must be " + accepted)));
  }

  private static NdJson ndjson(Buffer body) {
    String text = body.toString(java.nio.charset.StandardCharsets.UTF_8);
    List<Line> lines = new java.util.ArrayList<>();
    int index = 0;
    int start = 0;
    while (start <= text.length()) {
      int end = text.indexOf('\n', start);
      if (end < 0) {
        end = text.length();
      }
      String line = text.substring(start, end).strip();
      if (!line.isEmpty()) {
        try {
          Object value = STRICT.readValue(line, Object.class);
          String nul = line.contains("\\u0000") ? nulAt(value, "") : null;
          lines.add(nul == null ? new Line(index, wrap(value), null)
              : new Line(index, null, (nul.isEmpty() ? "" : nul + ": ") + NUL_MESSAGE));
        } catch (JsonProcessingException e) {
          lines.add(new Line(index, null, "is not valid JSON: " + safeMessage(e) + " (column "
              + (e.getLocation() == null ? "?" : e.getLocation().getColumnNr()) + ")"));
        }
      }
      index++;
      start = end + 1;
    }
    return new NdJson(List.copyOf(lines));
  }

  /** The media type of a Content-Type, lower case, without parameters (null without one). */
  static String mediaType(String contentType) {
    return contentType == null ? null : contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
  }

  static boolean isNdJson(String contentType) {
    return NDJSON.equals(mediaType(contentType));
  }

  private static final java.util.regex.Pattern QUOTED = java.util.regex.Pattern.compile("'([^']*)'");
  private static final java.util.regex.Pattern LONG_NUMBER = java.util.regex.Pattern.compile("\\(-?[0-9][0-9.eE+-]{3,}\\)");
  private static final java.util.Set<String> JSON_WORDS = java.util.Set.of("null", "true", "false", "NaN");

  /**
   * The parser's message without the body's own text: Jackson quotes the token it could not read
   * ("Unrecognized token 'hunter2'") and the body may be a secret (anchor). Quoted tokens other than
   * JSON's own words and long numbers are masked; the line and column still say where.
   */
  static String safeMessage(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    if (message == null) {
      return "malformed JSON";
    }
    if (message.startsWith("Duplicate field")) {
      return message; // a field name of the schema, not a value
    }
    String masked = QUOTED.matcher(message).replaceAll(m -> JSON_WORDS.contains(m.group(1)) ? m.group()
        : java.util.regex.Matcher.quoteReplacement("'…'"));
    return LONG_NUMBER.matcher(masked).replaceAll("(…)");
  }

  private static String location(JsonProcessingException e) {
    return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
        + e.getLocation().getColumnNr() + ")";
  }

  /** {@code application/json} or {@code application/<x>+json}, with at most a UTF-8 charset. */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    String[] parts = contentType.toLowerCase(Locale.ROOT).split(";");
    String type = parts[0].trim();
    if (!type.equals("application/json") && !(type.startsWith("application/") && type.endsWith("+json"))) {
      return false;
    }
    for (int i = 1; i < parts.length; i++) {
      String param = parts[i].trim().replace(" ", "");
      if (param.startsWith("charset=") && !param.equals("charset=utf-8") && !param.equals("charset=\"utf-8\"")) {
        return false;
      }
    }
    return true;
  }

  static final String NUL_MESSAGE = "must not contain the NUL character (U+0000): no event text may hold it "
      + "(PostgreSQL and most sinks refuse it)";

  /**
   * Whether strict JSON text may hold U+0000: only as the escape {@code \u0000} (a raw control character is
   * not valid JSON). A byte scan, so the tree is walked ({@link #nulAt}) only for the rare body that has one.
   */
  static boolean mayHoldNul(byte[] json) {
    for (int i = 0; i + 5 < json.length; i++) {
      if (json[i] == '\\' && json[i + 1] == 'u' && json[i + 2] == '0' && json[i + 3] == '0' && json[i + 4] == '0'
          && json[i + 5] == '0') {
        return true;
      }
    }
    return false;
  }

  /**
   * The path of the first string (a value or a member name) of {@code value} that holds U+0000 —
   * {@code version}, {@code points[3].labels.route}, {@code [0].payload} — "" for the value itself, null
   * when none does.
   */
  static String nulAt(Object value, String path) {
    if (value instanceof String text) {
      return text.indexOf('\0') >= 0 ? path : null;
    }
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String name = String.valueOf(e.getKey());
        String here = path.isEmpty() ? name : path + "." + name;
        if (name.indexOf('\0') >= 0) {
          return here;
        }
        String found = nulAt(e.getValue(), here);
        if (found != null) {
          return found;
        }
      }
    } else if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        String found = nulAt(list.get(i), path + "[" + i + "]");
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** The parsed body: a JsonObject, a JsonArray, a scalar, or null when the request had none. */
  public static Object parsed(RoutingContext ctx) {
    return ctx.get(PARSED);
  }

  @SuppressWarnings("unchecked")
  private static Object wrap(Object value) {
    if (value instanceof Map<?, ?> map) {
      return new JsonObject((Map<String, Object>) map);
    }
    if (value instanceof List<?> list) {
      return new JsonArray((List<Object>) list);
    }
    return value;
  }
}
