package io.poseidon.processors.oracle;

import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.schemas.oracle.DocumentEvent;
import io.poseidon.schemas.oracle.DocumentState;
import io.poseidon.schemas.oracle.IndexedChunk;
import io.poseidon.schemas.oracle.PendingChange;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.timers.TimerIndex;
import io.poseidon.topology.tracing.TracedProcessor;
import java.time.Clock;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * oracle — indexing triggers and search. Reads document changes from {@code oracle.documents} (keyed by
 * docId: every version of a document meets in one task) and, per document, debounces a burst of changes
 * into one indexing of its last version ({@link OracleIndexer}). Stores, all changelogged:
 * <ul>
 *   <li>{@code oracle-document-store}: docId → {@link DocumentState} (versions, status; GET /documents);</li>
 *   <li>{@code oracle-pending-store}: docId → the latest change waiting for its debounce;</li>
 *   <li>{@code oracle-timer-store}: the debounce timers ({@link TimerIndex});</li>
 *   <li>{@code oracle-chunk-store}: {@code docId|nnnn} → {@link IndexedChunk} (text, span, vector): the
 *       source of truth of the task's Lucene index, rebuilt from it when the task starts.</li>
 * </ul>
 * Facts go to {@code oracle.indexing}, metrics to {@code lighthouse.metrics}, documents that cannot be
 * indexed to {@code oracle.dlq}.
 */
public final class OracleTopology {

  public static final String DOCUMENTS_SOURCE = "oracle-documents-source";
  public static final String INDEXER = "oracle-indexer";
  public static final String INDEXING_SINK = "oracle-indexing-sink";
  public static final String METRICS_SINK = "oracle-metrics-sink";
  public static final String DLQ_SINK = "oracle-dlq-sink";
  public static final String DOCUMENT_STORE = "oracle-document-store";
  public static final String PENDING_STORE = "oracle-pending-store";
  public static final String TIMER_STORE = "oracle-timer-store";
  public static final String CHUNK_STORE = "oracle-chunk-store";

  private OracleTopology() {}

  public static Topology build(SerdeFactory serdes, OracleConfig config, Clock clock, OracleIndexes indexes,
      Embedder embedder, TopicSpec deadLetters) {
    Serde<String> keys = Serdes.String();
    Serializer<SpecificRecord> values = serdes.anyValueSerializer();
    Topology topology = new Topology();
    topology.addSource(DOCUMENTS_SOURCE, keys.deserializer(), serdes.valueDeserializer(DocumentEvent.class),
        OracleTopics.DOCUMENTS.name());
    topology.addProcessor(INDEXER, TracedProcessor.of(OracleModule.NAME, () -> new OracleIndexer(config, clock, indexes, embedder)),
        DOCUMENTS_SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DOCUMENT_STORE), keys,
        serdes.valueSerde(DocumentState.class)), INDEXER);
    // pending changes hold whole documents: not cached, so the cache's memory is not spent on bodies
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE), keys,
        serdes.valueSerde(PendingChange.class)).withCachingDisabled(), INDEXER);
    topology.addStateStore(TimerIndex.storeBuilder(TIMER_STORE), INDEXER);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CHUNK_STORE), keys,
        serdes.valueSerde(IndexedChunk.class)).withCachingDisabled(), INDEXER);
    topology.addSink(INDEXING_SINK, OracleTopics.INDEXING.name(), keys.serializer(), values, INDEXER);
    topology.addSink(METRICS_SINK, LighthouseTopics.METRICS.name(), keys.serializer(), values, INDEXER);
    topology.addSink(DLQ_SINK, deadLetters.name(), keys.serializer(), values, INDEXER);
    return topology;
  }

  /** Key of a chunk in oracle-chunk-store: the document's id and the chunk's position, sortable. */
  public static String chunkKey(String docId, int index) {
    String n = Integer.toString(index);
    return docId + "|" + "0000".substring(Math.min(4, n.length())) + n;
  }

  /** Prefix of every chunk key of {@code docId}. */
  public static String chunkPrefix(String docId) {
    return docId + "|";
  }
}
