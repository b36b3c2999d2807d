package io.poseidon.processors.oracle;

import java.text.BreakIterator;
import java.text.CharacterIterator;

/**
 * A cheap sentence-ish {@link BreakIterator} for snippets: a boundary after every '.', '!', '?' and line
 * end. The JDK's sentence iterator (rule-based) cost a tenth of a keyword search's CPU in highlighting; a
 * snippet's passages need no more than this (Lucene's {@code CustomSeparatorBreakIterator}, for several
 * separators).
 */
final class SentenceEnds extends BreakIterator {

  private CharacterIterator text;
  private int current;

  static boolean isEnd(char c) {
    return c == '.' || c == '!' || c == '?' || c == '\n';
  }

  @Override
  public int current() {
    return current;
  }

  @Override
  public int first() {
    current = text.getBeginIndex();
    return current;
  }

  @Override
  public int last() {
    current = text.getEndIndex();
    return current;
  }

  @Override
  public int next(int n) {
    int result = current;
    if (n < 0) {
      for (int i = 0; i < -n && result != DONE; i++) {
        result = previous();
      }
    } else {
      for (int i = 0; i < n && result != DONE; i++) {
        result = next();
      }
    }
    return result;
  }

  @Override
  public int next() {
    int end = text.getEndIndex();
    if (current >= end) {
      return DONE;
    }
    int i = current;
    while (i < end) {
      char c = text.setIndex(i);
      i++;
      if (isEnd(c)) {
        break;
      }
    }
    current = i;
    return current;
  }

  @Override
  public int previous() {
    int begin = text.getBeginIndex();
    if (current <= begin) {
      return DONE;
    }
    int i = current - 1;
    while (i > begin && !isEnd(text.setIndex(i - 1))) {
      i--;
    }
    current = i;
    return current;
  }

  @Override
  public int following(int offset) {
    if (offset < text.getBeginIndex() || offset > text.getEndIndex()) {
      throw new IllegalArgumentException("offset out of bounds: " + offset);
    }
    if (offset == text.getEndIndex()) {
      current = offset;
      return DONE;
    }
    current = offset;
    return next();
  }

  @Override
  public int preceding(int offset) {
    if (offset < text.getBeginIndex() || offset > text.getEndIndex()) {
      throw new IllegalArgumentException("offset out of bounds: " + offset);
    }
    if (offset == text.getBeginIndex()) {
      current = offset;
      return DONE;
    }
    current = offset;
    return previous();
  }

  @Override
  public CharacterIterator getText() {
    return text;
  }

  @Override
  public void setText(CharacterIterator newText) {
    text = newText;
    current = newText.getBeginIndex();
  }
}
