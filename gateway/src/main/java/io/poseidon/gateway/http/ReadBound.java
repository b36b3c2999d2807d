package io.poseidon.gateway.http;

import io.poseidon.topology.config.DurationValidator;
import io.poseidon.topology.query.QueryScope;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Read-your-writes for every query route (docs/live.md): the position of a command's {@code 202}
 * ({@code topic:partition:offset}, also its {@code Poseidon-Position} header) passed back as the
 * {@code Poseidon-Position} header or {@code ?after=}; the query then waits up to {@code ?timeout=}
 * (default 5 s, at most 30 s) until the store that owns the key has processed it, else answers 504 with
 * Retry-After.
 */
public record ReadBound(QueryScope.Bound bound, Duration timeout, long deadlineNanos) {

  public static final String HEADER = "Poseidon-Position";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration MAX_TIMEOUT = Duration.ofSeconds(30);

  /** The bound of {@code ctx}, or null when it names none; field errors go to {@code errors}. */
  public static ReadBound of(RoutingContext ctx, List<FieldError> errors) {
    String header = ctx.request().getHeader(HEADER);
    String after = ctx.queryParams().get("after");
    String text = after != null && !after.isBlank() ? after : header;
    String field = after != null && !after.isBlank() ? "after" : HEADER;
    if (text == null || text.isBlank()) {
      return null;
    }
    Map<String, Map<Integer, Long>> offsets = new TreeMap<>();
    for (String entry : text.split(",", -1)) {
      int second = entry.lastIndexOf(':');
      int first = second < 0 ? -1 : entry.lastIndexOf(':', second - 1);
      try {
        if (first <= 0) {
          throw new NumberFormatException();
        }
        int partition = Integer.parseInt(entry.substring(first + 1, second).trim());
        long offset = Long.parseLong(entry.substring(second + 1).trim());
        if (partition < 0 || offset < 0) {
          throw new NumberFormatException();
        }
        offsets.computeIfAbsent(entry.substring(0, first).trim(), t -> new HashMap<>()).put(partition, offset);
      } catch (NumberFormatException e) {
        errors.add(new FieldError(field, "'" + (entry.length() > 80 ? entry.substring(0, 80) + "..." : entry)
            + "' is not topic:partition:offset (the position of a 202)"));
        return null;
      }
    }
    Duration timeout = DEFAULT_TIMEOUT;
    String t = ctx.queryParams().get("timeout");
    if (t != null && !t.isBlank()) {
      try {
        timeout = DurationValidator.parse(t);
        if (timeout.isNegative() || timeout.compareTo(MAX_TIMEOUT) > 0) {
          errors.add(new FieldError("timeout", "at most " + MAX_TIMEOUT.toSeconds() + "s"));
          return null;
        }
      } catch (IllegalArgumentException e) {
        errors.add(new FieldError("timeout", e.getMessage()));
        return null;
      }
    }
    return new ReadBound(new QueryScope.Bound(offsets), timeout, System.nanoTime() + timeout.toNanos());
  }

  public boolean expired() {
    return System.nanoTime() > deadlineNanos;
  }

  /** The text form of a 202's position, for the {@code Poseidon-Position} header. */
  public static String format(String topic, int partition, long offset) {
    return topic + ":" + partition + ":" + offset;
  }
}
