package io.poseidon.topology.timers;

import io.poseidon.topology.tracing.Tracing;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Durable timers kept in a state store (so they survive restarts and move with their partition on a
 * rebalance): an index ordered by due time, scanned by a punctuator for what is due. Keys are
 * {@code <dueAt, 19 digits>|<id>}, so a range scan up to "now" returns exactly the due timers, oldest
 * first, without reading the rest. The owner of a timer keeps its due time (it needs it to cancel).
 *
 * <p>The value is the traceparent of the span that armed the timer when there was one (so the timer's
 * own span continues that trace: docs/tracing.md), else the timer's id; the id is always read from the
 * key, so indexes written before timers kept their trace read the same.
 */
public final class TimerIndex {

  private static final char SEPARATOR = '|';
  private final KeyValueStore<String, String> store;

  public TimerIndex(KeyValueStore<String, String> store) {
    this.store = store;
  }

  /** Builder of the persistent store behind a TimerIndex, named {@code storeName}. */
  public static StoreBuilder<KeyValueStore<String, String>> storeBuilder(String storeName) {
    return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(storeName), Serdes.String(), Serdes.String());
  }

  public record Timer(String id, long dueAt) {}

  /** A due timer and the traceparent of the span that armed it (null when unknown). */
  public record Due(Timer timer, String traceparent) {}

  public void schedule(String id, long dueAt) {
    schedule(id, dueAt, null);
  }

  /** Arms a timer that remembers {@code traceparent}, the span it is armed in (may be null). */
  public void schedule(String id, long dueAt, String traceparent) {
    store.put(key(id, dueAt), Tracing.isValid(traceparent) ? traceparent : id);
  }

  public void cancel(String id, long dueAt) {
    store.delete(key(id, dueAt));
  }

  /** Moves a timer: cancel at {@code oldDueAt} (if any) and schedule at {@code newDueAt}. */
  public void reschedule(String id, Long oldDueAt, long newDueAt) {
    if (oldDueAt != null && oldDueAt != newDueAt) {
      cancel(id, oldDueAt);
    }
    schedule(id, newDueAt);
  }

  /** Timers due at or before {@code now}, oldest first, at most {@code limit}. Not removed. */
  public List<Timer> due(long now, int limit) {
    return dueWithTrace(now, limit).stream().map(Due::timer).toList();
  }

  /** As {@link #due}, each with the traceparent it was armed with. */
  public List<Due> dueWithTrace(long now, int limit) {
    List<Due> out = new ArrayList<>();
    String upper = padded(now) + (char) (SEPARATOR + 1);
    try (KeyValueIterator<String, String> it = store.range(null, upper)) {
      while (it.hasNext() && out.size() < limit) {
        KeyValue<String, String> kv = it.next();
        out.add(new Due(new Timer(idOf(kv.key), Long.parseLong(kv.key.substring(0, 19))),
            Tracing.isValid(kv.value) ? kv.value : null));
      }
    }
    return out;
  }

  /** The timer id in an index key ({@code <dueAt, 19 digits>|<id>}). */
  public static String idOf(String key) {
    return key.substring(20);
  }

  static String key(String id, long dueAt) {
    if (dueAt < 0) {
      throw new IllegalArgumentException("due time must not be negative: " + dueAt);
    }
    return padded(dueAt) + SEPARATOR + id;
  }

  /** {@code millis} as 19 digits, zero-padded (String.format was a hot spot of every saga's store writes). */
  static String padded(long millis) {
    String digits = Long.toString(millis);
    StringBuilder out = new StringBuilder(19);
    for (int i = digits.length(); i < 19; i++) {
      out.append('0');
    }
    return out.append(digits).toString();
  }
}
