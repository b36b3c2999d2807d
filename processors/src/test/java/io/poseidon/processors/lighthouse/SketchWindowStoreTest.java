package io.poseidon.processors.lighthouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.poseidon.schemas.lighthouse.SeriesAggregate;
import io.poseidon.topology.serde.SerdeFactory;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SketchWindowStore}: windows change as objects and reach the store underneath when the commit
 * (or the processor, before it reads ranges) writes them — once, however often they changed. That the
 * task's commit calls {@code flushCache} is checked through TopologyTestDriver in
 * {@code LighthouseTopologyTest#shouldWriteEachChangedWindowToItsChangelogInTheCommitOfTheBatchesThatChangedIt}.
 */
class SketchWindowStoreTest {

  private static final long W = 1_764_583_200_000L;
  private SketchWindowStore store;

  @BeforeEach
  void open() throws Exception {
    MockProcessorContext<Object, Object> context = new MockProcessorContext<>(new Properties(), new TaskId(0, 0),
        Files.createTempDirectory("sketch-window-store-test").toFile());
    store = SketchWindowStore.builder("test-10s-store", Duration.ofHours(1), Duration.ofSeconds(10),
        SerdeFactory.forTopologyTests().valueSerde(SeriesAggregate.class)).withLoggingDisabled().build();
    store.init(context.getStateStoreContext(), store);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void changedWindowsReachTheStoreOnceWhenWritten() {
    Aggregate a = store.window("s", W);
    a.add(5);
    store.changed("s", W, a);
    Aggregate again = store.window("s", W);
    assertSame(a, again, "the processor keeps working on the same object");
    again.add(7);
    store.changed("s", W, again);
    assertNull(store.fetch("s", W), "not in the store before a commit writes it");
    assertEquals(1, store.dirtyWindows());

    store.flushCache();
    SeriesAggregate stored = store.fetch("s", W);
    assertEquals(2, stored.getCount());
    assertEquals(12, stored.getSum());
    assertEquals(0, store.dirtyWindows());
    assertEquals(7, Aggregate.of(stored).max());
  }

  @Test
  void aClearedStoreStartsAgainFromWhatWasWritten() {
    Aggregate a = store.window("s", W);
    a.add(1);
    store.changed("s", W, a);
    store.writeChanged();
    a.add(100);
    store.changed("s", W, a);
    store.clearCache(); // a task closed dirty: what was not committed is dropped
    Aggregate reread = store.window("s", W);
    assertEquals(1, reread.count(), "the window as the store has it");
  }
}
