package io.poseidon.processors.lighthouse;

import io.poseidon.schemas.lighthouse.SeriesAggregate;
import io.poseidon.topology.streams.CommitBufferedWindowStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * One of lighthouse's window stores (10 s, 1 min, 1 h): a changelogged RocksDB window store of {@link
 * SeriesAggregate} records with, in front of it, the windows the processor works on as {@link Aggregate}
 * objects. The processor changes a window's object and marks it dirty; a dirty window is encoded (its
 * DDSketch) and written to the store <b>once per commit</b>, however many batches changed it in between —
 * encoding every write was a quarter of the stream thread's CPU, and a hot series is written by many
 * batches a second.
 *
 * <p>How the writes reach the commit: see {@link CommitBufferedWindowStore} (the task calls {@link
 * #flushCache()} in its commit, before the transaction commits: exactly-once holds). {@code
 * LighthouseTopologyTest} reads the changelog after each commit and fails if the task stops calling it
 * (ADR 0013).
 *
 * <p>Reads: the processor reads objects ({@link #window}); queries (interactive, from other threads) read
 * the store underneath, which holds what the last commit wrote — so a query sees a batch at most one commit
 * interval after it was processed, and a query's position bound (read-your-writes) passes once the commit
 * wrote it. A closed task (revoked, or closed dirty after a failure) drops its objects: the next one starts
 * from the store.
 */
public final class SketchWindowStore extends CommitBufferedWindowStore<String, SeriesAggregate> {

  /** Windows kept as objects (the ones written last); a window not among them is read from the store. */
  static final int HOT_WINDOWS = 30_000;

  /** Windows changed since the last commit, by (key, window start); written by {@link #flushCache()}. */
  private final Map<WindowKey, Aggregate> dirty = new LinkedHashMap<>();
  private final Map<WindowKey, Aggregate> hot = new LinkedHashMap<>(1 << 12, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<WindowKey, Aggregate> eldest) {
      // a dirty window stays until it is written (it is in dirty too, so evicting it here loses nothing)
      return size() > HOT_WINDOWS;
    }
  };

  record WindowKey(String key, long start) {}

  SketchWindowStore(WindowStore<String, SeriesAggregate> inner) {
    super(inner);
  }

  /** The store builder: a changelogged persistent window store without a record cache, this in front. */
  static StoreBuilder<SketchWindowStore> builder(String name, Duration retention, Duration size,
      Serde<SeriesAggregate> values) {
    return CommitBufferedWindowStore.builder(Stores.windowStoreBuilder(Stores.persistentWindowStore(name, retention,
        size, false), Serdes.String(), values).withCachingDisabled(), SketchWindowStore::new);
  }

  /** The store {@code name} of the processor's context. */
  static SketchWindowStore of(org.apache.kafka.streams.processor.api.ProcessingContext context, String name) {
    return CommitBufferedWindowStore.of(context, name, SketchWindowStore.class);
  }

  /** The window as the processor last left it: its object, else the store's record, else empty. */
  Aggregate window(String key, long start) {
    WindowKey k = new WindowKey(key, start);
    Aggregate a = hot.get(k);
    if (a == null) {
      a = dirty.get(k);
      if (a == null) {
        a = Aggregate.of(inner.fetch(key, start));
      }
      hot.put(k, a);
    }
    return a;
  }

  /** {@code window} (the object {@link #window} gave, changed) is to be written with the next commit. */
  void changed(String key, long start, Aggregate window) {
    dirty.put(new WindowKey(key, start), window);
  }

  /** Windows changed since the last commit (tests, metrics). */
  int dirtyWindows() {
    return dirty.size();
  }

  /**
   * Writes the windows changed since the last write to the store (in the task's open transaction, like any
   * write of the stream thread): the commit does, and the processor before it reads ranges of the store.
   */
  void writeChanged() {
    writeBuffered();
  }

  @Override
  protected void writeBuffered() {
    if (!dirty.isEmpty()) {
      for (Map.Entry<WindowKey, Aggregate> e : dirty.entrySet()) {
        inner.put(e.getKey().key(), e.getValue().toRecord(), e.getKey().start());
      }
      dirty.clear();
    }
  }

  @Override
  protected void dropBuffered() {
    dirty.clear();
    hot.clear();
  }

  /** A record written directly (restoring tools, tests): it replaces the window's object. */
  @Override
  public void put(String key, SeriesAggregate value, long windowStartTimestamp) {
    WindowKey k = new WindowKey(key, windowStartTimestamp);
    dirty.remove(k);
    hot.remove(k);
    inner.put(key, value, windowStartTimestamp);
  }
}
