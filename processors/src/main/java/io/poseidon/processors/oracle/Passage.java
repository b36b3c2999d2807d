package io.poseidon.processors.oracle;

/**
 * A search hit: one chunk of a document, with the span of the body it is ({@code start}, {@code end}),
 * its heading path, its score in the list it came from, and — for a final result, once highlighted — a
 * snippet and the chunk's text (null before).
 *
 * @param key the chunk's key in oracle-chunk-store ({@code docId|nnnn})
 * @param heading the heading path, "A > B" (empty above the first heading)
 * @param text the chunk's text, body.substring(start, end)
 */
public record Passage(String key, String docId, String title, long version, String kind, String service,
    String heading, int start, int end, String snippet, String text, double score, Source source, int partition) {

  /** Which ranking a passage came from. */
  public enum Source { KEYWORD, SEMANTIC, HYBRID }

  public Passage withHighlight(String newSnippet, String newText) {
    return new Passage(key, docId, title, version, kind, service, heading, start, end, newSnippet, newText, score,
        source, partition);
  }

  public Passage withScore(double newScore, Source newSource) {
    return new Passage(key, docId, title, version, kind, service, heading, start, end, snippet, text, newScore,
        newSource, partition);
  }
}
