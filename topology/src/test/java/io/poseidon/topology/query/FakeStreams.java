package io.poseidon.topology.query;

import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * A Kafka Streams client for query tests, without a broker: stores are sorted maps, and the test says
 * who owns the keys (this node, another one) and whether the client is starting, rebalancing or
 * migrating a store. Shared by the topology and gateway tests (topology test-jar).
 */
public final class FakeStreams implements StreamsView {

  /** What {@link #metadataForKey} answers. */
  public enum Mode { LOCAL, REMOTE, REBALANCING, NOT_STARTED, MIGRATING }

  private final HostInfo self;
  private final Map<String, NavigableMap<String, Object>> stores = new ConcurrentHashMap<>();
  private volatile Mode mode = Mode.LOCAL;
  private volatile HostInfo remoteOwner = new HostInfo("other-node", 1);
  private volatile Set<HostInfo> standbys = Set.of();

  public FakeStreams(HostInfo self) {
    this.self = self;
  }

  public HostInfo self() {
    return self;
  }

  public void put(String store, String key, Object value) {
    stores.computeIfAbsent(store, s -> new TreeMap<>()).put(key, value);
  }

  public void remove(String store, String key) {
    stores.computeIfAbsent(store, s -> new TreeMap<>()).remove(key);
  }

  /** Every key now lives on this node. */
  public void local() {
    mode = Mode.LOCAL;
  }

  /** Every key now lives on {@code owner}. */
  public void ownedBy(HostInfo owner) {
    remoteOwner = owner;
    mode = Mode.REMOTE;
  }

  /** Every key has a standby replica on {@code hosts} (this node included, when named). */
  public void standbysOn(HostInfo... hosts) {
    standbys = Set.of(hosts);
  }

  public void mode(Mode mode) {
    this.mode = mode;
  }

  @Override
  public KeyQueryMetadata metadataForKey(String store, String partitionKey) {
    return switch (mode) {
      case NOT_STARTED -> throw new IllegalStateException("KafkaStreams is not running. State is CREATED.");
      case REBALANCING -> KeyQueryMetadata.NOT_AVAILABLE;
      case REMOTE -> new KeyQueryMetadata(remoteOwner, standbys, 0);
      default -> new KeyQueryMetadata(self, Set.of(), 0);
    };
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V> ReadOnlyKeyValueStore<String, V> keyValueStore(String store, int partition) {
    if (mode == Mode.MIGRATING) {
      throw new InvalidStateStoreException("store " + store + " is migrating to another instance");
    }
    NavigableMap<String, V> map = (NavigableMap<String, V>) (NavigableMap<String, ?>)
        stores.computeIfAbsent(store, s -> new TreeMap<>());
    return new ReadOnlyKeyValueStore<>() {
      @Override
      public V get(String key) {
        return map.get(key);
      }

      @Override
      public KeyValueIterator<String, V> range(String from, String to) {
        NavigableMap<String, V> sub = from == null && to == null ? map
            : from == null ? map.headMap(to, true) : to == null ? map.tailMap(from, true) : map.subMap(from, true, to, true);
        return iterator(sub);
      }

      @Override
      public KeyValueIterator<String, V> all() {
        return iterator(map);
      }

      @Override
      public <PS extends Serializer<P>, P> KeyValueIterator<String, V> prefixScan(P prefix, PS serializer) {
        String p = String.valueOf(prefix);
        return iterator(map.subMap(p, true, p + Character.MAX_VALUE, false));
      }

      @Override
      public long approximateNumEntries() {
        return map.size();
      }
    };
  }

  @Override
  public <V> ReadOnlyKeyValueStore<String, V> globalKeyValueStore(String store) {
    return keyValueStore(store, 0);
  }

  @Override
  public <V> org.apache.kafka.streams.state.ReadOnlyWindowStore<String, V> windowStore(String store) {
    throw new UnsupportedOperationException("FakeStreams has no window stores");
  }

  @Override
  public <V> org.apache.kafka.streams.state.ReadOnlyWindowStore<String, V> windowStore(String store, int partition) {
    return windowStore(store);
  }

  @Override
  public <V> ReadOnlyKeyValueStore<String, V> localKeyValueStore(String store) {
    return keyValueStore(store, 0);
  }

  @Override
  public java.util.List<HostInfo> hostsOf(String store) {
    return mode == Mode.REMOTE ? java.util.List.of(self, remoteOwner) : java.util.List.of(self);
  }

  private static <V> KeyValueIterator<String, V> iterator(NavigableMap<String, V> map) {
    Iterator<Map.Entry<String, V>> it = new TreeMap<>(map).entrySet().iterator();
    return new KeyValueIterator<>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public KeyValue<String, V> next() {
        Map.Entry<String, V> e = it.next();
        return KeyValue.pair(e.getKey(), e.getValue());
      }

      @Override
      public void close() {}

      @Override
      public String peekNextKey() {
        throw new UnsupportedOperationException();
      }
    };
  }
}
