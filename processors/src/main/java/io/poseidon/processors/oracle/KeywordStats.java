package io.poseidon.processors.oracle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.CollectionStatistics;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.TermStatistics;

/**
 * The BM25 statistics of a keyword query's terms (document frequencies) and fields (document counts,
 * lengths) over some indexes, summed over every node a search asks: each node then scores its chunks
 * with the whole cluster's statistics ({@link #searcher}), so keyword scores from different nodes compare
 * (Elasticsearch's DFS). Without it, a term that is rare in one partition and common in another makes
 * the first one's chunks score higher for no reason of their own.
 *
 * @param fields field → {maxDoc, docCount, sumTotalTermFreq, sumDocFreq}
 * @param terms "field\u0000term" → {docFreq, totalTermFreq}
 */
public record KeywordStats(Map<String, long[]> fields, Map<String, long[]> terms) {

  static final List<String> FIELDS = List.of(PartitionIndex.TITLE, PartitionIndex.HEADING, PartitionIndex.TEXT);

  /** The statistics of {@code query}'s terms over {@code reader}. */
  public static KeywordStats of(IndexReader reader, Query query) {
    try {
      IndexSearcher searcher = new IndexSearcher(reader);
      Map<String, long[]> fields = new TreeMap<>();
      for (String f : FIELDS) {
        CollectionStatistics c = searcher.collectionStatistics(f);
        fields.put(f, c == null ? new long[] {reader.maxDoc(), 0, 0, 0}
            : new long[] {c.maxDoc(), c.docCount(), c.sumTotalTermFreq(), c.sumDocFreq()});
      }
      Set<Term> terms = new HashSet<>();
      query.visit(QueryVisitor.termCollector(terms));
      Map<String, long[]> out = new TreeMap<>();
      for (Term t : terms) {
        out.put(t.field() + "\u0000" + t.text(), new long[] {reader.docFreq(t), reader.totalTermFreq(t)});
      }
      return new KeywordStats(fields, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Several nodes' statistics as the cluster's. */
  public static KeywordStats sum(List<KeywordStats> parts) {
    Map<String, long[]> fields = new TreeMap<>();
    Map<String, long[]> terms = new TreeMap<>();
    for (KeywordStats p : parts) {
      p.fields().forEach((k, v) -> fields.merge(k, v.clone(), KeywordStats::add));
      p.terms().forEach((k, v) -> terms.merge(k, v.clone(), KeywordStats::add));
    }
    return new KeywordStats(fields, terms);
  }

  private static long[] add(long[] a, long[] b) {
    long[] out = a.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] += b[i];
    }
    return out;
  }

  /** A searcher over {@code reader} that scores with these statistics where it has them. */
  public IndexSearcher searcher(IndexReader reader) {
    KeywordStats global = this;
    return new IndexSearcher(reader) {
      @Override
      public TermStatistics termStatistics(Term term, int docFreq, long totalTermFreq) throws IOException {
        long[] g = global.terms().get(term.field() + "\u0000" + term.text());
        return g == null || g[0] < docFreq ? super.termStatistics(term, docFreq, totalTermFreq)
            : new TermStatistics(term.bytes(), g[0], Math.max(g[1], g[0]));
      }

      @Override
      public CollectionStatistics collectionStatistics(String field) throws IOException {
        long[] g = global.fields().get(field);
        CollectionStatistics local = super.collectionStatistics(field);
        if (g == null || local == null || g[1] < local.docCount() || g[1] == 0) {
          return local;
        }
        return new CollectionStatistics(field, Math.max(g[0], g[1]), g[1], Math.max(g[2], g[1]), Math.max(g[3], g[1]));
      }
    };
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /** As JSON (a node sends it to the others): {"fields": {f: [..]}, "terms": {"f\u0000t": [..]}}. */
  public String toJson() {
    try {
      return JSON.writeValueAsString(Map.of("fields", fields, "terms", terms));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The statistics of {@link #toJson()}; IllegalArgumentException when it is not that. */
  public static KeywordStats fromJson(String json) {
    try {
      com.fasterxml.jackson.databind.JsonNode node = JSON.readTree(json);
      return new KeywordStats(arrays(node.get("fields")), arrays(node.get("terms")));
    } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
      throw new IllegalArgumentException("not keyword statistics: " + e.getMessage(), e);
    }
  }

  private static Map<String, long[]> arrays(com.fasterxml.jackson.databind.JsonNode node) {
    Map<String, long[]> out = new TreeMap<>();
    node.fields().forEachRemaining(e -> {
      long[] v = new long[e.getValue().size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = e.getValue().get(i).asLong();
      }
      out.put(e.getKey(), v);
    });
    return out;
  }

  /** Changes whenever any count does: part of a cached search's key. */
  public String fingerprint() {
    StringBuilder out = new StringBuilder();
    fields.forEach((k, v) -> out.append(k).append(java.util.Arrays.toString(v)));
    terms.forEach((k, v) -> out.append(k).append(java.util.Arrays.toString(v)));
    return Integer.toHexString(out.toString().hashCode());
  }
}
