package io.poseidon.processors.oracle;

import io.poseidon.schemas.oracle.IndexedChunk;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.UncheckedIOException;
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
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.TieredMergePolicy;
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
import org.apache.lucene.store.MMapDirectory;

/**
 * The Lucene index of one partition of {@code oracle.documents}: one Lucene document per chunk, with
 * BM25 over title, headings and text (English analysis: stemming, stop words), the chunk's vector as a
 * KNN field (HNSW, cosine), and the text stored with offsets for highlighting. It is derived: its source
 * of truth is the task's changelogged {@code oracle-chunk-store} (chunks + vectors), from which it is
 * rebuilt whenever the task starts (ADR 0014); its files are memory-mapped from a directory of its own
 * (under the task's state directory), deleted when it closes. Writers are the task's stream thread;
 * readers (queries) take a searcher from the {@link SearcherManager}, refreshed after each indexing.
 *
 * <p>Segments: a KNN query searches each segment's HNSW graph on its own, so its cost grows with the
 * segment count. The merge policy keeps few ({@link #SEGMENTS_PER_TIER}): measured over 10,000 chunks
 * indexed a document at a time, 3–5 segments per partition instead of 11–21, a KNN search a fifth cheaper,
 * for a sixth more indexing work in Lucene (indexing's cost is the embedding, not Lucene).
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
  /** The chunk key of a vector document (doc values: read per KNN hit without loading stored fields). */
  static final String VECTOR_OF = "vectorOf";
  static final String VERSION = "version";
  static final String START = "start";
  static final String END = "end";
  static final String HEADINGS = "headings";
  static final String SOURCE_URI = "sourceUri";
  private static final Query CHUNKS = new TermQuery(new Term(TYPE, CHUNK));

  /** Vectors asked of the HNSW graph per chunk wanted (a chunk has several). */
  static final int VECTORS_PER_HIT = 3;
  /** Field weights of the keyword query: a match in the title or a heading says more than one in the text. */
  static final Map<String, Float> WEIGHTS = Map.of(TITLE, 2.0f, HEADING, 1.5f, TEXT, 1.0f);

  /** About how long each highlighted passage of a snippet is (two of them at most). */
  static final int SNIPPET_PASSAGE_CHARS = 160;

  /** Segments of one size tier the merge policy allows before it merges them (Lucene's default: 10). */
  static final double SEGMENTS_PER_TIER = 3;

  private static final FieldType TEXT_WITH_OFFSETS = new FieldType(TextField.TYPE_STORED);

  static {
    TEXT_WITH_OFFSETS.setIndexOptions(IndexOptions.DOCS_AND_FREQS_AND_POSITIONS_AND_OFFSETS);
    TEXT_WITH_OFFSETS.freeze();
  }

  private final int partition;
  /** English analysis (stemming, stop words), the same for indexing and queries (thread-safe). */
  static final Analyzer ANALYZER = new EnglishAnalyzer();
  private final Analyzer analyzer = ANALYZER;
  private final Path path;
  private final MMapDirectory directory;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final AtomicLong generation;
  private volatile boolean changed;
  private boolean closed;
  /**
   * What a search result says of each chunk (document, title, span …), by chunk key, in memory: candidates
   * are read from here and the doc values of their key, never from stored fields (decompressing a
   * stored-fields block per candidate was a fifth of a search's CPU). Updated with the writer; a key a
   * searcher still sees after its chunk left is skipped.
   */
  private final java.util.concurrent.ConcurrentMap<String, Passage> chunkMeta = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.ConcurrentMap<String, List<String>> keysOfDoc = new java.util.concurrent.ConcurrentHashMap<>();

  /** An index in a temporary directory of its own (tests, tools). */
  public PartitionIndex(int partition) {
    this(partition, temporaryDirectory());
  }

  /**
   * An index of partition {@code partition} in {@code path}, which must not exist or be empty: it belongs
   * to this index, which deletes it on {@link #close()}.
   */
  public PartitionIndex(int partition, Path path) {
    this.partition = partition;
    this.path = path;
    try {
      Files.createDirectories(path);
      this.directory = new MMapDirectory(path);
      TieredMergePolicy merges = new TieredMergePolicy();
      merges.setSegmentsPerTier(SEGMENTS_PER_TIER);
      this.writer = new IndexWriter(directory, new IndexWriterConfig(analyzer).setRAMBufferSizeMB(32)
          .setMergePolicy(merges));
      this.searchers = new SearcherManager(writer, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // a new index (a restart, a partition that moved here) never repeats a generation a cache saw
    this.generation = new AtomicLong(System.nanoTime());
  }

  private static Path temporaryDirectory() {
    try {
      return Files.createTempDirectory("poseidon-oracle-index-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes {@code dir} and everything in it (an index's files left by a process that did not close it). */
  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
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
    forget(docId);
    chunks.forEach(this::remember);
    changed = true;
  }

  private void remember(IndexedChunk c) {
    String key = OracleTopology.chunkKey(c.getDocId(), c.getIndex());
    chunkMeta.put(key, new Passage(key, c.getDocId(), c.getTitle(), c.getVersion(),
        c.getKind().name().toLowerCase(Locale.ROOT), c.getService(), String.join(" > ", c.getHeadings()), c.getStart(),
        c.getEnd(), null, null, 0, Passage.Source.KEYWORD, partition));
    keysOfDoc.computeIfAbsent(c.getDocId(), d -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(key);
  }

  private void forget(String docId) {
    List<String> keys = keysOfDoc.remove(docId);
    if (keys != null) {
      keys.forEach(chunkMeta::remove);
    }
  }

  /** The result of a candidate chunk, or null when it left the index since the searcher was opened. */
  Passage candidate(String key, double score, Passage.Source source) {
    Passage meta = chunkMeta.get(key);
    return meta == null ? null : meta.withScore(score, source);
  }

  /** Adds chunks without looking for older ones (rebuilding from the store). */
  public void add(IndexedChunk chunk) {
    try {
      writer.addDocuments(documents(chunk));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    remember(chunk);
    changed = true;
  }

  public void delete(String docId) {
    try {
      writer.deleteDocuments(new Term(DOC_ID, docId));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    forget(docId);
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
    d.add(new SortedDocValuesField(KEY, new BytesRef(key)));
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
      v.add(new SortedDocValuesField(VECTOR_OF, new BytesRef(key)));
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

  /**
   * The keyword query for {@code text}: its words (any of them; more matches score higher) and
   * {@code "phrases"}, minus the documents with a {@code -word}. Never a parse error; only exclusions
   * match nothing.
   */
  public Query keywordQuery(String text) {
    return query(text);
  }

  /** {@link #keywordQuery} for any index (they all analyze alike). */
  public static Query query(String text) {
    StringBuilder positive = new StringBuilder();
    List<String> excluded = new ArrayList<>();
    boolean quoted = false;
    for (String token : text.split("\\s+")) {
      if (!quoted && token.length() > 1 && token.startsWith("-") && !token.startsWith("-\"")) {
        excluded.add(token.substring(1));
      } else {
        positive.append(token).append(' ');
      }
      if ((token.chars().filter(c -> c == '"').count() & 1) == 1) {
        quoted = !quoted;
      }
    }
    int flags = SimpleQueryParser.PHRASE_OPERATOR | SimpleQueryParser.PRECEDENCE_OPERATORS
        | SimpleQueryParser.PREFIX_OPERATOR | SimpleQueryParser.ESCAPE_OPERATOR | SimpleQueryParser.WHITESPACE_OPERATOR;
    SimpleQueryParser parser = new SimpleQueryParser(ANALYZER, WEIGHTS, flags);
    parser.setDefaultOperator(BooleanClause.Occur.SHOULD);
    Query words = parser.parse(positive.toString().strip());
    if (words == null) {
      return new BooleanQuery.Builder().build();
    }
    if (excluded.isEmpty()) {
      return words;
    }
    BooleanQuery.Builder q = new BooleanQuery.Builder().add(words, BooleanClause.Occur.MUST);
    for (String word : excluded) {
      Query not = parser.parse(word);
      if (not != null) {
        q.add(not, BooleanClause.Occur.MUST_NOT);
      }
    }
    return q.build();
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

  /**
   * Keyword (BM25) hits of {@code query} over {@code searcher} (one partition's, or a node's partitions
   * together: {@link Search#local}), best first, at most {@code n}: the chunks' span and metadata, without
   * snippet or text (those come for the final results only, {@link #highlight}); {@code partitionOf}
   * names the partition of a hit's doc id.
   */
  static List<Passage> keyword(IndexSearcher searcher, String query, String service, String kind, int n,
      java.util.function.IntFunction<PartitionIndex> indexOf) throws IOException {
    BooleanQuery.Builder q = new BooleanQuery.Builder().add(query(query), BooleanClause.Occur.MUST)
        .add(CHUNKS, BooleanClause.Occur.FILTER);
    Query filter = filter(service, kind);
    if (filter != null) {
      q.add(filter, BooleanClause.Occur.FILTER);
    }
    List<Passage> out = new ArrayList<>();
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    for (ScoreDoc sd : searcher.search(q.build(), n).scoreDocs) {
      String key = key(leaves, sd.doc, KEY);
      Passage p = key == null ? null : indexOf.apply(sd.doc).candidate(key, sd.score, Passage.Source.KEYWORD);
      if (p != null) {
        out.add(p);
      }
    }
    return out;
  }

  /** The chunk key of {@code doc} from the doc values of {@code field} ({@link #KEY} or {@link #VECTOR_OF}). */
  private static String key(List<LeafReaderContext> leaves, int doc, String field) throws IOException {
    LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
    SortedDocValues keys = DocValues.getSorted(leaf.reader(), field);
    return keys.advanceExact(doc - leaf.docBase) ? keys.lookupOrd(keys.ordValue()).utf8ToString() : null;
  }

  /** Keyword hits of this partition alone (its own statistics). */
  public List<Passage> keyword(String query, String service, String kind, int n) {
    return withSearcher(s -> keyword(s, query, service, kind, n, doc -> this));
  }

  /**
   * Chunks nearest to {@code vector} (HNSW over every chunk's vectors; a chunk scores as its nearest
   * vector), best first, at most {@code n}; without snippet or text, as {@link #keyword}.
   */
  public List<Passage> semantic(float[] vector, String service, String kind, int n) {
    Query filter = filter(service, kind);
    // only vector documents have the vector field: a filter is needed only for service or kind
    Query knn = filter == null ? new KnnFloatVectorQuery(VECTOR, vector, n * VECTORS_PER_HIT)
        : new KnnFloatVectorQuery(VECTOR, vector, n * VECTORS_PER_HIT, filter);
    return withSearcher(s -> {
      Map<String, Float> best = new LinkedHashMap<>();
      List<LeafReaderContext> leaves = s.getIndexReader().leaves();
      for (ScoreDoc sd : s.search(knn, n * VECTORS_PER_HIT).scoreDocs) {
        String key = key(leaves, sd.doc, VECTOR_OF);
        if (key != null) {
          best.merge(key, sd.score, Math::max);
        }
      }
      List<Map.Entry<String, Float>> ranked = new ArrayList<>(best.entrySet());
      ranked.sort(Map.Entry.<String, Float>comparingByValue().reversed());
      List<Passage> out = new ArrayList<>();
      for (Map.Entry<String, Float> e : ranked) {
        Passage p = candidate(e.getKey(), e.getValue(), Passage.Source.SEMANTIC);
        if (p != null) {
          out.add(p);
          if (out.size() == n) {
            break;
          }
        }
      }
      return out;
    });
  }

  /** A chunk's snippet for a query and, when asked, its text. */
  public record Highlight(String snippet, String text) {}

  /**
   * Snippets of the chunks {@code keys} that are in this index (others are left out): HTML-escaped text
   * with {@code query}'s words in {@code <mark>}, at most two sentence-sized passages; the chunk's
   * opening when none of the words is in it. With {@code withText}, the chunk's text too.
   */
  public Map<String, Highlight> highlight(String query, java.util.Collection<String> keys, boolean withText) {
    return withSearcher(s -> {
      Map<String, Integer> docs = chunkDocs(s, keys);
      Map<String, Highlight> out = new LinkedHashMap<>();
      if (docs.isEmpty()) {
        return out;
      }
      List<String> found = new ArrayList<>(docs.keySet());
      int[] ids = found.stream().mapToInt(docs::get).toArray();
      UnifiedHighlighter highlighter = UnifiedHighlighter.builder(s, analyzer)
          .withFormatter(new DefaultPassageFormatter("<mark>", "</mark>", " … ", true))
          .withBreakIterator(() -> LengthGoalBreakIterator.createClosestToLength(new SentenceEnds(),
              SNIPPET_PASSAGE_CHARS, 0.5f))
          .withMaxLength(100_000)
          // offsets of the query's terms from the postings, not the query's Weight per document (phrases
          // are still highlighted strictly): a third of a search's highlighting cost, measured
          .withWeightMatches(false)
          .build();
      String[] snippets = highlighter.highlightFields(new String[] {TEXT}, query(query), ids, new int[] {2})
          .get(TEXT);
      for (int i = 0; i < ids.length; i++) {
        boolean highlighted = snippets != null && snippets[i] != null;
        // the stored text is read again only when needed (the highlighter read it once already)
        String text = withText || !highlighted ? s.storedFields().document(ids[i], Set.of(TEXT)).get(TEXT) : null;
        String snippet = highlighted ? snippets[i] : lead(text);
        out.put(found.get(i), new Highlight(snippet, withText ? text : null));
      }
      return out;
    });
  }

  /** Lucene doc ids of the chunk documents of {@code keys} (one search). */
  private static Map<String, Integer> chunkDocs(IndexSearcher s, java.util.Collection<String> keys) throws IOException {
    Map<String, Integer> out = new LinkedHashMap<>();
    if (keys.isEmpty()) {
      return out;
    }
    List<BytesRef> terms = keys.stream().map(BytesRef::new).toList();
    Query q = new BooleanQuery.Builder().add(new TermInSetQuery(KEY, terms), BooleanClause.Occur.FILTER)
        .add(CHUNKS, BooleanClause.Occur.FILTER).build();
    Map<String, Integer> found = new java.util.HashMap<>();
    List<LeafReaderContext> leaves = s.getIndexReader().leaves();
    for (ScoreDoc sd : s.search(q, keys.size()).scoreDocs) {
      String key = key(leaves, sd.doc, KEY); // doc values: no stored-fields block decompressed per key
      if (key != null) {
        found.put(key, sd.doc);
      }
    }
    keys.forEach(k -> {
      if (found.containsKey(k)) {
        out.put(k, found.get(k));
      }
    });
    return out;
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

  /** The opening of a chunk, HTML-escaped, when no query term is in it (a semantic hit). */
  static String lead(String text) {
    if (text == null) {
      return "";
    }
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
      deleteRecursively(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
