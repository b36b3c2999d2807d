package io.poseidon.topology.streams;

import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * A window store that keeps what its processor changes in memory (as objects: sketches, counters, a list
 * of ids) and writes it to the changelogged store underneath <b>once per commit</b> — one changelog record
 * per changed window or per batch, however many records changed it in between. The hot path then does no
 * serialization, no store write and sends no changelog record per input record.
 *
 * <p>How the writes reach the commit: a subclass is the task's registered store and implements Kafka
 * Streams' {@code CachedStateStore} (the interface of its record caches), so the task calls {@link
 * #flushCache()} in its commit, before it flushes its producer and commits the transaction — the point
 * where Streams' own caches write their dirty entries. What {@link #writeBuffered()} writes there is in the
 * same transaction as the input offsets that produced it, so exactly-once holds. A task closed dirty (a
 * failure, a fence) calls {@link #clearCache()}: the buffer is dropped with the transaction, and the next
 * owner starts from the store. {@code CachedStateStore} is an internal interface of Kafka Streams (4.3);
 * tests of every subclass read the changelog after a commit and fail if the task stops calling it
 * (ADR 0013).
 *
 * <p>Everything else — reads, interactive queries, direct {@link #put}s — goes to the store underneath, so a
 * query sees what the last commit wrote. Subclasses: lighthouse's {@code SketchWindowStore}, tide's
 * de-duplication log and counters.
 */
public abstract class CommitBufferedWindowStore<K, V> implements WindowStore<K, V>, CachedStateStore<K, V> {

  protected final WindowStore<K, V> inner;

  protected CommitBufferedWindowStore(WindowStore<K, V> inner) {
    this.inner = Objects.requireNonNull(inner);
  }

  /** Writes what was buffered since the last write to {@link #inner} (in the task's open transaction). */
  protected abstract void writeBuffered();

  /** Drops what is buffered (a closed task, a new init): it was never committed. */
  protected abstract void dropBuffered();

  /**
   * The store {@code name} of a processor's context as {@code type}, unwrapped from the read-write decorator
   * the context puts around every store.
   */
  public static <T extends StateStore> T of(ProcessingContext context, String name, Class<T> type) {
    StateStore store = context.getStateStore(name);
    while (!type.isInstance(store) && store instanceof WrappedStateStore<?, ?, ?> wrapped) {
      store = wrapped.wrapped();
    }
    if (type.isInstance(store)) {
      return type.cast(store);
    }
    throw new IllegalStateException(name + " is not a " + type.getSimpleName() + ": " + store.getClass().getName());
  }

  /**
   * A builder of {@code wrap(the store of inner)}: Streams' own builder makes the store underneath (metrics,
   * changelog, serdes; give it {@code withCachingDisabled()}: this store is the cache), the subclass goes in
   * front of it.
   */
  public static <K, V, S extends CommitBufferedWindowStore<K, V>> StoreBuilder<S> builder(
      StoreBuilder<WindowStore<K, V>> inner, Function<WindowStore<K, V>, S> wrap) {
    return new Builder<>(inner, wrap);
  }

  // --- the commit -------------------------------------------------------------------------------

  @Override
  public void flushCache() {
    writeBuffered();
    if (inner instanceof CachedStateStore<?, ?> cached) {
      cached.flushCache();
    }
  }

  @Override
  public void clearCache() {
    dropBuffered();
    if (inner instanceof CachedStateStore<?, ?> cached) {
      cached.clearCache();
    }
  }

  @Override
  public boolean setFlushListener(CacheFlushListener<K, V> listener, boolean sendOldValues) {
    return false; // nothing downstream is forwarded from this store's writes
  }

  // --- a window store: reads and direct writes go to the store underneath -----------------------

  @Override
  public void put(K key, V value, long windowStartTimestamp) {
    inner.put(key, value, windowStartTimestamp);
  }

  @Override
  public V fetch(K key, long time) {
    return inner.fetch(key, time);
  }

  @Override
  public WindowStoreIterator<V> fetch(K key, long timeFrom, long timeTo) {
    return inner.fetch(key, timeFrom, timeTo);
  }

  @Override
  public WindowStoreIterator<V> backwardFetch(K key, long timeFrom, long timeTo) {
    return inner.backwardFetch(key, timeFrom, timeTo);
  }

  @Override
  public KeyValueIterator<Windowed<K>, V> fetch(K keyFrom, K keyTo, long timeFrom, long timeTo) {
    return inner.fetch(keyFrom, keyTo, timeFrom, timeTo);
  }

  @Override
  public KeyValueIterator<Windowed<K>, V> backwardFetch(K keyFrom, K keyTo, long timeFrom, long timeTo) {
    return inner.backwardFetch(keyFrom, keyTo, timeFrom, timeTo);
  }

  @Override
  public KeyValueIterator<Windowed<K>, V> fetchAll(long timeFrom, long timeTo) {
    return inner.fetchAll(timeFrom, timeTo);
  }

  @Override
  public KeyValueIterator<Windowed<K>, V> backwardFetchAll(long timeFrom, long timeTo) {
    return inner.backwardFetchAll(timeFrom, timeTo);
  }

  @Override
  public KeyValueIterator<Windowed<K>, V> all() {
    return inner.all();
  }

  @Override
  public KeyValueIterator<Windowed<K>, V> backwardAll() {
    return inner.backwardAll();
  }

  // --- the state store ---------------------------------------------------------------------------

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    dropBuffered();
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
    dropBuffered();
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

  /** Streams' builder makes the store underneath; the subclass goes in front of it. */
  private static final class Builder<K, V, S extends CommitBufferedWindowStore<K, V>> implements StoreBuilder<S> {
    private final StoreBuilder<WindowStore<K, V>> inner;
    private final Function<WindowStore<K, V>, S> wrap;

    Builder(StoreBuilder<WindowStore<K, V>> inner, Function<WindowStore<K, V>, S> wrap) {
      this.inner = Objects.requireNonNull(inner);
      this.wrap = Objects.requireNonNull(wrap);
    }

    @Override
    public StoreBuilder<S> withCachingEnabled() {
      throw new UnsupportedOperationException("a " + getClass().getEnclosingClass().getSimpleName()
          + " is its own cache");
    }

    @Override
    public StoreBuilder<S> withCachingDisabled() {
      return this;
    }

    @Override
    public StoreBuilder<S> withLoggingEnabled(Map<String, String> config) {
      inner.withLoggingEnabled(config);
      return this;
    }

    @Override
    public StoreBuilder<S> withLoggingDisabled() {
      inner.withLoggingDisabled();
      return this;
    }

    @Override
    public S build() {
      return wrap.apply(inner.build());
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
