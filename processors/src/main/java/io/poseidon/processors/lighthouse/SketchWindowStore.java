package io.poseidon.processors.lighthouse;

import io.poseidon.schemas.lighthouse.SeriesAggregate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * One of lighthouse's window stores (10 s, 1 min, 1 h): a changelogged RocksDB window store of {@link
 * SeriesAggregate} records with, in front of it, the windows the processor works on as {@link Aggregate}
 * objects. The processor changes a window's object and marks it dirty; a dirty window is encoded (its
 * DDSketch) and written to the store <b>once per commit</b>, however many batches changed it in between —
 * encoding every write was a quarter of the stream thread's CPU, and a hot series is written by many
 * batches a second.
 *
 * <p>How the writes reach the commit: this store is the task's registered store and implements Kafka
 * Streams' {@code CachedStateStore} (the interface of its record caches), so the task calls {@link
 * #flushCache()} in its commit before it flushes its producer and commits the transaction — the same point
 * where Streams' own caches write their dirty entries. The windows written there are in the same
 * transaction as the input offsets that produced them (exactly-once holds). {@code CachedStateStore} is an
 * internal interface of Kafka Streams (4.3): {@code LighthouseTopologyTest} reads the changelog after each
 * commit and fails if the task stops calling it (ADR 0013).
 *
 * <p>Reads: the processor reads objects ({@link #window}); queries (interactive, from other threads) read
 * the store underneath, which holds what the last commit wrote — so a query sees a batch at most one commit
 * interval after it was processed, and a query's position bound (read-your-writes) passes once the commit
 * wrote it. A closed task (revoked, or closed dirty after a failure) drops its objects: the next one starts
 * from the store.
 */
public final class SketchWindowStore implements WindowStore<String, SeriesAggregate>,
    CachedStateStore<String, SeriesAggregate> {

  /** Windows kept as objects (the ones written last); a window not among them is read from the store. */
  static final int HOT_WINDOWS = 30_000;

  private final WindowStore<String, SeriesAggregate> inner;
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
    this.inner = inner;
  }

  /** The store builder: a changelogged persistent window store without a record cache, this in front. */
  static StoreBuilder<SketchWindowStore> builder(String name, Duration retention, Duration size,
      Serde<SeriesAggregate> values) {
    return new Builder(Stores.windowStoreBuilder(Stores.persistentWindowStore(name, retention, size, false),
        Serdes.String(), values).withCachingDisabled());
  }

  /**
   * The store {@code name} of the processor's context, unwrapped from the read-write decorator the context
   * puts around every window store.
   */
  static SketchWindowStore of(org.apache.kafka.streams.processor.api.ProcessingContext context, String name) {
    StateStore store = context.getStateStore(name);
    while (!(store instanceof SketchWindowStore) && store instanceof WrappedStateStore<?, ?, ?> wrapped) {
      store = wrapped.wrapped();
    }
    if (store instanceof SketchWindowStore sketches) {
      return sketches;
    }
    throw new IllegalStateException(name + " is not a SketchWindowStore: " + store.getClass().getName());
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

  // --- the commit -------------------------------------------------------------------------------

  /**
   * Writes the windows changed since the last write to the store (in the task's open transaction, like any
   * write of the stream thread): the commit does, and the processor before it reads ranges of the store.
   */
  void writeChanged() {
    if (!dirty.isEmpty()) {
      for (Map.Entry<WindowKey, Aggregate> e : dirty.entrySet()) {
        inner.put(e.getKey().key(), e.getValue().toRecord(), e.getKey().start());
      }
      dirty.clear();
    }
  }

  @Override
  public void flushCache() {
    writeChanged();
    if (inner instanceof CachedStateStore<?, ?> cached) {
      cached.flushCache();
    }
  }

  @Override
  public void clearCache() {
    dirty.clear();
    hot.clear();
    if (inner instanceof CachedStateStore<?, ?> cached) {
      cached.clearCache();
    }
  }

  @Override
  public boolean setFlushListener(CacheFlushListener<String, SeriesAggregate> listener, boolean sendOldValues) {
    return false; // nothing downstream is forwarded from this store's writes
  }

  // --- a window store: writes go through the objects, reads see the store -----------------------

  /** A record written directly (restoring tools, tests): it replaces the window's object. */
  @Override
  public void put(String key, SeriesAggregate value, long windowStartTimestamp) {
    WindowKey k = new WindowKey(key, windowStartTimestamp);
    dirty.remove(k);
    hot.remove(k);
    inner.put(key, value, windowStartTimestamp);
  }

  @Override
  public SeriesAggregate fetch(String key, long time) {
    return inner.fetch(key, time);
  }

  @Override
  public WindowStoreIterator<SeriesAggregate> fetch(String key, long timeFrom, long timeTo) {
    return inner.fetch(key, timeFrom, timeTo);
  }

  @Override
  public WindowStoreIterator<SeriesAggregate> backwardFetch(String key, long timeFrom, long timeTo) {
    return inner.backwardFetch(key, timeFrom, timeTo);
  }

  @Override
  public KeyValueIterator<Windowed<String>, SeriesAggregate> fetch(String keyFrom, String keyTo, long timeFrom,
      long timeTo) {
    return inner.fetch(keyFrom, keyTo, timeFrom, timeTo);
  }

  @Override
  public KeyValueIterator<Windowed<String>, SeriesAggregate> backwardFetch(String keyFrom, String keyTo,
      long timeFrom, long timeTo) {
    return inner.backwardFetch(keyFrom, keyTo, timeFrom, timeTo);
  }

  @Override
  public KeyValueIterator<Windowed<String>, SeriesAggregate> fetchAll(long timeFrom, long timeTo) {
    return inner.fetchAll(timeFrom, timeTo);
  }

  @Override
  public KeyValueIterator<Windowed<String>, SeriesAggregate> backwardFetchAll(long timeFrom, long timeTo) {
    return inner.backwardFetchAll(timeFrom, timeTo);
  }

  @Override
  public KeyValueIterator<Windowed<String>, SeriesAggregate> all() {
    return inner.all();
  }

  @Override
  public KeyValueIterator<Windowed<String>, SeriesAggregate> backwardAll() {
    return inner.backwardAll();
  }

  // --- the state store ---------------------------------------------------------------------------

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    dirty.clear();
    hot.clear();
    inner.init(context, root);
  }

  @Override
  public void flush() {
    inner.flush();
  }

  @Override
  public void commit(Map<TopicPartition, Long> changelogOffsets) {
    inner.commit(changelogOffsets);
  }

  @Override
  public Long committedOffset(TopicPartition partition) {
    return inner.committedOffset(partition);
  }

  @Override
  public boolean managesOffsets() {
    return inner.managesOffsets();
  }

  @Override
  public void close() {
    dirty.clear();
    hot.clear();
    inner.close();
  }

  @Override
  public boolean persistent() {
    return inner.persistent();
  }

  @Override
  public boolean isOpen() {
    return inner.isOpen();
  }

  @Override
  public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
    return inner.query(query, positionBound, config);
  }

  @Override
  public Position getPosition() {
    return inner.getPosition();
  }

  /** Builds the store underneath with Streams' builder (metrics, changelog, serdes) and puts this in front. */
  private static final class Builder implements StoreBuilder<SketchWindowStore> {
    private final StoreBuilder<WindowStore<String, SeriesAggregate>> inner;

    Builder(StoreBuilder<WindowStore<String, SeriesAggregate>> inner) {
      this.inner = Objects.requireNonNull(inner);
    }

    @Override
    public StoreBuilder<SketchWindowStore> withCachingEnabled() {
      throw new UnsupportedOperationException("a SketchWindowStore is its own cache");
    }

    @Override
    public StoreBuilder<SketchWindowStore> withCachingDisabled() {
      return this;
    }

    @Override
    public StoreBuilder<SketchWindowStore> withLoggingEnabled(Map<String, String> config) {
      inner.withLoggingEnabled(config);
      return this;
    }

    @Override
    public StoreBuilder<SketchWindowStore> withLoggingDisabled() {
      inner.withLoggingDisabled();
      return this;
    }

    @Override
    public SketchWindowStore build() {
      return new SketchWindowStore(inner.build());
    }

    @Override
    public Map<String, String> logConfig() {
      return inner.logConfig();
    }

    @Override
    public boolean loggingEnabled() {
      return inner.loggingEnabled();
    }

    @Override
    public String name() {
      return inner.name();
    }
  }
}
