package io.poseidon.processors.oracle;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.lighthouse.MetricBatch;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.schemas.lighthouse.MetricPoint;
import io.poseidon.schemas.oracle.DocumentChanged;
import io.poseidon.schemas.oracle.DocumentDeleted;
import io.poseidon.schemas.oracle.DocumentEvent;
import io.poseidon.schemas.oracle.DocumentKind;
import io.poseidon.schemas.oracle.DocumentState;
import io.poseidon.schemas.oracle.IndexedChunk;
import io.poseidon.schemas.oracle.IndexingCompleted;
import io.poseidon.schemas.oracle.IndexingEvent;
import io.poseidon.schemas.oracle.IndexingFailed;
import io.poseidon.schemas.oracle.IndexingRequested;
import io.poseidon.schemas.oracle.IndexingSkipped;
import io.poseidon.schemas.oracle.IndexingStatus;
import io.poseidon.schemas.oracle.PendingChange;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.timers.TimerIndex;
import io.poseidon.topology.validation.Ids;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The indexing triggers of one partition. A change (put or delete) bumps the document's version, marks
 * it PENDING and (re)starts its debounce timer; when the timer fires, the latest change is indexed once:
 * skipped when its normalized content hash is what the index holds, else chunked, embedded (an unchanged
 * chunk keeps its vector) and written to the chunk store and the partition's Lucene index. A document
 * that breaks {@link OracleValidation} goes to {@code oracle.dlq} on arrival; one whose indexing throws
 * is FAILED, its event goes to {@code oracle.dlq} with the reason, and the index keeps the previous
 * version. The Lucene index is rebuilt from the chunk store when the task starts (nothing re-embedded).
 */
final class OracleIndexer implements Processor<String, DocumentEvent, String, SpecificRecord> {

  private static final Logger log = LoggerFactory.getLogger(OracleIndexer.class);
  static final String SOURCE = OracleModule.NAME;
  /** The name of a partition index's directory in the task's state directory starts with this. */
  static final String INDEX_DIR_PREFIX = "oracle-index-";

  private final OracleConfig config;
  private final Clock clock;
  private final OracleIndexes indexes;
  private final Embedder embedder;
  private final MarkdownChunker chunker;
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, DocumentState> documents;
  private KeyValueStore<String, PendingChange> pending;
  private KeyValueStore<String, IndexedChunk> chunks;
  private TimerIndex timers;
  private PartitionIndex index;
  private int queued;
  // metrics since the last report
  private int indexedDocuments;
  private int indexedChunks;
  private int skipped;
  private int failed;
  private final List<Long> latencies = new ArrayList<>();

  OracleIndexer(OracleConfig config, Clock clock, OracleIndexes indexes, Embedder embedder) {
    this.config = config;
    this.clock = clock;
    this.indexes = indexes;
    this.embedder = embedder;
    this.chunker = config.chunker();
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    // Streams reuses a processor when it recycles a task (active -> standby -> active: close, then init
    // again), so everything this instance holds starts over here
    this.context = context;
    this.index = null;
    this.queued = 0;
    this.indexedDocuments = 0;
    this.indexedChunks = 0;
    this.skipped = 0;
    this.failed = 0;
    this.latencies.clear();
    this.documents = context.getStateStore(OracleTopology.DOCUMENT_STORE);
    this.pending = context.getStateStore(OracleTopology.PENDING_STORE);
    this.chunks = context.getStateStore(OracleTopology.CHUNK_STORE);
    this.timers = new TimerIndex(context.getStateStore(OracleTopology.TIMER_STORE));
    try (KeyValueIterator<String, PendingChange> it = pending.all()) {
      while (it.hasNext()) {
        it.next();
        queued++;
      }
    }
    context.schedule(config.indexingInterval(), PunctuationType.WALL_CLOCK_TIME, t -> indexDue(clock.millis()));
    context.schedule(config.metricsInterval(), PunctuationType.WALL_CLOCK_TIME, t -> reportMetrics());
  }

  /**
   * A new directory for the partition's Lucene files, in the task's state directory: {@code
   * oracle-index-<nanos>}. Directories of earlier indexes of the task (a process that did not close them)
   * are deleted first; the index rebuilt is their replacement.
   */
  private java.nio.file.Path indexDirectory() {
    java.nio.file.Path taskDir = context.stateDir().toPath();
    try (var dirs = java.nio.file.Files.list(taskDir)) {
      for (java.nio.file.Path old : dirs.filter(d -> d.getFileName().toString().startsWith(INDEX_DIR_PREFIX)).toList()) {
        try {
          PartitionIndex.deleteRecursively(old);
        } catch (java.io.IOException e) {
          log.warn("oracle partition {}: could not delete the old index files {}: {}", context.taskId().partition(), old,
              e.toString());
        }
      }
    } catch (java.io.IOException e) {
      log.warn("oracle: could not list the task directory {}: {}", taskDir, e.toString());
    }
    return taskDir.resolve(INDEX_DIR_PREFIX + System.nanoTime());
  }

  /**
   * The partition's index, rebuilt from the chunk store (vectors included: nothing is embedded again) on
   * the task's first punctuation, after its stores were restored. Until then the partition is not open
   * on this node, so a search names it as missing instead of answering without it.
   */
  private PartitionIndex index() {
    if (index == null) {
      int partition = context.taskId().partition();
      long started = System.nanoTime();
      PartitionIndex rebuilt = new PartitionIndex(partition, indexDirectory());
      int count = 0;
      try (KeyValueIterator<String, IndexedChunk> it = chunks.all()) {
        while (it.hasNext()) {
          rebuilt.add(it.next().value);
          count++;
        }
      }
      rebuilt.refresh();
      indexes.register(rebuilt);
      index = rebuilt;
      log.info("oracle partition {}: index rebuilt from {} chunks in {} ms, {} changes pending", partition, count,
          (System.nanoTime() - started) / 1_000_000, queued);
    }
    return index;
  }

  @Override
  public void process(Record<String, DocumentEvent> record) {
    DocumentEvent event = record.value();
    String docId = record.key();
    if (event == null) {
      return; // a tombstone on a delete-policy topic means nothing here
    }
    if (!OracleValidation.isDocId(docId)) {
      throw new RejectedRecordException("key " + docId + ": docId " + OracleValidation.DOC_ID_RULE);
    }
    DocumentState state = documents.get(docId);
    long now = clock.millis();
    if (event.getPayload() instanceof DocumentChanged changed) {
      if (!docId.equals(changed.getDocId())) {
        throw new RejectedRecordException("docId " + changed.getDocId() + " is not the record key " + docId);
      }
      Map<String, String> problems = OracleValidation.check(changed, config.maxBodyBytes());
      if (!problems.isEmpty()) {
        throw new RejectedRecordException("document " + docId + ": " + Ids.describe(problems));
      }
    } else if (event.getPayload() instanceof DocumentDeleted deleted) {
      if (!docId.equals(deleted.getDocId())) {
        throw new RejectedRecordException("docId " + deleted.getDocId() + " is not the record key " + docId);
      }
      if (state == null || (state.getDeleted() && pending.get(docId) == null)) {
        return; // nothing to delete: deleting twice is not an error
      }
    }
    boolean delete = event.getPayload() instanceof DocumentDeleted;
    long version = state == null ? 1 : state.getVersion() + 1;
    DocumentState.Builder next = state == null
        ? DocumentState.newBuilder().setDocId(docId).setIndexedVersion(null).setChunks(0).setIndexedAt(null)
            .setContentHash(null)
        : DocumentState.newBuilder(state);
    next.setVersion(version).setStatus(IndexingStatus.PENDING).setDeleted(delete).setChangedAt(Instant.ofEpochMilli(now))
        .setError(null);
    if (event.getPayload() instanceof DocumentChanged changed) {
      next.setTitle(changed.getTitle()).setKind(changed.getKind()).setService(changed.getService());
    } else if (state == null) {
      next.setTitle(docId).setKind(DocumentKind.NOTE);
    }
    PendingChange before = pending.get(docId);
    long first = before == null ? now : before.getFirstChangeAt().toEpochMilli();
    long dueAt = Math.min(now + config.debounce().toMillis(), first + config.debounceMaxWait().toMillis());
    PendingChange change = PendingChange.newBuilder().setDocId(docId).setVersion(version).setEvent(event)
        .setFirstChangeAt(Instant.ofEpochMilli(first)).setDueAt(Instant.ofEpochMilli(dueAt))
        .setChanges(before == null ? 1 : before.getChanges() + 1).build();
    timers.reschedule(docId, before == null ? null : before.getDueAt().toEpochMilli(), dueAt);
    pending.put(docId, change);
    documents.put(docId, next.build());
    if (before == null) {
      queued++;
    }
  }

  /**
   * Indexes the documents whose debounce ended: at most oracle.indexing.batch of them and for at most
   * oracle.indexing.batch.time, so the stream thread commits between looks.
   */
  void indexDue(long now) {
    PartitionIndex target = index();
    long deadline = System.nanoTime() + config.indexingBatchTime().toNanos();
    List<TimerIndex.Timer> due = timers.due(now, config.indexingBatch());
    for (TimerIndex.Timer timer : due) {
      if (System.nanoTime() > deadline) {
        break; // the rest stay due: the next look takes them
      }
      timers.cancel(timer.id(), timer.dueAt());
      PendingChange change = pending.get(timer.id());
      if (change == null || change.getDueAt().toEpochMilli() != timer.dueAt()) {
        continue; // a stale timer (the change moved on)
      }
      pending.delete(timer.id());
      queued--;
      index(change, target);
    }
    target.refresh();
  }

  private void index(PendingChange change, PartitionIndex index) {
    String docId = change.getDocId();
    DocumentState state = documents.get(docId);
    boolean delete = change.getEvent().getPayload() instanceof DocumentDeleted;
    EventMeta cause = change.getEvent().getMeta();
    emit(docId, cause, "oracle.IndexingRequested", IndexingRequested.newBuilder().setDocId(docId)
        .setVersion(change.getVersion()).setChanges(change.getChanges()).setFirstChangeAt(change.getFirstChangeAt())
        .setDeleted(delete).build());
    long latency = clock.millis() - change.getFirstChangeAt().toEpochMilli();
    if (delete) {
      chunksOf(docId).forEach(kv -> chunks.delete(kv.key));
      index.delete(docId);
      documents.put(docId, DocumentState.newBuilder(state).setStatus(IndexingStatus.INDEXED).setDeleted(true)
          .setIndexedVersion(change.getVersion()).setChunks(0).setIndexedAt(clock.instant()).setContentHash(null).build());
      emit(docId, cause, "oracle.IndexingCompleted", IndexingCompleted.newBuilder().setDocId(docId)
          .setVersion(change.getVersion()).setChunks(0).setEmbedded(0).setContentHash(null).setLatencyMs(latency)
          .setDeleted(true).build());
      return;
    }
    DocumentChanged doc = (DocumentChanged) change.getEvent().getPayload();
    String hash = ContentHash.of(doc);
    if (hash.equals(state.getContentHash()) && state.getIndexedVersion() != null) {
      documents.put(docId, DocumentState.newBuilder(state).setStatus(IndexingStatus.SKIPPED_UNCHANGED)
          .setIndexedVersion(change.getVersion()).build());
      emit(docId, cause, "oracle.IndexingSkipped", IndexingSkipped.newBuilder().setDocId(docId)
          .setVersion(change.getVersion()).setContentHash(hash).build());
      skipped++;
      return;
    }
    List<IndexedChunk> cut;
    int embedded;
    List<KeyValue<String, IndexedChunk>> old = chunksOf(docId);
    try {
      // everything that can fail first; the stores change only after it worked
      Map<String, ByteBuffer> reusable = new HashMap<>();
      for (KeyValue<String, IndexedChunk> kv : old) {
        reusable.put(kv.value.getTextHash(), kv.value.getVector());
      }
      cut = new ArrayList<>();
      embedded = 0;
      List<MarkdownChunker.Chunk> spans = chunker.chunk(doc.getBody());
      for (int i = 0; i < spans.size(); i++) {
        MarkdownChunker.Chunk span = spans.get(i);
        String text = span.text(doc.getBody());
        String input = Embedder.chunkInput(doc.getTitle(), span.headings(), text);
        String textHash = ContentHash.sha256(Embedder.MODEL + "\u0001" + input);
        ByteBuffer vector = reusable.get(textHash);
        if (vector == null) {
          vector = ByteBuffer.wrap(Embedder.toBytes(embedder.chunkVectors(doc.getTitle(), span.headings(), text)));
          embedded++;
        }
        cut.add(IndexedChunk.newBuilder().setDocId(docId).setVersion(change.getVersion()).setIndex(i)
            .setTitle(doc.getTitle()).setKind(doc.getKind()).setService(doc.getService()).setTags(doc.getTags())
            .setSourceUri(doc.getSourceUri()).setHeadings(span.headings()).setStart(span.start()).setEnd(span.end())
            .setText(text).setTextHash(textHash).setVector(vector).build());
      }
      // the index takes the whole document at once (updateDocuments is atomic) or nothing; then the store
      index.replace(docId, cut);
    } catch (RuntimeException e) {
      String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
      log.warn("oracle could not index {} version {}: {}", docId, change.getVersion(), reason);
      documents.put(docId, DocumentState.newBuilder(state).setStatus(IndexingStatus.FAILED).setError(reason).build());
      emit(docId, cause, "oracle.IndexingFailed", IndexingFailed.newBuilder().setDocId(docId)
          .setVersion(change.getVersion()).setReason(reason).build());
      context.forward(new Record<String, SpecificRecord>(docId, change.getEvent(), clock.millis(),
          DeadLetters.headers("processing", "indexing failed: " + reason, context.applicationId())),
          OracleTopology.DLQ_SINK);
      DeadLetters.counter(context.appConfigs()).deadLettered("processing");
      failed++;
      return;
    }
    for (int i = cut.size(); i < old.size(); i++) {
      chunks.delete(old.get(i).key);
    }
    for (IndexedChunk c : cut) {
      chunks.put(OracleTopology.chunkKey(docId, c.getIndex()), c);
    }
    documents.put(docId, DocumentState.newBuilder(state).setStatus(IndexingStatus.INDEXED).setDeleted(false)
        .setIndexedVersion(change.getVersion()).setChunks(cut.size()).setIndexedAt(clock.instant())
        .setContentHash(hash).setError(null).build());
    emit(docId, cause, "oracle.IndexingCompleted", IndexingCompleted.newBuilder().setDocId(docId)
        .setVersion(change.getVersion()).setChunks(cut.size()).setEmbedded(embedded).setContentHash(hash)
        .setLatencyMs(latency).setDeleted(false).build());
    indexedDocuments++;
    indexedChunks += cut.size();
    latencies.add(latency);
  }

  /** The stored chunks of {@code docId}, in order (one prefix scan: keys and values). */
  private List<KeyValue<String, IndexedChunk>> chunksOf(String docId) {
    List<KeyValue<String, IndexedChunk>> out = new ArrayList<>();
    try (KeyValueIterator<String, IndexedChunk> it = chunks.prefixScan(OracleTopology.chunkPrefix(docId),
        new StringSerializer())) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  private void emit(String docId, EventMeta cause, String type, SpecificRecord payload) {
    EventMeta meta = cause == null ? EventMetas.decided(type, SOURCE, null, clock)
        : EventMetas.causedBy(cause, type, SOURCE, clock);
    context.forward(new Record<String, SpecificRecord>(docId, new IndexingEvent(meta, payload), clock.millis()),
        OracleTopology.INDEXING_SINK);
  }

  /** Indexing metrics of this partition since the last report, as one metric batch for lighthouse. */
  private void reportMetrics() {
    Instant now = clock.instant();
    Map<String, String> labels = Map.of("partition", Integer.toString(context.taskId().partition()));
    List<MetricPoint> points = new ArrayList<>();
    points.add(point("oracle.indexing.documents", now, indexedDocuments, "1", labels));
    points.add(point("oracle.indexing.chunks", now, indexedChunks, "1", labels));
    points.add(point("oracle.indexing.skipped", now, skipped, "1", labels));
    points.add(point("oracle.indexing.failed", now, failed, "1", labels));
    points.add(point("oracle.indexing.queue.depth", now, queued, "1", labels));
    points.add(point("oracle.index.chunks", now, index().chunks(), "1", labels));
    latencies.forEach(ms -> points.add(point("oracle.indexing.latency", now, ms, "ms", labels)));
    indexedDocuments = 0;
    indexedChunks = 0;
    skipped = 0;
    failed = 0;
    latencies.clear();
    EventMeta meta = EventMetas.decided("lighthouse.MetricBatch", SOURCE, null, clock);
    MetricBatch batch = MetricBatch.newBuilder().setService(SOURCE).setInstance("oracle-" + labels.get("partition"))
        .setPoints(points).setAttributes(Map.of()).build();
    context.forward(new Record<String, SpecificRecord>(SOURCE, new MetricEvent(meta, batch), now.toEpochMilli()),
        OracleTopology.METRICS_SINK);
  }

  private static MetricPoint point(String name, Instant time, double value, String unit, Map<String, String> labels) {
    return MetricPoint.newBuilder().setName(name).setTime(time).setValue(value).setUnit(unit).setLabels(labels).build();
  }

  @Override
  public void close() {
    if (index != null) {
      indexes.close(index);
      index = null;
    }
  }
}
