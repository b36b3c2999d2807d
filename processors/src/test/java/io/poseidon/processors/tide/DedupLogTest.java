package io.poseidon.processors.tide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DedupLog}: keys wait in memory until the commit writes them as one batch, a batch never grows past
 * its limit, a task closed dirty drops what it did not commit, and replay gives back every key written.
 * That the task's commit calls {@code flushCache} is checked through TopologyTestDriver in {@code
 * TideTopologyTest#shouldLogTheKeysOfEachCommitAsOneChangelogRecordAndKeepTheIndexWithoutAChangelog}.
 */
class DedupLogTest {

  private static final long T = 1_764_583_200_000L;
  private DedupLog store;

  @BeforeEach
  void open() throws Exception {
    MockProcessorContext<Object, Object> context = new MockProcessorContext<>(new Properties(), new TaskId(0, 0),
        Files.createTempDirectory("dedup-log-test").toFile());
    store = DedupLog.builder("test-dedup-store", Duration.ofMinutes(30), Duration.ofMinutes(10))
        .withLoggingDisabled().build();
    store.init(context.getStateStoreContext(), store);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void keysReachTheStoreAsOneBatchWhenTheCommitWritesThem() {
    store.add("shipper|1", T);
    store.add("shipper|2", T + 5);
    store.add("agent|1", T + 2);
    assertEquals(0, batches(), "nothing written before a commit");
    assertEquals(3, store.pending());

    store.flushCache();
    assertEquals(1, batches());
    assertEquals(0, store.pending());
    List<String> replayed = new ArrayList<>();
    assertEquals(3, store.replay((key, time) -> replayed.add(key + "@" + (time - T))));
    assertEquals(List.of("shipper|1@0", "shipper|2@5", "agent|1@2"), replayed);
    store.flushCache();
    assertEquals(1, batches(), "a commit with nothing new writes nothing");
  }

  @Test
  void aBatchIsWrittenWhenItReachesItsLimitAndNothingIsLostAcrossBatches() {
    String id = "x".repeat(200);
    int n = DedupLog.MAX_BATCH_BYTES / 200 * 3;
    for (int i = 0; i < n; i++) {
      store.add("source|" + i + id, T + i);
    }
    store.flushCache();
    assertTrue(batches() >= 3, "several batches of at most the limit: " + batches());
    long[] count = {0};
    assertEquals(n, store.replay((key, time) -> count[0]++));
    assertEquals(n, count[0]);
  }

  @Test
  void aTaskClosedDirtyDropsWhatItDidNotCommit() {
    store.add("shipper|1", T);
    store.flushCache();
    store.add("shipper|2", T);
    store.clearCache(); // the transaction of shipper|2 was aborted: its records will be read again
    store.flushCache();
    List<String> replayed = new ArrayList<>();
    store.replay((key, time) -> replayed.add(key));
    assertEquals(List.of("shipper|1"), replayed);
  }

  @Test
  void anEntryOfAnotherLayoutIsSkippedNotMisread() {
    store.put("old", java.nio.ByteBuffer.allocate(8).putLong(T).array(), T); // the 8-byte time of the old layout
    store.add("shipper|1", T);
    store.flushCache();
    List<String> replayed = new ArrayList<>();
    store.replay((key, time) -> replayed.add(key));
    assertEquals(List.of("shipper|1"), replayed);
  }

  private int batches() {
    int n = 0;
    try (KeyValueIterator<Windowed<String>, byte[]> it = store.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }
}
