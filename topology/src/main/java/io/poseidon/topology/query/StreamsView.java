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

  /**
   * Whether a partition's store has processed a position (IQv2 {@code PositionBound}); UNCHECKED for a
   * store that takes neither a key nor a window query.
   */
  enum Reach { REACHED, BEHIND, NOT_HERE, UNCHECKED }

  /**
   * Whether partition {@code partition} of {@code store} here has processed {@code bound} (what the bound
   * says of other partitions does not concern it: they are other tasks' input); asked with a query of
   * {@code partitionKey}.
   */
  default Reach reached(String store, int partition, String partitionKey, QueryScope.Bound bound) {
    return Reach.REACHED;
  }

  /** Records partition {@code partition}'s active task here is behind the end of its input, when known. */
  default Long lag(String store, int partition) {
    return null;
  }

  /** Records this node's standby replica of the partition is behind the end of its changelog, when known. */
  default Long standbyLag(String store, int partition) {
    return null;
  }

  /**
   * Whether this node's copy of the partition was a standby replica lately (within a minute): a copy
   * that was kept warm may answer while its task turns active; a task restoring from nothing may not
   * (it would answer 404 for what it has not restored yet).
   */
  default boolean warmCopy(String store, int partition) {
    return true;
  }

  static StreamsView of(KafkaStreams streams) {
    StringSerializer keys = new StringSerializer();
    return new StreamsView() {
      /** Changelog lags of this node's replicas, read at most once a second (each read asks the broker). */
      private volatile java.util.Map<String, java.util.Map<Integer, org.apache.kafka.streams.LagInfo>> lags;
      private volatile long lagsAt;
      /** Partitions of the standby tasks this node had, and when they were last seen as such. */
      private final java.util.Map<Integer, Long> standbySeen = new java.util.concurrent.ConcurrentHashMap<>();
      private volatile long standbysAt;

      @Override
      public boolean warmCopy(String store, int partition) {
        refreshStandbys();
        Long seen = standbySeen.get(partition);
        return seen != null && System.nanoTime() - seen < 60_000_000_000L;
      }

      /** At most every 200 ms: which partitions this node holds standby tasks of (any sub-topology). */
      private void refreshStandbys() {
        long now = System.nanoTime();
        if (now - standbysAt < 200_000_000L) {
          return;
        }
        standbysAt = now;
        try {
          for (org.apache.kafka.streams.ThreadMetadata thread : streams.metadataForLocalThreads()) {
            for (org.apache.kafka.streams.TaskMetadata task : thread.standbyTasks()) {
              standbySeen.put(task.taskId().partition(), now);
            }
          }
        } catch (RuntimeException e) {
          // not running: nothing learned
        }
      }

      /** A standby read may return a stale (standby) store; every other read only an active one. */
      private <S> StoreQueryParameters<S> local(StoreQueryParameters<S> params) {
        return QueryScope.readingStandby() ? params.enableStaleStores() : params;
      }

      @Override
      public Long standbyLag(String store, int partition) {
        long now = System.nanoTime();
        if (lags == null || now - lagsAt > 1_000_000_000L) {
          try {
            lags = streams.allLocalStorePartitionLags();
            lagsAt = now;
          } catch (RuntimeException e) {
            return null;
          }
        }
        org.apache.kafka.streams.LagInfo info = lags.getOrDefault(store, java.util.Map.of()).get(partition);
        return info == null ? null : info.offsetLag();
      }

      @Override
      public KeyQueryMetadata metadataForKey(String store, String partitionKey) {
        refreshStandbys(); // known before a crash turns a standby active (then it is too late to look)
        return streams.queryMetadataForKey(store, partitionKey, keys);
      }

      @Override
      public <V> ReadOnlyKeyValueStore<String, V> keyValueStore(String store, int partition) {
        return streams.store(local(StoreQueryParameters.<ReadOnlyKeyValueStore<String, V>>fromNameAndType(
            store, QueryableStoreTypes.keyValueStore()).withPartition(partition)));
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
        return streams.store(local(StoreQueryParameters.<ReadOnlyWindowStore<String, V>>fromNameAndType(
            store, QueryableStoreTypes.windowStore()).withPartition(partition)));
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
      public Reach reached(String store, int partition, String partitionKey, QueryScope.Bound bound) {
        org.apache.kafka.streams.query.PositionBound at = org.apache.kafka.streams.query.PositionBound.at(
            org.apache.kafka.streams.query.Position.fromMap(bound.offsets()));
        // A window fetch, whatever the store: Streams checks the bound before the query's handler looks at
        // the store, and for a key-value store that handler refuses the type without touching the store
        // (UNKNOWN_QUERY_TYPE, only reachable once the bound passed). A KeyQuery would read a key-value store
        // under its Position lock, which deadlocks with the stream thread's put (store lock, then Position
        // lock: KAFKA-19629, unfixed in 4.3.x and 4.4.0; ReadYourWritesBenchmark hung on it within seconds).
        Reach reach = probe(store, partition, at, org.apache.kafka.streams.query.WindowKeyQuery
            .withKeyAndWindowStartRange(partitionKey, java.time.Instant.EPOCH, java.time.Instant.EPOCH));
        return reach;
      }

      /** The bound's answer for one query type. */
      private <R> Reach probe(String store, int partition, org.apache.kafka.streams.query.PositionBound at,
          org.apache.kafka.streams.query.Query<R> query) {
        org.apache.kafka.streams.query.StateQueryResult<R> result = streams.query(
            org.apache.kafka.streams.query.StateQueryRequest.inStore(store).withQuery(query)
                .withPartitions(java.util.Set.of(partition)).withPositionBound(at));
        org.apache.kafka.streams.query.QueryResult<R> part = result.getPartitionResults().get(partition);
        if (part == null) {
          return Reach.NOT_HERE;
        }
        if (part.isSuccess()) {
          return Reach.REACHED;
        }
        return switch (part.getFailureReason()) {
          case UNKNOWN_QUERY_TYPE -> Reach.REACHED; // a key-value store, past the bound (see reached)
          case NOT_UP_TO_BOUND -> Reach.BEHIND;
          case NOT_ACTIVE, NOT_PRESENT, DOES_NOT_EXIST -> Reach.NOT_HERE;
          default -> throw new org.apache.kafka.streams.errors.InvalidStateStoreException(
              "store " + store + " partition " + partition + ": " + part.getFailureMessage());
        };
      }

      @Override
      public Long lag(String store, int partition) {
        long lag = 0;
        boolean known = false;
        for (org.apache.kafka.streams.ThreadMetadata thread : streams.metadataForLocalThreads()) {
          for (org.apache.kafka.streams.TaskMetadata task : thread.activeTasks()) {
            if (task.taskId().partition() != partition) {
              continue;
            }
            for (java.util.Map.Entry<org.apache.kafka.common.TopicPartition, Long> end : task.endOffsets().entrySet()) {
              Long committed = task.committedOffsets().get(end.getKey());
              if (committed != null && committed >= 0 && end.getValue() >= 0) {
                lag += Math.max(0, end.getValue() - committed);
                known = true;
              }
            }
          }
        }
        return known ? lag : null;
      }

      @Override
      public List<HostInfo> hostsOf(String store) {
        return streams.streamsMetadataForStore(store).stream().map(StreamsMetadata::hostInfo).toList();
      }
    };
  }
}
