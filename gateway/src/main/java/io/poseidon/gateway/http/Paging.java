package io.poseidon.gateway.http;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Cursor pagination of every list the gateway answers, declared once per operation in the contract
 * ({@code x-poseidon-list: {items: instances, order: [instanceId]}}) and applied here to the list the
 * route rendered: the items sorted by their order fields (a leading {@code -} sorts that field
 * descending), the first {@code ?limit=} (1–500, 100 by default) after {@code ?cursor=}, and
 * {@code nextCursor} naming where the next page starts (null on the last page).
 *
 * <p>A cursor is a <em>keyset</em> cursor: it holds the order values of the last item it returned, not
 * an offset, so writes between two pages neither repeat nor skip an item that existed throughout — an
 * item added or removed before the cursor moves nothing after it. The order fields of a list are the
 * identity of its items (an id, a version, a sequence number), which never change. A cursor is opaque
 * to callers (base64url) and names its operation: another list's cursor is refused with 400.
 *
 * <p>Parts of a scatter-gather ({@code ?scope=local}) are not paged: the node that gathers them pages
 * the merged list, so a page is the same whichever node answers it.
 */
public final class Paging {

  public static final int DEFAULT_LIMIT = 100;
  public static final int MAX_LIMIT = 500;
  private static final String KEY = "poseidon.page";

  /** How an operation's list pages: the array field of its answer and the fields it is ordered by. */
  public record Spec(String items, List<String> order) {
    public Spec {
      Objects.requireNonNull(items, "items");
      if (order == null || order.isEmpty()) {
        throw new IllegalArgumentException("x-poseidon-list of " + items + " has no order fields");
      }
      order = List.copyOf(order);
    }

    /** {@code x-poseidon-list} of an operation; null when it is not a list. */
    static Spec of(JsonObject operation) {
      JsonObject declared = operation.getJsonObject("x-poseidon-list");
      if (declared == null) {
        return null;
      }
      JsonArray order = declared.getJsonArray("order", new JsonArray());
      return new Spec(declared.getString("items"), order.stream().map(String::valueOf).toList());
    }

    Comparator<JsonObject> comparator() {
      Comparator<JsonObject> c = null;
      for (String field : order) {
        boolean descending = field.startsWith("-");
        String name = descending ? field.substring(1) : field;
        Comparator<JsonObject> one = (a, b) -> compare(a.getValue(name), b.getValue(name));
        one = descending ? one.reversed() : one;
        c = c == null ? one : c.thenComparing(one);
      }
      return c;
    }

    List<Object> values(JsonObject item) {
      List<Object> out = new ArrayList<>();
      for (String field : order) {
        out.add(item.getValue(field.startsWith("-") ? field.substring(1) : field));
      }
      return out;
    }

    /** Whether {@code item} comes after the cursor values {@code after} in this order. */
    boolean after(JsonObject item, List<Object> after) {
      for (int i = 0; i < order.size(); i++) {
        String field = order.get(i);
        boolean descending = field.startsWith("-");
        int c = compare(item.getValue(descending ? field.substring(1) : field), after.get(i));
        if (c != 0) {
          return descending ? c < 0 : c > 0;
        }
      }
      return false; // the cursor's own item
    }
  }

  /** A request's page: its list, how many items, and the order values it starts after (null: the first). */
  record Page(String operationId, Spec spec, int limit, List<Object> after) {}

  private Paging() {}

  /**
   * Reads {@code ?limit=} and {@code ?cursor=} of a list operation into the request; false after
   * answering 400 (a cursor of another list or not a cursor at all, a limit out of range).
   */
  static boolean install(RoutingContext ctx, String operationId, Spec spec) {
    if (spec == null) {
      return true;
    }
    List<FieldError> errors = new ArrayList<>();
    int limit = DEFAULT_LIMIT;
    String limitParam = ctx.queryParams().get("limit");
    if (limitParam != null) {
      try {
        limit = Integer.parseInt(limitParam.trim());
        if (limit < 1 || limit > MAX_LIMIT) {
          errors.add(new FieldError("limit", "must be between 1 and " + MAX_LIMIT + ", was " + limit));
        }
      } catch (NumberFormatException e) {
        errors.add(new FieldError("limit", "must be a whole number between 1 and " + MAX_LIMIT));
      }
    }
    List<Object> after = null;
    String cursor = ctx.queryParams().get("cursor");
    if (cursor != null && !cursor.isEmpty()) {
      after = decode(cursor, operationId, spec);
      if (after == null) {
        errors.add(new FieldError("cursor", "is not a cursor of " + operationId
            + " (pass back the nextCursor of this list's previous page, unchanged)"));
      }
    }
    if (!errors.isEmpty()) {
      ApiError.send(ctx, 400, "validation_failed", "the page requested is not valid", errors);
      return false;
    }
    ctx.put(KEY, new Page(operationId, spec, limit, after));
    return true;
  }

  /**
   * {@code body} as the page the request asked for: its list sorted, cut after the cursor and to the
   * limit, with {@code nextCursor}. Unchanged when the request is not of a list, is a scatter-gather part,
   * or the body is already a page (relayed from the node that owns the key).
   */
  static JsonObject apply(RoutingContext ctx, JsonObject body) {
    Page page = ctx.get(KEY);
    if (page == null || body == null || body.containsKey("nextCursor") || "local".equals(ctx.queryParams().get("scope"))) {
      return body;
    }
    JsonArray items = body.getJsonArray(page.spec().items());
    if (items == null) {
      return body.put("nextCursor", null);
    }
    List<JsonObject> sorted = new ArrayList<>(items.size());
    for (Object item : items) {
      if (item instanceof JsonObject o) {
        sorted.add(o);
      }
    }
    sorted.sort(page.spec().comparator());
    List<Object> out = new ArrayList<>(Math.min(page.limit(), sorted.size()));
    JsonObject last = null;
    boolean more = false;
    for (JsonObject item : sorted) {
      if (page.after() != null && !page.spec().after(item, page.after())) {
        continue;
      }
      if (out.size() == page.limit()) {
        more = true;
        break;
      }
      out.add(item);
      last = item;
    }
    return body.put(page.spec().items(), new JsonArray(out))
        .put("nextCursor", more ? encode(page.operationId(), page.spec().values(last)) : null);
  }

  static String encode(String operationId, List<Object> values) {
    String json = new JsonObject().put("op", operationId).put("after", new JsonArray(new ArrayList<>(values))).encode();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  /** The order values of a cursor of {@code operationId}; null when it is not one. */
  static List<Object> decode(String cursor, String operationId, Spec spec) {
    try {
      JsonObject json = new JsonObject(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8));
      JsonArray after = json.getJsonArray("after");
      if (!operationId.equals(json.getString("op")) || after == null || after.size() != spec.order().size()) {
        return null;
      }
      return after.getList();
    } catch (IllegalArgumentException | DecodeException | ClassCastException e) {
      return null;
    }
  }

  /** Numbers by value, strings (and anything else) by their text; a missing value first. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static int compare(Object a, Object b) {
    if (a == null || b == null) {
      return a == null ? (b == null ? 0 : -1) : 1;
    }
    if (a instanceof Number x && b instanceof Number y) {
      return (x instanceof Double || x instanceof Float || y instanceof Double || y instanceof Float)
          ? Double.compare(x.doubleValue(), y.doubleValue()) : Long.compare(x.longValue(), y.longValue());
    }
    if (a instanceof Boolean x && b instanceof Boolean y) {
      return x.compareTo(y);
    }
    if (a instanceof String x && b instanceof String y && isInstant(x) && isInstant(y)) {
      try {
        return java.time.Instant.parse(x).compareTo(java.time.Instant.parse(y)); // "…00Z" vs "…00.5Z"
      } catch (java.time.format.DateTimeParseException e) {
        // not both instants after all: by their text
      }
    }
    return a.toString().compareTo(b.toString());
  }

  private static boolean isInstant(String s) {
    return s.length() >= 20 && s.charAt(4) == '-' && s.charAt(10) == 'T' && s.endsWith("Z");
  }

  /** The order values the request's page starts after (pushed down into a store read); null for the first page. */
  public static List<Object> after(RoutingContext ctx) {
    Page page = ctx.get(KEY);
    return page == null ? null : page.after();
  }

  /** Items the request's page holds at most ({@link #DEFAULT_LIMIT} when it is not a list). */
  public static int limit(RoutingContext ctx) {
    Page page = ctx.get(KEY);
    return page == null ? DEFAULT_LIMIT : page.limit();
  }
}
