package io.poseidon.processors.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MarkdownChunkerTest {

  private final MarkdownChunker chunker = new MarkdownChunker(500, 400, 60);

  private static String words(String prefix, int n) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < n; i++) {
      out.append(prefix).append(i).append(i % 12 == 11 ? ".\n" : " ");
    }
    String text = out.toString().strip();
    return text.endsWith(".") ? text : text + ".";
  }

  @Test
  void shortSectionsArePackedAndKeepTheFirstHeadingPath() {
    String body = "# Guide\n\nIntro text here.\n\n## Install\n\nRun the installer.\n\n## Use\n\nCall the API.\n";
    List<MarkdownChunker.Chunk> chunks = chunker.chunk(body);
    assertEquals(1, chunks.size());
    assertEquals(List.of("Guide"), chunks.get(0).headings());
    assertEquals(body.strip(), chunks.get(0).text(body));
  }

  @Test
  void aSectionThatDoesNotFitStartsANewChunkWithItsHeadingPath() {
    String body = "# Guide\n\n" + words("a", 300) + "\n\n## Install\n\n### Linux\n\n" + words("b", 200) + "\n";
    List<MarkdownChunker.Chunk> chunks = chunker.chunk(body);
    assertEquals(2, chunks.size());
    assertEquals(List.of("Guide", "Install", "Linux"), chunks.get(1).headings());
    assertTrue(chunks.get(1).text(body).startsWith("### Linux"), chunks.get(1).text(body));
    assertTrue(chunks.get(0).text(body).endsWith("a299."));
  }

  @Test
  void aLongSectionIsCutIntoOverlappingWindowsThatAreExactSpans() {
    String body = "# Long\n\n" + words("w", 1000) + "\n";
    List<MarkdownChunker.Chunk> chunks = chunker.chunk(body);
    assertTrue(chunks.size() >= 3, "windows: " + chunks.size());
    for (int i = 0; i < chunks.size(); i++) {
      MarkdownChunker.Chunk c = chunks.get(i);
      String text = c.text(body);
      assertEquals(text.strip(), text, "a span starts and ends on a word");
      int tokens = MarkdownChunker.tokens(body, c.start(), c.end());
      assertTrue(tokens <= 500, "window " + i + " has " + tokens + " tokens");
      if (i > 0) {
        assertTrue(c.start() < chunks.get(i - 1).end(), "window " + i + " overlaps the one before");
      }
    }
    assertTrue(chunks.get(chunks.size() - 1).text(body).endsWith("w999."));
  }

  @Test
  void headingsInsideFencedCodeAreText() {
    String body = "# Real\n\n```bash\n# not a heading\necho hi\n```\n\nAfter the code.\n";
    List<MarkdownChunker.Chunk> chunks = chunker.chunk(body);
    assertEquals(1, chunks.size());
    assertEquals(List.of("Real"), chunks.get(0).headings());
    assertTrue(chunks.get(0).text(body).contains("# not a heading"));
  }

  @Test
  void textBeforeTheFirstHeadingHasAnEmptyPath() {
    String body = "Preamble line.\n\n" + words("p", 420) + "\n\n# Later\n\nMore text.";
    List<MarkdownChunker.Chunk> chunks = chunker.chunk(body);
    assertEquals(List.of(), chunks.get(0).headings());
    assertEquals(List.of("Later"), chunks.get(chunks.size() - 1).headings());
  }
}
