package io.poseidon.processors.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentenceEndsTest {

  @Test
  void boundariesFollowEverySentenceEndAndLineEndBothWays() {
    BreakIterator it = new SentenceEnds();
    String text = "One. Two!\nThree? Four";
    it.setText(text);
    List<Integer> forward = new ArrayList<>();
    for (int b = it.first(); b != BreakIterator.DONE; b = it.next()) {
      forward.add(b);
    }
    assertEquals(List.of(0, 4, 9, 10, 16, 21), forward);
    assertEquals(9, it.following(5));
    assertEquals(4, it.preceding(9));
    assertEquals(BreakIterator.DONE, it.following(text.length()));
    assertEquals(BreakIterator.DONE, it.preceding(0));
    List<Integer> backward = new ArrayList<>();
    it.last();
    for (int b = it.previous(); b != BreakIterator.DONE; b = it.previous()) {
      backward.add(b);
    }
    assertEquals(List.of(16, 10, 9, 4, 0), backward);
  }
}
