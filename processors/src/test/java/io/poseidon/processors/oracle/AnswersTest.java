package io.poseidon.processors.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AnswersTest {

  static final String TEXT = """
      ## How to roll back

      Run `harbor rollback payments` to redeploy the previous
      release. Harbor pins its configuration again.

      - Pause the pipeline first so nothing rolls forward.
      - Watch the health gate turn green.

      ```bash
      harbor rollback payments --to r-41
      ```

      | step | owner |
      """;

  @Test
  void sentencesAreExactSpansOfProseAndListItemsNotCodeOrTables() {
    List<String> sentences = Answers.sentences(TEXT).stream().map(s -> TEXT.substring(s[0], s[1])).toList();
    assertEquals(List.of("Run `harbor rollback payments` to redeploy the previous\nrelease.",
        "Harbor pins its configuration again.", "Pause the pipeline first so nothing rolls forward.",
        "Watch the health gate turn green."), sentences);
  }

  @Test
  void aPeriodInInlineCodeEndsNoSentence() {
    String text = "Make prod fail: `FAILURES=checkout@prod ./poseidon dev`\n(staging is rolled back). Then look.";
    List<String> sentences = Answers.sentences(text).stream().map(s -> text.substring(s[0], s[1])).toList();
    assertEquals(List.of("Make prod fail: `FAILURES=checkout@prod ./poseidon dev`\n(staging is rolled back)."), sentences);
  }

  @Test
  void theAnswerIsTheSentencesThatAnswerWithTheirSpansInTheBody() {
    String body = "# Payments\n\nIntro line that says little.\n\n" + TEXT;
    int start = body.indexOf("## How to roll back");
    Passage passage = new Passage("p|0000", "p", "Payments runbook", 1, "runbook", "payments", "Payments", start,
        body.length(), "", body.substring(start), 1.0, Passage.Source.HYBRID, 0);
    List<Answers.Sentence> answer = Answers.extract("how do I revert a payments release", List.of(passage),
        Embedder.shared(), 3);
    assertFalse(answer.isEmpty());
    assertTrue(answer.get(0).text().startsWith("Run `harbor rollback payments`"), answer.get(0).text());
    for (Answers.Sentence s : answer) {
      assertEquals(s.text(), body.substring(s.start(), s.end()), "the citation cuts the sentence out of the body");
    }
  }
}
