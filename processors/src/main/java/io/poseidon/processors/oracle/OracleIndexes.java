package io.poseidon.processors.oracle;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The Lucene indexes of one node's oracle tasks, by partition: a task opens its partition's index when
 * it starts (rebuilt from its chunk store) and closes it when the partition leaves the node; queries
 * search the ones open here. One per running topology (a node), shared by its processors and its queries.
 */
public final class OracleIndexes {

  private final ConcurrentMap<Integer, PartitionIndex> open = new ConcurrentHashMap<>();

  /** Makes {@code index} the one searched for its partition, replacing (and closing) one left from before. */
  void register(PartitionIndex index) {
    PartitionIndex old = open.put(index.partition(), index);
    if (old != null) {
      old.close();
    }
  }

  /** Closes {@code index} and forgets it, unless a newer one took its partition. */
  void close(PartitionIndex index) {
    open.remove(index.partition(), index);
    index.close();
  }

  /** The indexes open on this node, by partition. */
  public Map<Integer, PartitionIndex> local() {
    return new TreeMap<>(open);
  }
}
