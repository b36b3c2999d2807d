package io.poseidon.topology.query;

import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.StreamsMetadata;
import java.util.List;

/**
 * What {@link StoreQueries} needs from a Kafka Streams client: which host owns a key of a store, and
 * the local store of one partition. {@link #of(KafkaStreams)} is the real one; tests give a fake.
 */
public interface StreamsView {

  /**
   * Where {@code partitionKey} of {@code store} lives ({@link KeyQueryMetadata#NOT_AVAILABLE} while
   * rebalancing); may throw {@link IllegalStateException} or
   * {@link org.apache.kafka.streams.errors.InvalidStateStoreException} before the client runs.
   */
  KeyQueryMetadata metadataForKey(String store, String partitionKey);

  /** The local key-value store of {@code partition}; may throw InvalidStateStoreException while it migrates. */
  <V> ReadOnlyKeyValueStore<String, V> keyValueStore(String store, int partition);

  /** A global store (the same on every node). */
  <V> ReadOnlyKeyValueStore<String, V> globalKeyValueStore(String store);

  /** A window store over all of this node's partitions. */
  <V> ReadOnlyWindowStore<String, V> windowStore(String store);

  /** The local window store of {@code partition}; may throw InvalidStateStoreException while it migrates. */
  <V> ReadOnlyWindowStore<String, V> windowStore(String store, int partition);

  /** A key-value store over all of this node's partitions. */
  <V> ReadOnlyKeyValueStore<String, V> localKeyValueStore(String store);

  /** Every node ({@code application.server}) that hosts a partition of {@code store}, this one included. */
  List<HostInfo> hostsOf(String store);

  /**
   * The partitions of {@code topic} each node's tasks of {@code store} hold, this node included (a
   * scatter-gather names the partitions of a node that did not answer).
   */
  default java.util.Map<HostInfo, java.util.Set<Integer>> partitionsOf(String store, String topic) {
    return java.util.Map.of();
  }

  static StreamsView of(KafkaStreams streams) {
    StringSerializer keys = new StringSerializer();
    return new StreamsView() {
      @Override
      public KeyQueryMetadata metadataForKey(String store, String partitionKey) {
        return streams.queryMetadataForKey(store, partitionKey, keys);
      }

      @Override
      public <V> ReadOnlyKeyValueStore<String, V> keyValueStore(String store, int partition) {
        return streams.store(StoreQueryParameters.<ReadOnlyKeyValueStore<String, V>>fromNameAndType(
            store, QueryableStoreTypes.keyValueStore()).withPartition(partition));
      }

      @Override
      public <V> ReadOnlyKeyValueStore<String, V> globalKeyValueStore(String store) {
        return streams.store(StoreQueryParameters.<ReadOnlyKeyValueStore<String, V>>fromNameAndType(
            store, QueryableStoreTypes.keyValueStore()));
      }

      @Override
      public <V> ReadOnlyWindowStore<String, V> windowStore(String store) {
        return streams.store(StoreQueryParameters.<ReadOnlyWindowStore<String, V>>fromNameAndType(
            store, QueryableStoreTypes.windowStore()));
      }

      @Override
      public <V> ReadOnlyWindowStore<String, V> windowStore(String store, int partition) {
        return streams.store(StoreQueryParameters.<ReadOnlyWindowStore<String, V>>fromNameAndType(
            store, QueryableStoreTypes.windowStore()).withPartition(partition));
      }

      @Override
      public <V> ReadOnlyKeyValueStore<String, V> localKeyValueStore(String store) {
        return streams.store(StoreQueryParameters.<ReadOnlyKeyValueStore<String, V>>fromNameAndType(
            store, QueryableStoreTypes.keyValueStore()));
      }

      @Override
      public java.util.Map<HostInfo, java.util.Set<Integer>> partitionsOf(String store, String topic) {
        java.util.Map<HostInfo, java.util.Set<Integer>> out = new java.util.HashMap<>();
        for (StreamsMetadata m : streams.streamsMetadataForStore(store)) {
          java.util.Set<Integer> partitions = new java.util.TreeSet<>();
          m.topicPartitions().stream().filter(tp -> tp.topic().equals(topic)).forEach(tp -> partitions.add(tp.partition()));
          out.put(m.hostInfo(), partitions);
        }
        return out;
      }

      @Override
      public List<HostInfo> hostsOf(String store) {
        return streams.streamsMetadataForStore(store).stream().map(StreamsMetadata::hostInfo).toList();
      }
    };
  }
}
