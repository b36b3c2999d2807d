package io.poseidon.processors.tide;

import io.poseidon.topology.streams.CommitBufferedWindowStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * tide's counters ({@code tide-counter-store}): per-minute sums by rule and destination, duplicates and dead
 * letters. The router adds to counters in memory; each changed counter is written to the changelogged
 * window store once per commit ({@link CommitBufferedWindowStore}), so counting costs a map update per
 * record, not a store read and write. Queries read the store: they see a count at most one commit interval
 * after the record.
 */
final class TideCounters extends CommitBufferedWindowStore<String, Long> {

  private record Counter(String key, long window) {}

  private final Map<Counter, long[]> added = new HashMap<>();

  TideCounters(WindowStore<String, Long> inner) {
    super(inner);
  }

  static StoreBuilder<TideCounters> builder(String name, Duration retention, Duration window) {
    return CommitBufferedWindowStore.builder(Stores.windowStoreBuilder(Stores.persistentWindowStore(name, retention,
        window, false), Serdes.String(), Serdes.Long()).withCachingDisabled(), TideCounters::new);
  }

  /** Adds {@code n} to the counter {@code key} of the window starting at {@code window}. */
  void add(String key, long window, long n) {
    added.computeIfAbsent(new Counter(key, window), c -> new long[1])[0] += n;
  }

  @Override
  protected void writeBuffered() {
    if (added.isEmpty()) {
      return;
    }
    for (Map.Entry<Counter, long[]> e : added.entrySet()) {
      Counter c = e.getKey();
      Long current = inner.fetch(c.key(), c.window());
      inner.put(c.key(), (current == null ? 0L : current) + e.getValue()[0], c.window());
    }
    added.clear();
  }

  @Override
  protected void dropBuffered() {
    added.clear();
  }
}
