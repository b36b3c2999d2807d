package io.poseidon.processors.tide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link SeenKeys}: never a false "not seen", few false "maybe", chains that grow, buckets that expire. */
class SeenKeysTest {

  private static final long W = 600_000L;

  @Test
  void aKeyAddedIsAlwaysMaybeSeenInItsBucketOnly() {
    SeenKeys keys = new SeenKeys(3 * W);
    int n = SeenKeys.FIRST_FILTER_KEYS * 7; // past the first filters: the chain grows
    for (int i = 0; i < n; i++) {
      keys.add("shipper|" + i, W);
    }
    for (int i = 0; i < n; i++) {
      assertTrue(keys.mightContain("shipper|" + i, W), "no false negative: " + i);
    }
    assertTrue(keys.filters() >= 3 && keys.filters() <= 4, "16k + 32k + 64k (+ 128k) keys: " + keys.filters());
    int falsePositives = 0;
    for (int i = 0; i < 100_000; i++) {
      if (keys.mightContain("agent|" + i, W)) {
        falsePositives++;
      }
    }
    assertTrue(falsePositives < 100_000 * SeenKeys.FALSE_POSITIVES * 4, "false positives: " + falsePositives);
    assertFalse(keys.mightContain("shipper|1", 2 * W), "another bucket");
  }

  @Test
  void bucketsLeaveWithTheIndexsRetention() {
    SeenKeys keys = new SeenKeys(3 * W);
    keys.add("a", W);
    keys.add("b", 2 * W);
    keys.add("c", 4 * W); // W is now 3 windows behind the newest bucket: the index may still hold it
    assertTrue(keys.mightContain("a", W));
    keys.add("d", 5 * W); // 4 windows behind: the index dropped it
    assertFalse(keys.mightContain("a", W));
    assertTrue(keys.mightContain("b", 2 * W));
    assertEquals(3, keys.buckets());
  }
}
