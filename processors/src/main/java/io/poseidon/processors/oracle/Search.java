package io.poseidon.processors.oracle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.search.IndexSearcher;

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
      return Math.min(150, Math.max(20, limit * 3));
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

  /** The candidates of {@code indexes} (one node's partitions), scored with the node's own statistics. */
  public static Candidates local(Collection<PartitionIndex> indexes, Request request, Embedder embedder) {
    return local(indexes, request, embedder, null);
  }

  /**
   * The candidates of {@code indexes} (one node's partitions). Keyword hits are scored over all of them
   * as one index, with {@code stats} (the cluster's, {@link KeywordStats}) when given; semantic hits per
   * partition (cosine similarities compare as they are).
   */
  public static Candidates local(Collection<PartitionIndex> indexes, Request request, Embedder embedder,
      KeywordStats stats) {
    List<Passage> keyword = new ArrayList<>();
    List<Passage> semantic = new ArrayList<>();
    Map<Integer, Long> partitions = new TreeMap<>();
    float[] vector = request.mode() == Mode.KEYWORD ? null : embedder.embed(request.query());
    indexes.forEach(index -> partitions.put(index.partition(), index.generation()));
    if (request.mode() != Mode.SEMANTIC && !indexes.isEmpty()) {
      keyword.addAll(withNodeSearcher(indexes, stats, (searcher, indexOf) -> PartitionIndex.keyword(searcher,
          request.query(), request.service(), request.kind(), request.candidates(), indexOf)));
    }
    if (vector != null) {
      for (PartitionIndex index : indexes) {
        semantic.addAll(index.semantic(vector, request.service(), request.kind(), request.candidates()));
      }
    }
    return merge(List.of(new Candidates(keyword, semantic, partitions)), request);
  }

  /** The keyword statistics of {@code query} over {@code indexes} (a node's part of the cluster's). */
  public static KeywordStats stats(Collection<PartitionIndex> indexes, String query) {
    if (indexes.isEmpty()) {
      return new KeywordStats(Map.of(), Map.of());
    }
    return withNodeSearcher(indexes, null, (searcher, indexOf) ->
        KeywordStats.of(searcher.getIndexReader(), PartitionIndex.query(query)));
  }

  private interface NodeWork<T> {
    T run(IndexSearcher searcher, IntFunction<PartitionIndex> indexOf) throws IOException;
  }

  /** Runs {@code work} over the current searchers of {@code indexes} read as one index. */
  private static <T> T withNodeSearcher(Collection<PartitionIndex> indexes, KeywordStats stats, NodeWork<T> work) {
    List<PartitionIndex> parts = new ArrayList<>(indexes);
    IndexSearcher[] searchers = new IndexSearcher[parts.size()];
    try {
      IndexReader[] readers = new IndexReader[parts.size()];
      int[] starts = new int[parts.size() + 1];
      for (int i = 0; i < parts.size(); i++) {
        searchers[i] = parts.get(i).acquire();
        readers[i] = searchers[i].getIndexReader();
        starts[i + 1] = starts[i] + readers[i].maxDoc();
      }
      MultiReader all = new MultiReader(readers, false);
      IndexSearcher searcher = stats == null ? new IndexSearcher(all) : stats.searcher(all);
      IntFunction<PartitionIndex> indexOf = doc -> {
        int i = java.util.Arrays.binarySearch(starts, doc);
        int at = i >= 0 ? i : -i - 2;
        while (at + 1 < starts.length - 1 && starts[at + 1] == doc) {
          at++; // an empty partition before this one starts at the same doc
        }
        return parts.get(Math.min(at, parts.size() - 1));
      };
      return work.run(searcher, indexOf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (int i = 0; i < searchers.length; i++) {
        if (searchers[i] != null) {
          parts.get(i).release(searchers[i]);
        }
      }
    }
  }

  /**
   * A whole search over {@code indexes} (one node's): candidates, ranking, then the results' highlights
   * (and texts, {@code withText}).
   */
  public static List<Passage> run(Collection<PartitionIndex> indexes, Request request, Embedder embedder,
      boolean withText) {
    List<Passage> ranked = rank(local(indexes, request, embedder), request);
    return withHighlights(ranked, highlight(indexes, request.query(), ranked.stream().map(Passage::key).toList(),
        withText));
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

  /**
   * The highlights (snippet, and text when asked) of the chunks {@code keys} that are in {@code indexes}:
   * asked for the final results only, so a search highlights ten chunks rather than every candidate.
   */
  public static Map<String, PartitionIndex.Highlight> highlight(Collection<PartitionIndex> indexes, String query,
      Collection<String> keys, boolean withText) {
    Map<String, PartitionIndex.Highlight> out = new HashMap<>();
    for (PartitionIndex index : indexes) {
      out.putAll(index.highlight(query, keys, withText));
    }
    return out;
  }

  /** {@code passages} with the snippets and texts of {@code highlights} (those without one are unchanged). */
  public static List<Passage> withHighlights(List<Passage> passages, Map<String, PartitionIndex.Highlight> highlights) {
    List<Passage> out = new ArrayList<>(passages.size());
    for (Passage p : passages) {
      PartitionIndex.Highlight h = highlights.get(p.key());
      out.add(h == null ? p : p.withHighlight(h.snippet(), h.text() == null ? p.text() : h.text()));
    }
    return out;
  }

  /** Reciprocal-rank fusion of two ranked lists of chunks. */
  static List<Passage> fuse(List<Passage> keyword, List<Passage> semantic) {
    Map<String, Double> scores = new HashMap<>();
    Map<String, Passage> passages = new HashMap<>();
    for (List<Passage> list : List.of(keyword, semantic)) {
      for (int rank = 0; rank < list.size(); rank++) {
        Passage p = list.get(rank);
        scores.merge(p.key(), 1.0 / (RRF_K + rank + 1), Double::sum);
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
