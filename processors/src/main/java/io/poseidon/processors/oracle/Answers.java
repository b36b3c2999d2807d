package io.poseidon.processors.oracle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * Extractive answers: the sentences of the top passages that answer a question best, each with the
 * span of the document body it is. A sentence's score is its embedding's similarity to the question's
 * plus the share of the question's (stemmed, stop-word-free) terms it holds, with a small bonus for the
 * passage's rank. Nothing is generated: every word of an answer is in a document.
 */
public final class Answers {

  static final double SIMILARITY_WEIGHT = 0.7;
  static final double TERMS_WEIGHT = 0.3;
  static final double RANK_BONUS = 0.05;
  /** Sentences scoring below this share of the best one are left out. */
  static final double RELATIVE_CUTOFF = 0.8;
  private static final Pattern MARKUP = Pattern.compile("^(\\s*([-*+]|\\d+[.)]|>)\\s+)+");
  private static final Analyzer ANALYZER = new EnglishAnalyzer();
  /** A sentence has at least four words of letters (not a line of code or a table row). */
  private static final Pattern WORDS = Pattern.compile("(?<![`\\w])[A-Za-z]{2,}(?![`\\w])");

  private Answers() {}

  /** One sentence of an answer: its text, the passage it is from and its span in that document's body. */
  public record Sentence(String text, Passage passage, int start, int end, double score) {}

  public static List<Sentence> extract(String question, List<Passage> passages, Embedder embedder, int max) {
    float[] q = embedder.embed(question);
    Set<String> terms = terms(question);
    List<Sentence> scored = new ArrayList<>();
    for (int rank = 0; rank < passages.size(); rank++) {
      Passage p = passages.get(rank);
      if (p.text() == null) {
        continue; // its node did not send its text in time
      }
      for (int[] span : sentences(p.text())) {
        String text = p.text().substring(span[0], span[1]);
        double similarity = Embedder.similarity(q, embedder.embed(text));
        double overlap = terms.isEmpty() ? 0 : share(terms, terms(text));
        double score = SIMILARITY_WEIGHT * similarity + TERMS_WEIGHT * overlap + RANK_BONUS / (rank + 1);
        scored.add(new Sentence(text, p, p.start() + span[0], p.start() + span[1], score));
      }
    }
    scored.sort(Comparator.comparingDouble(Sentence::score).reversed());
    List<Sentence> out = new ArrayList<>();
    for (Sentence s : scored) {
      if (out.size() == max || s.score() < scored.get(0).score() * RELATIVE_CUTOFF) {
        break;
      }
      if (out.stream().noneMatch(o -> o.text().equals(s.text()))) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * Spans of the sentences of a chunk's text: prose cut by a sentence iterator, each list item one
   * sentence; headings, fenced code and table lines are not sentences. Spans start after list markers.
   */
  static List<int[]> sentences(String text) {
    List<int[]> out = new ArrayList<>();
    boolean fenced = false;
    int pos = 0;
    int blockStart = -1;
    while (pos <= text.length()) {
      int nl = text.indexOf('\n', pos);
      int lineEnd = nl < 0 ? text.length() : nl;
      String line = text.substring(pos, lineEnd);
      String stripped = line.strip();
      boolean fence = stripped.startsWith("```") || stripped.startsWith("~~~");
      boolean breaks = fence || fenced || stripped.isEmpty() || stripped.startsWith("#") || stripped.startsWith("|")
          || MARKUP.matcher(line).find();
      if (breaks && blockStart >= 0) {
        prose(text, blockStart, pos, out);
        blockStart = -1;
      }
      if (fence) {
        fenced = !fenced;
      } else if (!fenced && !stripped.isEmpty() && !stripped.startsWith("#") && !stripped.startsWith("|")) {
        var m = MARKUP.matcher(line);
        if (m.find()) {
          blockStart = pos + m.end(); // a list item: a block of its own (its continuation lines join it)
        } else if (blockStart < 0) {
          blockStart = pos;
        }
      }
      if (nl < 0) {
        break;
      }
      pos = nl + 1;
    }
    if (blockStart >= 0) {
      prose(text, blockStart, text.length(), out);
    }
    return out;
  }

  private static void prose(String text, int from, int to, List<int[]> out) {
    BreakIterator it = BreakIterator.getSentenceInstance(Locale.ENGLISH);
    // a paragraph's line breaks are spaces (a line break would end a sentence); same length, same offsets
    // and inline code is masked (a "." in `./poseidon dev` ends no sentence)
    String block = maskCode(text.substring(from, to).replace('\n', ' ').replace('\r', ' '));
    it.setText(block);
    int start = it.first();
    for (int end = it.next(); end != BreakIterator.DONE; start = end, end = it.next()) {
      int s = from + start;
      int e = from + end;
      while (s < e && Character.isWhitespace(text.charAt(s))) {
        s++;
      }
      while (e > s && Character.isWhitespace(text.charAt(e - 1))) {
        e--;
      }
      if (e - s >= 20 && WORDS.matcher(text.substring(s, e)).results().count() >= 4) {
        out.add(new int[] {s, e});
      }
    }
  }

  /** {@code text} with the inside of every `inline code` span replaced by 'x' (same length). */
  static String maskCode(String text) {
    StringBuilder out = new StringBuilder(text);
    int open = -1;
    for (int i = 0; i < out.length(); i++) {
      if (out.charAt(i) == '`') {
        if (open < 0) {
          open = i;
        } else {
          for (int j = open + 1; j < i; j++) {
            out.setCharAt(j, 'x');
          }
          open = -1;
        }
      }
    }
    return out.toString();
  }

  static Set<String> terms(String text) {
    Set<String> terms = new HashSet<>();
    try (TokenStream ts = ANALYZER.tokenStream("text", text)) {
      CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
      ts.reset();
      while (ts.incrementToken()) {
        terms.add(term.toString());
      }
      ts.end();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return terms;
  }

  private static double share(Set<String> wanted, Set<String> have) {
    int found = 0;
    for (String t : wanted) {
      if (have.contains(t)) {
        found++;
      }
    }
    return (double) found / wanted.size();
  }
}
