package io.poseidon.topology.query;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Interactive queries over a service's named key-value stores, written once for every service. The
 * caller names the store and the <em>partition key</em> (the Kafka record key that decides where the
 * data lives); the answer is computed from the local partition, or names the node that owns the key
 * ({@code application.server}) so the gateway can forward the request.
 */
public final class StoreQueries {

  private static final StringSerializer STRING_KEYS = new StringSerializer();

  private final StreamsView streams;
  private final HostInfo self;

  public StoreQueries(KafkaStreams streams, HostInfo self) {
    this(StreamsView.of(streams), self);
  }

  public StoreQueries(StreamsView streams, HostInfo self) {
    this.streams = streams;
    this.self = self;
  }

  /** Value of {@code storeKey}, kept in the partition that {@code partitionKey} maps to. */
  public <V> QueryResult<Optional<V>> get(String store, String partitionKey, String storeKey) {
    return onOwner(store, partitionKey, partition -> {
      ReadOnlyKeyValueStore<String, V> kv = streams.keyValueStore(store, partition);
      return Optional.ofNullable(kv.get(storeKey));
    });
  }

  /** Entries whose key starts with {@code prefix}, at most {@code limit}, in key order. */
  public <V> QueryResult<List<KeyValue<String, V>>> prefix(String store, String partitionKey, String prefix,
      int limit) {
    return onOwner(store, partitionKey, partition -> {
      ReadOnlyKeyValueStore<String, V> kv = streams.keyValueStore(store, partition);
      try (KeyValueIterator<String, V> it = kv.prefixScan(prefix, STRING_KEYS)) {
        return drain(it, limit);
      }
    });
  }

  /** Entries with {@code from <= key <= to} (either may be null for open), at most {@code limit}. */
  public <V> QueryResult<List<KeyValue<String, V>>> range(String store, String partitionKey, String from,
      String to, int limit) {
    return onOwner(store, partitionKey, partition -> {
      ReadOnlyKeyValueStore<String, V> kv = streams.keyValueStore(store, partition);
      try (KeyValueIterator<String, V> it = kv.range(from, to)) {
        return drain(it, limit);
      }
    });
  }

  /** Every entry of a global store (the same on every node: always answered here). */
  public <V> QueryResult<List<KeyValue<String, V>>> globalAll(String store, int limit) {
    try {
      ReadOnlyKeyValueStore<String, V> kv = streams.globalKeyValueStore(store);
      try (KeyValueIterator<String, V> it = kv.all()) {
        return new QueryResult.Local<>(drain(it, limit), -1);
      }
    } catch (IllegalStateException | InvalidStateStoreException e) {
      return new QueryResult.Unavailable<>("store " + store + " not queryable yet: " + e.getMessage());
    }
  }

  /** One entry of a global store. */
  public <V> QueryResult<Optional<V>> globalGet(String store, String key) {
    try {
      ReadOnlyKeyValueStore<String, V> kv = streams.globalKeyValueStore(store);
      return new QueryResult.Local<>(Optional.ofNullable(kv.get(key)), -1);
    } catch (IllegalStateException | InvalidStateStoreException e) {
      return new QueryResult.Unavailable<>("store " + store + " not queryable yet: " + e.getMessage());
    }
  }

  /**
   * Sums, per key, the windows of {@code store} starting in [{@code from}, {@code to}] over this node's
   * partitions (a gateway adds up the nodes of {@link #hostsOf}).
   */
  public QueryResult<Map<String, Long>> localWindowSums(String store, Instant from, Instant to) {
    try {
      ReadOnlyWindowStore<String, Long> windows = streams.windowStore(store);
      Map<String, Long> sums = new TreeMap<>();
      try (KeyValueIterator<Windowed<String>, Long> it = windows.fetchAll(from, to)) {
        it.forEachRemaining(kv -> sums.merge(kv.key.key(), kv.value, Long::sum));
      }
      return new QueryResult.Local<>(sums, -1);
    } catch (IllegalStateException | InvalidStateStoreException e) {
      return new QueryResult.Unavailable<>("store " + store + " not queryable yet: " + e.getMessage());
    }
  }

  /** The stores of one partition, for a query that reads several of them. */
  public interface Partition {
    <V> ReadOnlyKeyValueStore<String, V> keyValue(String store);

    <V> ReadOnlyWindowStore<String, V> window(String store);

    int partition();
  }

  /** A query of one partition's stores. */
  public interface PartitionQuery<T> {
    T run(Partition partition);
  }

  /**
   * Runs {@code query} on the partition that owns {@code partitionKey} of {@code store} when it is here,
   * over any of that partition's stores (a series index and its window stores, say); else names the owner.
   */
  public <T> QueryResult<T> onPartitionOf(String store, String partitionKey, PartitionQuery<T> query) {
    return onOwner(store, partitionKey, partition -> query.run(new Partition() {
      @Override
      public <V> ReadOnlyKeyValueStore<String, V> keyValue(String name) {
        return streams.keyValueStore(name, partition);
      }

      @Override
      public <V> ReadOnlyWindowStore<String, V> window(String name) {
        return streams.windowStore(name, partition);
      }

      @Override
      public int partition() {
        return partition;
      }
    }));
  }

  /** Every entry of {@code store} on this node's partitions, at most {@code limit} (a gateway gathers the nodes). */
  public <V> QueryResult<List<KeyValue<String, V>>> localAll(String store, int limit) {
    try {
      ReadOnlyKeyValueStore<String, V> kv = streams.localKeyValueStore(store);
      try (KeyValueIterator<String, V> it = kv.all()) {
        return new QueryResult.Local<>(drain(it, limit), -1);
      }
    } catch (IllegalStateException | InvalidStateStoreException e) {
      return new QueryResult.Unavailable<>("store " + store + " not queryable yet: " + e.getMessage());
    }
  }

  /** The nodes hosting partitions of {@code store}, this one included. */
  public List<HostInfo> hostsOf(String store) {
    try {
      return streams.hostsOf(store);
    } catch (IllegalStateException e) {
      return List.of(self);
    }
  }

  /** The partitions of {@code topic} that each node's tasks of {@code store} hold (empty before the client runs). */
  public Map<HostInfo, java.util.Set<Integer>> partitionsOf(String store, String topic) {
    try {
      return streams.partitionsOf(store, topic);
    } catch (IllegalStateException e) {
      return Map.of();
    }
  }

  /** This node. */
  public HostInfo self() {
    return self;
  }

  private interface LocalQuery<T> {
    T run(int partition);
  }

  private <T> QueryResult<T> onOwner(String store, String partitionKey, LocalQuery<T> query) {
    KeyQueryMetadata meta;
    try {
      meta = streams.metadataForKey(store, partitionKey);
    } catch (IllegalStateException | InvalidStateStoreException e) {
      return new QueryResult.Unavailable<>("store " + store + " not queryable yet: " + e.getMessage());
    }
    if (meta == null || meta.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
      return new QueryResult.Unavailable<>("store " + store + " is being rebalanced or restored");
    }
    QueryScope scope = QueryScope.current();
    if (!meta.activeHost().equals(self)) {
      if (scope != null && scope.standbyAllowed() && meta.standbyHosts().contains(self)) {
        return onStandby(store, meta.partition(), scope, query);
      }
      return new QueryResult.Remote<>(meta.activeHost(), meta.partition(), meta.standbyHosts());
    }
    try {
      if (scope != null && scope.bound() != null) {
        StreamsView.Reach reach = streams.reached(store, meta.partition(), partitionKey, scope.bound());
        if (reach == StreamsView.Reach.BEHIND) {
          return new QueryResult.Behind<>("store " + store + " partition " + meta.partition()
              + " has not processed position " + scope.bound().offsets() + " yet");
        }
        if (reach == StreamsView.Reach.NOT_HERE) {
          return new QueryResult.Unavailable<>("store " + store + " partition " + meta.partition()
              + " is migrating to or from this node");
        }
      }
      T value = query.run(meta.partition());
      if (scope != null) {
        scope.answered("active", streams.lag(store, meta.partition()));
      }
      return new QueryResult.Local<>(value, meta.partition());
    } catch (InvalidStateStoreException e) {
      if (scope != null && scope.bound() == null && streams.warmCopy(store, meta.partition())) {
        // taking the partition over from a standby here (a standby becoming active): the copy it kept
        // warm may answer, marked standby since it may be behind; a task restoring from nothing may not
        QueryResult<T> stale = onStandby(store, meta.partition(), scope, query);
        if (stale instanceof QueryResult.Local<T>) {
          return stale;
        }
      }
      return new QueryResult.Unavailable<>("store " + store + " partition " + meta.partition()
          + " is migrating: " + e.getMessage());
    }
  }

  /**
   * The answer of this node's standby replica of {@code partition}, for a query whose active did not
   * answer. Not for a read-your-writes query: a standby's position is not checked here.
   */
  private <T> QueryResult<T> onStandby(String store, int partition, QueryScope scope, LocalQuery<T> query) {
    if (scope.bound() != null) {
      return new QueryResult.Unavailable<>("the active replica of store " + store + " partition " + partition
          + " did not answer, and a read-your-writes query is answered by the active only");
    }
    scope.readingStandby(true);
    try {
      T value = query.run(partition);
      scope.answered("standby", streams.standbyLag(store, partition));
      return new QueryResult.Local<>(value, partition);
    } catch (InvalidStateStoreException e) {
      return new QueryResult.Unavailable<>("store " + store + " partition " + partition
          + " has no replica here that can answer: " + e.getMessage());
    } finally {
      scope.readingStandby(false);
    }
  }

  private static <V> List<KeyValue<String, V>> drain(KeyValueIterator<String, V> it, int limit) {
    List<KeyValue<String, V>> out = new ArrayList<>();
    while (it.hasNext() && out.size() < limit) {
      out.add(it.next());
    }
    return out;
  }
}
