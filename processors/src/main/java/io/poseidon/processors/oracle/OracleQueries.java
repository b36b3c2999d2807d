package io.poseidon.processors.oracle;

import io.poseidon.schemas.oracle.DocumentState;
import io.poseidon.topology.query.QueryResult;
import io.poseidon.topology.query.StoreQueries;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.streams.state.HostInfo;

/**
 * oracle's queries: a document's indexing state (on the node that owns its partition) and this node's
 * part of a search (its partitions' candidates, {@link Search#local}), cached until an index here
 * changes or {@code oracle.cache.ttl} passes.
 */
public final class OracleQueries {

  private static final int CACHE_ENTRIES = 512;

  private final StoreQueries stores;
  private final OracleIndexes indexes;
  private final Embedder embedder;
  private final Clock clock;
  private final Duration ttl;
  private final Map<String, Cached<Search.Candidates>> cache = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Cached<Search.Candidates>> eldest) {
      return size() > CACHE_ENTRIES;
    }
  };

  private final Map<String, Cached<Object>> answers = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Cached<Object>> eldest) {
      return size() > CACHE_ENTRIES;
    }
  };

  /** A cached value, valid while the index generations it was computed from hold and its TTL runs. */
  public record Cached<T>(T value, Map<Integer, Long> generations, long at) {}

  public OracleQueries(StoreQueries stores, OracleIndexes indexes, Embedder embedder, Clock clock, Duration ttl) {
    this.stores = stores;
    this.indexes = indexes;
    this.embedder = embedder;
    this.clock = clock;
    this.ttl = ttl;
  }

  public QueryResult<Optional<DocumentState>> document(String docId) {
    return stores.get(OracleTopology.DOCUMENT_STORE, docId, docId);
  }

  /** This node's part of a search; {@code cached} says whether it came from the cache. */
  public record Part(Search.Candidates candidates, boolean cached) {}

  public QueryResult<Part> localSearch(Search.Request request) {
    return localSearch(request, null);
  }

  /** This node's keyword statistics of {@code query} (a search over several nodes sums them first). */
  public KeywordStats stats(String query) {
    return Search.stats(indexes.local().values(), query);
  }

  /** This node's part of a search, its keyword hits scored with the cluster's {@code stats} (null: its own). */
  public QueryResult<Part> localSearch(Search.Request request, KeywordStats stats) {
    Map<Integer, PartitionIndex> local = indexes.local();
    Map<Integer, Long> generations = new TreeMap<>();
    local.forEach((p, index) -> generations.put(p, index.generation()));
    String key = request.cacheKey() + (stats == null ? "" : "\u0001" + stats.fingerprint());
    long now = clock.millis();
    if (!ttl.isZero()) {
      synchronized (cache) {
        Cached<Search.Candidates> hit = cache.get(key);
        if (hit != null && hit.generations().equals(generations) && now - hit.at() < ttl.toMillis()) {
          return new QueryResult.Local<>(new Part(hit.value(), true), -1);
        }
      }
    }
    Search.Candidates candidates = Search.local(local.values(), request, embedder, stats);
    if (!ttl.isZero() && candidates.partitions().equals(generations)) {
      synchronized (cache) {
        cache.put(key, new Cached<>(candidates, generations, now));
      }
    }
    return new QueryResult.Local<>(new Part(candidates, false), -1);
  }

  /**
   * An answer computed before from the same index generations ({@code generations}: every searched
   * partition's, from every node), within oracle.cache.ttl: any change of any searched index misses.
   */
  @SuppressWarnings("unchecked")
  public <T> Optional<T> cachedAnswer(String key, Map<Integer, Long> generations) {
    if (ttl.isZero()) {
      return Optional.empty();
    }
    synchronized (answers) {
      Cached<Object> hit = answers.get(key);
      if (hit != null && hit.generations().equals(generations) && clock.millis() - hit.at() < ttl.toMillis()) {
        return Optional.of((T) hit.value());
      }
    }
    return Optional.empty();
  }

  public void cacheAnswer(String key, Map<Integer, Long> generations, Object answer) {
    if (!ttl.isZero()) {
      synchronized (answers) {
        answers.put(key, new Cached<>(answer, Map.copyOf(generations), clock.millis()));
      }
    }
  }

  /** This node as other nodes name it (host:port). */
  public String nodeId() {
    HostInfo self = stores.self();
    return self.host() + ":" + self.port();
  }

  /** Highlights of the chunks {@code keys} this node's indexes hold ({@link Search#highlight}). */
  public Map<String, PartitionIndex.Highlight> highlight(String query, java.util.Collection<String> keys,
      boolean withText) {
    return Search.highlight(indexes.local().values(), query, keys, withText);
  }

  /** The nodes holding oracle's partitions, and which partitions each holds. */
  public Map<HostInfo, Set<Integer>> partitionsByNode() {
    return stores.partitionsOf(OracleTopology.DOCUMENT_STORE, OracleTopics.DOCUMENTS.name());
  }

  public List<HostInfo> nodes() {
    return stores.hostsOf(OracleTopology.DOCUMENT_STORE);
  }

  public HostInfo self() {
    return stores.self();
  }

  public Embedder embedder() {
    return embedder;
  }
}
