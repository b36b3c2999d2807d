package io.poseidon.topology.query;

import org.apache.kafka.streams.state.HostInfo;

/** Answer of an interactive query: the local answer, the node that owns the key, or not now. */
public sealed interface QueryResult<T> {

  /** Answered from a local store. */
  record Local<T>(T value, int partition) implements QueryResult<T> {}

  /**
   * Another node owns the key: forward the query there; when it does not answer, one of {@code standbys}
   * (nodes with a standby replica of the partition) may.
   */
  record Remote<T>(HostInfo owner, int partition, java.util.Set<HostInfo> standbys) implements QueryResult<T> {
    public Remote {
      standbys = java.util.Set.copyOf(standbys);
    }

    public Remote(HostInfo owner, int partition) {
      this(owner, partition, java.util.Set.of());
    }
  }

  /** No node can answer now (starting, rebalancing, restoring); try again shortly. */
  record Unavailable<T>(String reason) implements QueryResult<T> {}

  /**
   * The store here owns the key but has not yet processed the position the query is bound to
   * ({@link QueryScope.Bound}): ask again in a moment.
   */
  record Behind<T>(String reason) implements QueryResult<T> {}
}
