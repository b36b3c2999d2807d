package io.poseidon.processors.oracle;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Search over oracle's indexes, in two steps so it spans nodes: each node collects its
 * {@link Candidates} — the keyword (BM25) list and the semantic (KNN) list over its own partitions —
 * and the node that was asked merges every node's lists and ranks them ({@link #rank}): one list for
 * {@code keyword} and {@code semantic}, reciprocal-rank fusion of both for {@code hybrid}. Fusing after
 * the merge ranks a chunk against every other chunk of the cluster, not only against its node's.
 */
public final class Search {

  /** The constant of reciprocal-rank fusion (Cormack et al. 2009): score = Σ 1 / (k + rank). */
  public static final int RRF_K = 60;
  public static final int MAX_LIMIT = 50;
  /** Most passages of one document in the results, so one long document does not fill them. */
  public static final int PASSAGES_PER_DOCUMENT = 2;

  private Search() {}

  public enum Mode {
    KEYWORD, SEMANTIC, HYBRID;

    public static Optional<Mode> parse(String s) {
      for (Mode m : values()) {
        if (m.name().equalsIgnoreCase(s)) {
          return Optional.of(m);
        }
      }
      return Optional.empty();
    }

    public String apiName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What is searched: the query text, optional filters, how many results, how they are ranked. */
  public record Request(String query, String service, String kind, int limit, Mode mode) {
    /** Candidates each list holds: more than the results, so fusion and the merge have room. */
    public int candidates() {
      return Math.min(200, Math.max(30, limit * 5));
    }

    String cacheKey() {
      return mode + "\u0001" + limit + "\u0001" + service + "\u0001" + kind + "\u0001" + query;
    }
  }

  /**
   * One node's part (or the merge of several): both ranked lists and the partitions they cover with the
   * generation of each partition's index (a cache compares them).
   */
  public record Candidates(List<Passage> keyword, List<Passage> semantic, Map<Integer, Long> partitions) {}

  /** The candidates of {@code indexes} (one node's partitions). */
  public static Candidates local(Collection<PartitionIndex> indexes, Request request, Embedder embedder) {
    List<Passage> keyword = new ArrayList<>();
    List<Passage> semantic = new ArrayList<>();
    Map<Integer, Long> partitions = new TreeMap<>();
    float[] vector = request.mode() == Mode.KEYWORD ? null : embedder.embed(request.query());
    for (PartitionIndex index : indexes) {
      long generation = index.generation();
      if (request.mode() != Mode.SEMANTIC) {
        keyword.addAll(index.keyword(request.query(), request.service(), request.kind(), request.candidates()));
      }
      if (vector != null) {
        semantic.addAll(index.semantic(request.query(), vector, request.service(), request.kind(), request.candidates()));
      }
      partitions.put(index.partition(), generation);
    }
    return merge(List.of(new Candidates(keyword, semantic, partitions)), request);
  }

  /** Several parts as one: each list by score, best first, cut to the request's candidates. */
  public static Candidates merge(List<Candidates> parts, Request request) {
    List<Passage> keyword = new ArrayList<>();
    List<Passage> semantic = new ArrayList<>();
    Map<Integer, Long> partitions = new TreeMap<>();
    for (Candidates c : parts) {
      keyword.addAll(c.keyword());
      semantic.addAll(c.semantic());
      partitions.putAll(c.partitions());
    }
    Comparator<Passage> best = Comparator.comparingDouble(Passage::score).reversed().thenComparing(Passage::key);
    keyword.sort(best);
    semantic.sort(best);
    return new Candidates(cut(keyword, request.candidates()), cut(semantic, request.candidates()), partitions);
  }

  /**
   * The results: the best chunk of each document, best document first, at most {@code limit}. Hybrid
   * scores are reciprocal-rank fusion of the chunk's ranks in both lists.
   */
  public static List<Passage> rank(Candidates candidates, Request request) {
    List<Passage> ranked;
    switch (request.mode()) {
      case KEYWORD -> ranked = candidates.keyword();
      case SEMANTIC -> ranked = candidates.semantic();
      default -> ranked = fuse(candidates.keyword(), candidates.semantic());
    }
    Map<String, Integer> perDocument = new HashMap<>();
    List<Passage> out = new ArrayList<>();
    for (Passage p : ranked) {
      if (perDocument.merge(p.docId(), 1, Integer::sum) <= PASSAGES_PER_DOCUMENT) {
        out.add(p);
        if (out.size() == request.limit()) {
          break;
        }
      }
    }
    return List.copyOf(out);
  }

  /** Reciprocal-rank fusion of two ranked lists of chunks. */
  static List<Passage> fuse(List<Passage> keyword, List<Passage> semantic) {
    Map<String, Double> scores = new HashMap<>();
    Map<String, Passage> passages = new HashMap<>();
    for (List<Passage> list : List.of(keyword, semantic)) {
      for (int rank = 0; rank < list.size(); rank++) {
        Passage p = list.get(rank);
        scores.merge(p.key(), 1.0 / (RRF_K + rank + 1), Double::sum);
        // keep the keyword hit's snippet (it has the query's words marked) when both lists have the chunk
        passages.putIfAbsent(p.key(), p);
      }
    }
    List<Passage> fused = new ArrayList<>();
    passages.forEach((key, p) -> fused.add(p.withScore(scores.get(key), Passage.Source.HYBRID)));
    fused.sort(Comparator.comparingDouble(Passage::score).reversed().thenComparing(Passage::key));
    return fused;
  }

  private static List<Passage> cut(List<Passage> list, int n) {
    return list.size() <= n ? list : new ArrayList<>(list.subList(0, n));
  }
}
