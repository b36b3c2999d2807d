package io.poseidon.processors.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts a markdown body into chunks along its headings. Every heading (outside fenced code) starts a
 * section; consecutive sections are packed into one chunk while it stays within {@code maxTokens} (the
 * chunk keeps its first section's heading path, outermost first), and a section longer than that is cut
 * into windows of about {@code targetTokens} that overlap by {@code overlapTokens}, ending at a sentence
 * or line end where one is near. Chunks never straddle a long section's boundary. Tokens are estimated as
 * 1.3 per word (the model's word pieces on English prose). Each chunk is the exact span
 * {@code body.substring(start, end)}, so a citation's offsets cut its text out of the body.
 */
public final class MarkdownChunker {

  private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})[ \\t]+(.*?)[ \\t#]*$");
  private static final Pattern FENCE = Pattern.compile("^ {0,3}(```|~~~)");
  private static final Pattern WORD = Pattern.compile("\\S+");
  static final double TOKENS_PER_WORD = 1.3;

  private final int maxTokens;
  private final int targetTokens;
  private final int overlapTokens;

  public MarkdownChunker(int maxTokens, int targetTokens, int overlapTokens) {
    if (targetTokens > maxTokens || overlapTokens >= targetTokens) {
      throw new IllegalArgumentException("need overlap < target <= max tokens, got " + overlapTokens + " / "
          + targetTokens + " / " + maxTokens);
    }
    this.maxTokens = maxTokens;
    this.targetTokens = targetTokens;
    this.overlapTokens = overlapTokens;
  }

  /** A span of the body with the headings it sits under. */
  public record Chunk(List<String> headings, int start, int end) {
    public String text(String body) {
      return body.substring(start, end);
    }

    public String heading() {
      return headings.isEmpty() ? "" : headings.get(headings.size() - 1);
    }
  }

  private record Section(List<String> headings, int start, int contentStart, int end) {}

  public List<Chunk> chunk(String body) {
    List<Chunk> chunks = new ArrayList<>();
    Chunk packing = null;
    int packed = 0;
    for (Section s : sections(body)) {
      int start = skipSpace(body, s.start(), s.end());
      int end = trimEnd(body, start, s.end());
      if (body.substring(s.contentStart(), s.end()).isBlank() || start >= end) {
        continue; // a heading with nothing under it before the next: its children keep the path
      }
      int tokens = tokens(body, start, end);
      if (tokens > maxTokens) {
        if (packing != null) {
          chunks.add(packing);
          packing = null;
        }
        windows(body, start, end, s.headings(), chunks);
      } else if (packing != null && packed + tokens <= maxTokens) {
        // consecutive short sections share a chunk (up to maxTokens); it keeps the first one's heading path
        packing = new Chunk(packing.headings(), packing.start(), end);
        packed += tokens;
      } else {
        if (packing != null) {
          chunks.add(packing);
        }
        packing = new Chunk(s.headings(), start, end);
        packed = tokens;
      }
    }
    if (packing != null) {
      chunks.add(packing);
    }
    return chunks;
  }

  static int tokens(String body, int start, int end) {
    Matcher m = WORD.matcher(body).region(start, end);
    int words = 0;
    while (m.find()) {
      words++;
    }
    return (int) Math.ceil(words * TOKENS_PER_WORD);
  }

  private List<Section> sections(String body) {
    List<Section> sections = new ArrayList<>();
    List<String> path = new ArrayList<>();
    List<Integer> levels = new ArrayList<>();
    int sectionStart = 0;
    int contentStart = 0;
    List<String> sectionPath = List.of();
    boolean fenced = false;
    int pos = 0;
    while (pos <= body.length()) {
      int nl = body.indexOf('\n', pos);
      int lineEnd = nl < 0 ? body.length() : nl;
      String line = body.substring(pos, lineEnd);
      if (FENCE.matcher(line).find()) {
        fenced = !fenced;
      } else if (!fenced) {
        Matcher h = HEADING.matcher(line);
        if (h.matches()) {
          if (pos > sectionStart) {
            sections.add(new Section(sectionPath, sectionStart, contentStart, pos));
          }
          int level = h.group(1).length();
          while (!levels.isEmpty() && levels.get(levels.size() - 1) >= level) {
            levels.remove(levels.size() - 1);
            path.remove(path.size() - 1);
          }
          levels.add(level);
          path.add(h.group(2).strip());
          sectionPath = List.copyOf(path);
          sectionStart = pos;
          contentStart = Math.min(body.length(), lineEnd + 1);
        }
      }
      if (nl < 0) {
        break;
      }
      pos = nl + 1;
    }
    if (body.length() > sectionStart) {
      sections.add(new Section(sectionPath, sectionStart, contentStart, body.length()));
    }
    return sections;
  }

  /** Windows of about targetTokens words' worth over [start, end), overlapping by overlapTokens. */
  private void windows(String body, int start, int end, List<String> headings, List<Chunk> out) {
    List<int[]> words = new ArrayList<>();
    Matcher m = WORD.matcher(body).region(start, end);
    while (m.find()) {
      words.add(new int[] {m.start(), m.end()});
    }
    int perWindow = Math.max(1, (int) (targetTokens / TOKENS_PER_WORD));
    int overlap = (int) (overlapTokens / TOKENS_PER_WORD);
    int first = 0;
    while (first < words.size()) {
      int last = Math.min(words.size() - 1, first + perWindow - 1);
      if (last < words.size() - 1) {
        // end at a sentence or line end in the window's last quarter, when there is one
        for (int w = last; w > first + perWindow * 3 / 4; w--) {
          if (endsSentence(body, words.get(w)[1])) {
            last = w;
            break;
          }
        }
      }
      out.add(new Chunk(headings, words.get(first)[0], words.get(last)[1]));
      if (last == words.size() - 1) {
        break;
      }
      int next = Math.max(first + 1, last + 1 - overlap);
      // start the next window at a sentence start within the overlap, when there is one
      for (int w = next; w <= last; w++) {
        if (w > 0 && endsSentence(body, words.get(w - 1)[1])) {
          next = w;
          break;
        }
      }
      first = next;
    }
  }

  private static boolean endsSentence(String body, int wordEnd) {
    char c = body.charAt(wordEnd - 1);
    return c == '.' || c == '!' || c == '?' || c == ':' || (wordEnd < body.length() && body.charAt(wordEnd) == '\n');
  }

  private static int skipSpace(String body, int from, int to) {
    int i = from;
    while (i < to && Character.isWhitespace(body.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int trimEnd(String body, int from, int to) {
    int i = to;
    while (i > from && Character.isWhitespace(body.charAt(i - 1))) {
      i--;
    }
    return i;
  }
}
