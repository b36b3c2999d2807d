package io.poseidon.processors.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.testing.MutableClock;
import io.poseidon.schemas.oracle.DocumentState;
import io.poseidon.schemas.oracle.IndexedChunk;
import io.poseidon.schemas.oracle.IndexingStatus;
import io.poseidon.schemas.oracle.PendingChange;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The indexer alone, as Kafka Streams drives it when it recycles a task: a task that moves active →
 * standby → active keeps its processor instance, which is closed and then initialised again.
 */
class OracleIndexerTest {

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
  private final OracleIndexes indexes = new OracleIndexes();
  private final OracleConfig config = OracleConfig.of(Map.of(OracleConfig.DEBOUNCE, "1s"));
  private final java.nio.file.Path taskDir = temporaryTaskDir();
  private final MockProcessorContext<String, SpecificRecord> context = new MockProcessorContext<>(new java.util.Properties(),
      new org.apache.kafka.streams.processor.TaskId(0, 0), taskDir.toFile());
  private final OracleIndexer indexer = new OracleIndexer(config, clock, indexes, Embedder.shared());

  @BeforeEach
  void stores() {
    List<KeyValueStore<?, ?>> stores = List.of(
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(OracleTopology.DOCUMENT_STORE), Serdes.String(),
            serdes.valueSerde(DocumentState.class)).withLoggingDisabled().build(),
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(OracleTopology.PENDING_STORE), Serdes.String(),
            serdes.valueSerde(PendingChange.class)).withLoggingDisabled().build(),
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(OracleTopology.TIMER_STORE), Serdes.String(),
            Serdes.String()).withLoggingDisabled().build(),
        Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(OracleTopology.CHUNK_STORE), Serdes.String(),
            serdes.valueSerde(IndexedChunk.class)).withLoggingDisabled().build());
    for (KeyValueStore<?, ?> store : stores) {
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
    }
  }

  @Test
  void aRecycledTaskRebuildsItsIndexFromTheChunkStore() {
    indexer.init(context);
    indexer.process(new Record<>("runbook-payments-rollback", OracleTopologyTest.put("runbook-payments-rollback",
        "Rolling back payments", OracleTopologyTest.ROLLBACK), clock.millis()));
    clock.advance(Duration.ofSeconds(2));
    punctuateAll();
    KeyValueStore<String, DocumentState> documents = context.getStateStore(OracleTopology.DOCUMENT_STORE);
    assertEquals(IndexingStatus.INDEXED, documents.get("runbook-payments-rollback").getStatus());
    assertEquals(1, indexes.local().get(0).count(), "indexed on the first run");

    assertEquals(1, indexDirs().size(), "the index's files are in one directory of the task's: " + indexDirs());

    indexer.close(); // the task becomes a standby: its partition's index leaves the node
    assertTrue(indexes.local().isEmpty(), "a closed task's index is not searched");
    assertEquals(List.of(), indexDirs(), "a closed index deletes its files");

    context.resetForwards();
    context.scheduledPunctuators().clear();
    indexer.init(context); // ... and active again, same processor instance
    punctuateAll(); // threw AlreadyClosedException from the closed index before
    PartitionIndex reopened = indexes.local().get(0);
    assertEquals(1, reopened.count(), "the index is rebuilt from the chunk store");
    List<Passage> hits = reopened.keyword("roll back payments", null, null, 3);
    assertEquals("runbook-payments-rollback", hits.get(0).docId());
    indexer.close();
  }

  @Test
  void filesOfAnIndexThatWasNotClosedAreDeletedWhenTheTaskRebuildsIt() throws java.io.IOException {
    java.nio.file.Path left = java.nio.file.Files.createDirectories(taskDir.resolve(OracleIndexer.INDEX_DIR_PREFIX + "1"));
    java.nio.file.Files.writeString(left.resolve("_0.cfs"), "from a process that was killed");
    indexer.init(context);
    punctuateAll();
    List<java.nio.file.Path> dirs = indexDirs();
    assertEquals(1, dirs.size(), "only the rebuilt index's directory is left: " + dirs);
    assertTrue(!dirs.get(0).equals(left), "the old directory is gone");
    indexer.close();
  }

  private List<java.nio.file.Path> indexDirs() {
    try (var files = java.nio.file.Files.list(taskDir)) {
      return files.filter(f -> f.getFileName().toString().startsWith(OracleIndexer.INDEX_DIR_PREFIX)).toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static java.nio.file.Path temporaryTaskDir() {
    try {
      return java.nio.file.Files.createTempDirectory("oracle-indexer-test-");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void punctuateAll() {
    for (CapturedPunctuator p : List.copyOf(context.scheduledPunctuators())) {
      p.getPunctuator().punctuate(clock.millis());
    }
  }
}
