package io.poseidon.topology.saga;

import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A keyed table a unit of work reads and writes: a state store in a topology, a map in a unit test of
 * the pure decision classes.
 */
public interface Table<V> {

  V get(String key);

  void put(String key, V value);

  /** Removes the key; for a store with a changelog, writes a tombstone. */
  void delete(String key);

  static <V> Table<V> of(KeyValueStore<String, V> store) {
    return new Table<>() {
      @Override
      public V get(String key) {
        return store.get(key);
      }

      @Override
      public void put(String key, V value) {
        store.put(key, value);
      }

      @Override
      public void delete(String key) {
        store.delete(key);
      }
    };
  }

  /** A table over {@code map}, which sees every write (unit tests). */
  static <V> Table<V> of(Map<String, V> map) {
    return new Table<>() {
      @Override
      public V get(String key) {
        return map.get(key);
      }

      @Override
      public void put(String key, V value) {
        map.put(key, value);
      }

      @Override
      public void delete(String key) {
        map.remove(key);
      }
    };
  }

  /** An empty table in memory (unit tests). */
  static <V> Table<V> inMemory() {
    return of(new TreeMap<>());
  }
}
