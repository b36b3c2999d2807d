package io.poseidon.topology.timers;

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

  public void schedule(String id, long dueAt) {
    store.put(key(id, dueAt), id);
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
    List<Timer> out = new ArrayList<>();
    String upper = padded(now) + (char) (SEPARATOR + 1);
    try (KeyValueIterator<String, String> it = store.range(null, upper)) {
      while (it.hasNext() && out.size() < limit) {
        KeyValue<String, String> kv = it.next();
        out.add(new Timer(kv.value, Long.parseLong(kv.key.substring(0, 19))));
      }
    }
    return out;
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
