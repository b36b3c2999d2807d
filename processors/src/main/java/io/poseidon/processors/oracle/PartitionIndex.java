package io.poseidon.processors.oracle;

import io.poseidon.schemas.oracle.IndexedChunk;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.BreakIterator;
import java.util.Locale;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.queryparser.simple.SimpleQueryParser;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.uhighlight.DefaultPassageFormatter;
import org.apache.lucene.search.uhighlight.LengthGoalBreakIterator;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * The Lucene index of one partition of {@code oracle.documents}: one Lucene document per chunk, with
 * BM25 over title, headings and text (English analysis: stemming, stop words), the chunk's vector as a
 * KNN field (HNSW, cosine), and the text stored with offsets for highlighting. It lives in memory and is
 * derived: its source of truth is the task's changelogged {@code oracle-chunk-store} (chunks + vectors),
 * from which it is rebuilt whenever the task starts (ADR 0014). Writers are the task's stream thread;
 * readers (queries) take a searcher from the {@link SearcherManager}, refreshed after each indexing.
 */
public final class PartitionIndex implements Closeable {

  static final String KEY = "key";
  static final String DOC_ID = "docId";
  static final String SERVICE = "service";
  static final String KIND = "kind";
  static final String TAG = "tag";
  static final String TITLE = "title";
  static final String HEADING = "heading";
  static final String TEXT = "text";
  static final String VECTOR = "vector";
  /** What a Lucene document is: a chunk (searched by keywords, holds the stored fields) or one of its vectors. */
  static final String TYPE = "type";
  static final String CHUNK = "chunk";
  static final String VECTOR_DOC = "vector";
  static final String VERSION = "version";
  static final String START = "start";
  static final String END = "end";
  static final String HEADINGS = "headings";
  static final String SOURCE_URI = "sourceUri";
  /** Vectors asked of the HNSW graph per chunk wanted (a chunk has several). */
  static final int VECTORS_PER_HIT = 4;
  /** Field weights of the keyword query: a match in the title or a heading says more than one in the text. */
  static final Map<String, Float> WEIGHTS = Map.of(TITLE, 2.0f, HEADING, 1.5f, TEXT, 1.0f);

  /** About how long each highlighted passage of a snippet is (two of them at most). */
  static final int SNIPPET_PASSAGE_CHARS = 160;

  private static final FieldType TEXT_WITH_OFFSETS = new FieldType(TextField.TYPE_STORED);

  static {
    TEXT_WITH_OFFSETS.setIndexOptions(IndexOptions.DOCS_AND_FREQS_AND_POSITIONS_AND_OFFSETS);
    TEXT_WITH_OFFSETS.freeze();
  }

  private final int partition;
  private final Analyzer analyzer = new EnglishAnalyzer();
  private final ByteBuffersDirectory directory = new ByteBuffersDirectory();
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final AtomicLong generation;
  private volatile boolean changed;
  private boolean closed;

  public PartitionIndex(int partition) {
    this.partition = partition;
    try {
      this.writer = new IndexWriter(directory, new IndexWriterConfig(analyzer).setRAMBufferSizeMB(32));
      this.searchers = new SearcherManager(writer, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // a new index (a restart, a partition that moved here) never repeats a generation a cache saw
    this.generation = new AtomicLong(System.nanoTime());
  }

  public int partition() {
    return partition;
  }

  /** Changes on every refresh that made changes visible: caches of answers compare it. */
  public long generation() {
    return generation.get();
  }

  /** Replaces every chunk of {@code docId} with {@code chunks} (visible after {@link #refresh()}). */
  public void replace(String docId, List<IndexedChunk> chunks) {
    List<Document> docs = new ArrayList<>();
    chunks.forEach(c -> docs.addAll(documents(c)));
    try {
      writer.updateDocuments(new Term(DOC_ID, docId), docs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    changed = true;
  }

  /** Adds chunks without looking for older ones (rebuilding from the store). */
  public void add(IndexedChunk chunk) {
    try {
      writer.addDocuments(documents(chunk));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    changed = true;
  }

  public void delete(String docId) {
    try {
      writer.deleteDocuments(new Term(DOC_ID, docId));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    changed = true;
  }

  /** Makes the changes so far searchable. */
  public void refresh() {
    if (!changed) {
      return;
    }
    changed = false;
    try {
      searchers.maybeRefreshBlocking();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    generation.incrementAndGet();
  }

  /** Chunks searchable now. */
  public int chunks() {
    return withSearcher(s -> s.count(new TermQuery(new Term(TYPE, CHUNK))));
  }

  /** A chunk as Lucene documents: the chunk (text, stored fields) and one document per vector of it. */
  private static List<Document> documents(IndexedChunk c) {
    List<Document> docs = new ArrayList<>();
    String key = OracleTopology.chunkKey(c.getDocId(), c.getIndex());
    String kind = c.getKind().name().toLowerCase(Locale.ROOT);
    Document d = new Document();
    d.add(new StringField(TYPE, CHUNK, Field.Store.NO));
    d.add(new StringField(KEY, key, Field.Store.YES));
    d.add(new StringField(DOC_ID, c.getDocId(), Field.Store.YES));
    d.add(new StringField(KIND, kind, Field.Store.YES));
    if (c.getService() != null) {
      d.add(new StringField(SERVICE, c.getService(), Field.Store.YES));
    }
    c.getTags().forEach(t -> d.add(new StringField(TAG, t, Field.Store.NO)));
    d.add(new TextField(TITLE, c.getTitle(), Field.Store.YES));
    d.add(new TextField(HEADING, String.join(" > ", c.getHeadings()), Field.Store.YES));
    d.add(new Field(TEXT, c.getText(), TEXT_WITH_OFFSETS));
    d.add(new StoredField(VERSION, c.getVersion()));
    d.add(new StoredField(START, c.getStart()));
    d.add(new StoredField(END, c.getEnd()));
    if (c.getSourceUri() != null) {
      d.add(new StoredField(SOURCE_URI, c.getSourceUri()));
    }
    docs.add(d);
    // the chunk's vectors (the whole chunk's, then its sentence windows'): a KNN hit on any names the chunk
    for (float[] vector : Embedder.vectors(c.getVector())) {
      Document v = new Document();
      v.add(new StringField(TYPE, VECTOR_DOC, Field.Store.NO));
      v.add(new StringField(KEY, key, Field.Store.YES));
      v.add(new StringField(DOC_ID, c.getDocId(), Field.Store.NO));
      v.add(new StringField(KIND, kind, Field.Store.NO));
      if (c.getService() != null) {
        v.add(new StringField(SERVICE, c.getService(), Field.Store.NO));
      }
      v.add(new KnnFloatVectorField(VECTOR, vector, VectorSimilarityFunction.COSINE));
      docs.add(v);
    }
    return docs;
  }

  /** The keyword query for {@code text} (a simple syntax: words, "phrases", -exclusions; never a parse error). */
  public Query keywordQuery(String text) {
    SimpleQueryParser parser = new SimpleQueryParser(analyzer, WEIGHTS);
    parser.setDefaultOperator(BooleanClause.Occur.SHOULD);
    Query q = parser.parse(text);
    return q == null ? new BooleanQuery.Builder().build() : q;
  }

  static Query filter(String service, String kind) {
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    boolean any = false;
    if (service != null) {
      b.add(new TermQuery(new Term(SERVICE, service)), BooleanClause.Occur.FILTER);
      any = true;
    }
    if (kind != null) {
      b.add(new TermQuery(new Term(KIND, kind)), BooleanClause.Occur.FILTER);
      any = true;
    }
    return any ? b.build() : null;
  }

  /** Keyword (BM25) hits of {@code query}, best first, at most {@code n}. */
  public List<Passage> keyword(String query, String service, String kind, int n) {
    Query text = keywordQuery(query);
    Query filter = filter(service, kind);
    Query q = text;
    if (filter != null) {
      q = new BooleanQuery.Builder().add(text, BooleanClause.Occur.MUST).add(filter, BooleanClause.Occur.FILTER).build();
    }
    Query search = q;
    return withSearcher(s -> passages(s, s.search(search, n), text, Passage.Source.KEYWORD));
  }

  /**
   * Chunks nearest to {@code vector} (HNSW over every chunk's vectors; a chunk scores as its nearest
   * vector), best first, at most {@code n}; {@code query} only highlights.
   */
  public List<Passage> semantic(String query, float[] vector, String service, String kind, int n) {
    Query filter = filter(service, kind);
    Query vectors = new TermQuery(new Term(TYPE, VECTOR_DOC));
    Query knnFilter = filter == null ? vectors : new BooleanQuery.Builder().add(vectors, BooleanClause.Occur.FILTER)
        .add(filter, BooleanClause.Occur.FILTER).build();
    Query knn = new KnnFloatVectorQuery(VECTOR, vector, n * VECTORS_PER_HIT, knnFilter);
    Query text = keywordQuery(query);
    return withSearcher(s -> {
      Map<String, Float> best = new LinkedHashMap<>();
      for (ScoreDoc sd : s.search(knn, n * VECTORS_PER_HIT).scoreDocs) {
        String key = s.storedFields().document(sd.doc, Set.of(KEY)).get(KEY);
        best.merge(key, sd.score, Math::max);
      }
      List<Map.Entry<String, Float>> ranked = new ArrayList<>(best.entrySet());
      ranked.sort(Map.Entry.<String, Float>comparingByValue().reversed());
      if (ranked.size() > n) {
        ranked = ranked.subList(0, n);
      }
      List<ScoreDoc> chunkDocs = new ArrayList<>();
      for (Map.Entry<String, Float> e : ranked) {
        TopDocs chunk = s.search(new BooleanQuery.Builder()
            .add(new TermQuery(new Term(KEY, e.getKey())), BooleanClause.Occur.FILTER)
            .add(new TermQuery(new Term(TYPE, CHUNK)), BooleanClause.Occur.FILTER).build(), 1);
        if (chunk.scoreDocs.length == 1) {
          chunkDocs.add(new ScoreDoc(chunk.scoreDocs[0].doc, e.getValue()));
        }
      }
      TopDocs top = new TopDocs(new org.apache.lucene.search.TotalHits(chunkDocs.size(),
          org.apache.lucene.search.TotalHits.Relation.EQUAL_TO), chunkDocs.toArray(ScoreDoc[]::new));
      return passages(s, top, text, Passage.Source.SEMANTIC);
    });
  }

  /** Every chunk (tests, the benchmark's baseline). */
  public int count() {
    return chunks();
  }

  /** A plain {@link IndexSearcher} over this index, for the benchmark's baseline; release it after use. */
  public IndexSearcher acquire() {
    try {
      return searchers.acquire();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void release(IndexSearcher searcher) {
    try {
      searchers.release(searcher);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private List<Passage> passages(IndexSearcher searcher, TopDocs top, Query highlight, Passage.Source source)
      throws IOException {
    List<Passage> out = new ArrayList<>(top.scoreDocs.length);
    if (top.scoreDocs.length == 0) {
      return out;
    }
    UnifiedHighlighter highlighter = UnifiedHighlighter.builder(searcher, analyzer)
        .withFormatter(new DefaultPassageFormatter("<mark>", "</mark>", " … ", true))
        .withBreakIterator(() -> LengthGoalBreakIterator.createClosestToLength(
            BreakIterator.getSentenceInstance(Locale.ROOT), SNIPPET_PASSAGE_CHARS, 0.5f))
        .withMaxLength(100_000)
        .build();
    int[] ids = new int[top.scoreDocs.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = top.scoreDocs[i].doc;
    }
    String[] snippets = highlighter.highlight(TEXT, highlight, top, 2);
    for (int i = 0; i < top.scoreDocs.length; i++) {
      ScoreDoc sd = top.scoreDocs[i];
      Document d = searcher.storedFields().document(sd.doc);
      String text = d.get(TEXT);
      String snippet = snippets[i] != null ? snippets[i] : lead(text);
      String heading = d.get(HEADING);
      out.add(new Passage(d.get(KEY), d.get(DOC_ID), d.get(TITLE), d.getField(VERSION).numericValue().longValue(),
          d.get(KIND), d.get(SERVICE), heading, d.getField(START).numericValue().intValue(),
          d.getField(END).numericValue().intValue(), snippet, text, sd.score, source, partition));
    }
    return out;
  }

  /** The opening of a chunk, HTML-escaped, when no query term is in it (a semantic hit). */
  static String lead(String text) {
    String lead = text.length() <= 240 ? text : text.substring(0, text.lastIndexOf(' ', 240) > 0 ? text.lastIndexOf(' ', 240) : 240) + " …";
    return lead.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  private interface SearcherWork<T> {
    T run(IndexSearcher searcher) throws IOException;
  }

  private <T> T withSearcher(SearcherWork<T> work) {
    try {
      IndexSearcher s = searchers.acquire();
      try {
        return work.run(s);
      } finally {
        searchers.release(s);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      searchers.close();
      writer.close();
      directory.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
