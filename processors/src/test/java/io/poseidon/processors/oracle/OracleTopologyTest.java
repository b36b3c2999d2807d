package io.poseidon.processors.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.processors.testing.MutableClock;
import io.poseidon.processors.testing.TopologyHarness;
import io.poseidon.schemas.lighthouse.MetricBatch;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.schemas.lighthouse.MetricPoint;
import io.poseidon.schemas.oracle.DocumentChanged;
import io.poseidon.schemas.oracle.DocumentDeleted;
import io.poseidon.schemas.oracle.DocumentEvent;
import io.poseidon.schemas.oracle.DocumentKind;
import io.poseidon.schemas.oracle.DocumentState;
import io.poseidon.schemas.oracle.IndexingCompleted;
import io.poseidon.schemas.oracle.IndexingEvent;
import io.poseidon.schemas.oracle.IndexingRequested;
import io.poseidon.schemas.oracle.IndexingSkipped;
import io.poseidon.schemas.oracle.IndexingStatus;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OracleTopologyTest {

  static final String ROLLBACK = """
      # Rolling back payments

      Payments deploys go through harbor with a health gate in every environment.

      ## When to roll back

      Roll back when the error rate of payments stays above five percent for two minutes after a deploy.

      ## How to roll back

      Run `poseidon deploy rollback payments --env prod`. Harbor redeploys the previous version and
      pins its configuration again. Watch the health gate turn green before you close the incident.
      """;

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
  private OracleIndexes indexes;
  private TopologyHarness harness;
  private TestInputTopic<String, DocumentEvent> documents;
  private TestOutputTopic<String, IndexingEvent> facts;

  @BeforeEach
  void start() {
    indexes = new OracleIndexes();
    OracleConfig config = OracleConfig.of(Map.of(OracleConfig.DEBOUNCE, "2s"));
    OracleModule module = new OracleModule();
    harness = new TopologyHarness(OracleModule.NAME, () -> OracleTopology.build(serdes, config, clock, indexes,
        Embedder.shared(), module.deadLetterTopic()), clock);
    open();
  }

  private void open() {
    documents = harness.input(OracleTopics.DOCUMENTS, DocumentEvent.class);
    facts = harness.output(OracleTopics.INDEXING, IndexingEvent.class);
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  static DocumentEvent put(String docId, String title, String body) {
    return new DocumentEvent(EventMetas.first("oracle.DocumentChanged", "test", "tester", null,
        java.time.Clock.systemUTC()), DocumentChanged.newBuilder().setDocId(docId).setTitle(title)
        .setKind(DocumentKind.RUNBOOK).setService("payments").setTags(List.of("rollback")).setBody(body)
        .setSourceUri(null).setAttributes(Map.of()).build());
  }

  static DocumentEvent delete(String docId) {
    return new DocumentEvent(EventMetas.first("oracle.DocumentDeleted", "test", "tester", null,
        java.time.Clock.systemUTC()), new DocumentDeleted(docId));
  }

  private DocumentState state(String docId) {
    return harness.<DocumentState>store(OracleTopology.DOCUMENT_STORE).get(docId);
  }

  private List<Passage> search(String q, Search.Mode mode) {
    Search.Request request = new Search.Request(q, null, null, 5, mode);
    return Search.run(indexes.local().values(), request, Embedder.shared(), true);
  }

  private List<Object> payloads() {
    return facts.readValuesToList().stream().map(e -> (Object) e.getPayload()).toList();
  }

  @Test
  void aBurstOfChangesIsIndexedOnceAsItsLastVersion() {
    for (int i = 1; i <= 5; i++) {
      documents.pipeInput("runbook-payments-rollback", put("runbook-payments-rollback", "Rolling back payments v" + i,
          ROLLBACK + "\nRevision " + i + ".\n"));
      harness.advance(Duration.ofMillis(300));
    }
    assertEquals(IndexingStatus.PENDING, state("runbook-payments-rollback").getStatus());
    assertTrue(facts.isEmpty(), "nothing indexed during the burst");
    harness.advance(Duration.ofMillis(2_100));
    List<Object> out = payloads();
    assertEquals(2, out.size(), out.toString());
    IndexingRequested requested = assertInstanceOf(IndexingRequested.class, out.get(0));
    assertEquals(5, requested.getChanges());
    assertEquals(5, requested.getVersion());
    IndexingCompleted completed = assertInstanceOf(IndexingCompleted.class, out.get(1));
    assertEquals(5, completed.getVersion());
    assertEquals(1, completed.getChunks(), "short sections are packed into one chunk");
    DocumentState state = state("runbook-payments-rollback");
    assertEquals(IndexingStatus.INDEXED, state.getStatus());
    assertEquals(5L, state.getIndexedVersion());
    assertEquals(5L, state.getVersion());
    List<Passage> hits = search("rollback payments prod", Search.Mode.KEYWORD);
    assertEquals("runbook-payments-rollback", hits.get(0).docId());
    assertEquals("Rolling back payments v5", hits.get(0).title());
  }

  @Test
  void citationsAreSpansOfTheBodyAndSnippetsMarkTheQuery() {
    documents.pipeInput("runbook-payments-rollback", put("runbook-payments-rollback", "Rolling back payments", ROLLBACK));
    harness.advance(Duration.ofSeconds(3));
    for (Search.Mode mode : Search.Mode.values()) {
      List<Passage> hits = search("how do I undo a bad payments release", mode);
      assertFalse(hits.isEmpty(), mode.name());
      Passage top = hits.get(0);
      assertEquals(top.text(), ROLLBACK.substring(top.start(), top.end()), "the citation cuts the passage out");
    }
    Passage keyword = search("health gate", Search.Mode.KEYWORD).get(0);
    assertTrue(keyword.snippet().contains("<mark>health</mark>"), keyword.snippet());
    assertTrue(keyword.heading().startsWith("Rolling back payments"), keyword.heading());
  }

  @Test
  void phrasesAndExclusionsNarrowAKeywordSearch() {
    documents.pipeInput("d1", put("d1", "Rolling back payments", ROLLBACK));
    documents.pipeInput("d2", put("d2", "Cache warmup", "# Warming the cache\n\nRoll the warmup job forward after a deploy."));
    harness.advance(Duration.ofSeconds(3));
    assertEquals(2, search("roll", Search.Mode.KEYWORD).stream().map(Passage::docId).distinct().count());
    assertEquals(List.of("d2"), search("roll -payments", Search.Mode.KEYWORD).stream().map(Passage::docId).distinct().toList());
    assertEquals(List.of("d1"), search("\"health gate\"", Search.Mode.KEYWORD).stream().map(Passage::docId).distinct().toList());
    assertTrue(search("-payments", Search.Mode.KEYWORD).isEmpty(), "exclusions alone match nothing");
    assertTrue(search("12.5 [1] \"unclosed", Search.Mode.KEYWORD).isEmpty(), "odd input is no error");
  }

  @Test
  void unchangedContentIsSkippedAndAChangedSectionIsTheOnlyOneEmbeddedAgain() {
    documents.pipeInput("d1", put("d1", "Rolling back payments", ROLLBACK));
    harness.advance(Duration.ofSeconds(3));
    facts.readValuesToList();
    // the same content with other line endings and trailing spaces: normalized, the same hash
    documents.pipeInput("d1", put("d1", "Rolling back payments", ROLLBACK.replace("\n", "  \r\n")));
    harness.advance(Duration.ofSeconds(3));
    List<Object> out = payloads();
    assertInstanceOf(IndexingSkipped.class, out.get(1));
    assertEquals(IndexingStatus.SKIPPED_UNCHANGED, state("d1").getStatus());
    assertEquals(2L, state("d1").getIndexedVersion());

    documents.pipeInput("d1", put("d1", "Rolling back payments", ROLLBACK.replace("five percent", "two percent")));
    harness.advance(Duration.ofSeconds(3));
    IndexingCompleted completed = assertInstanceOf(IndexingCompleted.class, payloads().get(1));
    assertEquals(1, completed.getEmbedded(), "only the changed section gets a new vector");
    assertEquals(IndexingStatus.INDEXED, state("d1").getStatus());
  }

  @Test
  void aDeletedDocumentIsNoLongerFound() {
    documents.pipeInput("d1", put("d1", "Rolling back payments", ROLLBACK));
    harness.advance(Duration.ofSeconds(3));
    assertFalse(search("rollback", Search.Mode.KEYWORD).isEmpty());
    facts.readValuesToList();
    documents.pipeInput("d1", delete("d1"));
    harness.advance(Duration.ofSeconds(3));
    IndexingCompleted removed = assertInstanceOf(IndexingCompleted.class, payloads().get(1));
    assertTrue(removed.getDeleted());
    assertTrue(search("rollback", Search.Mode.HYBRID).isEmpty());
    assertTrue(state("d1").getDeleted());
    assertTrue(harness.entries(OracleTopology.CHUNK_STORE).isEmpty(), "its chunks are gone from the store");
    // deleting again, or deleting what never was, changes nothing
    documents.pipeInput("d1", delete("d1"));
    documents.pipeInput("never", delete("never"));
    harness.advance(Duration.ofSeconds(3));
    assertTrue(facts.isEmpty());
    assertNull(state("never"));
  }

  @Test
  void poisonDocumentsGoToTheDeadLettersWithTheReason() {
    documents.pipeInput("d1", put("d1", "Title", "   "));
    documents.pipeInput("Bad Id", put("Bad Id", "Title", "text"));
    documents.pipeInput("d2", put("d3", "Title", "text"));
    harness.rawInput(OracleTopics.DOCUMENTS).pipeInput("d4".getBytes(StandardCharsets.UTF_8),
        "not avro".getBytes(StandardCharsets.UTF_8));
    documents.pipeInput("d5", put("d5", "Fine", ROLLBACK));
    harness.advance(Duration.ofSeconds(3));
    List<TestRecord<byte[], byte[]>> dead = harness.deadLetters().readRecordsToList();
    assertEquals(4, dead.size());
    Headers first = dead.get(0).headers();
    assertTrue(DeadLetters.header(first, DeadLetters.HEADER_REASON).contains("body must not be empty"),
        DeadLetters.header(first, DeadLetters.HEADER_REASON));
    assertTrue(DeadLetters.header(dead.get(1).headers(), DeadLetters.HEADER_REASON).contains("docId"));
    assertTrue(DeadLetters.header(dead.get(2).headers(), DeadLetters.HEADER_REASON).contains("not the record key"));
    assertEquals("deserialization", DeadLetters.header(dead.get(3).headers(), DeadLetters.HEADER_STAGE));
    assertNull(state("d1"));
    assertEquals(IndexingStatus.INDEXED, state("d5").getStatus(), "the next good document is indexed");
  }

  @Test
  void aPendingChangeSurvivesARestartAndTheIndexIsRebuiltWithoutEmbedding() {
    documents.pipeInput("d1", put("d1", "Rolling back payments", ROLLBACK));
    harness.advance(Duration.ofSeconds(3));
    documents.pipeInput("d2", put("d2", "Cache warmup", "# Warming the search cache\n\nRun the warmup job after a deploy."));
    harness.advance(Duration.ofMillis(500));
    harness.restart(OracleTopology.DOCUMENT_STORE, OracleTopology.PENDING_STORE, OracleTopology.TIMER_STORE,
        OracleTopology.CHUNK_STORE);
    open();
    harness.advance(Duration.ofSeconds(3));
    assertEquals(IndexingStatus.INDEXED, state("d2").getStatus(), "the pending change was indexed after the restart");
    assertEquals("d1", search("roll back payments", Search.Mode.HYBRID).get(0).docId(), "rebuilt from the chunk store");
    assertEquals("d2", search("warmup job", Search.Mode.KEYWORD).get(0).docId());
  }

  @Test
  void indexingMetricsGoToLighthouse() {
    TestOutputTopic<String, MetricEvent> metrics = harness.output(LighthouseTopics.METRICS, MetricEvent.class);
    documents.pipeInput("d1", put("d1", "Rolling back payments", ROLLBACK));
    harness.advance(Duration.ofSeconds(11));
    List<MetricBatch> batches = metrics.readValuesToList().stream().map(MetricEvent::getPayload)
        .map(MetricBatch.class::cast).toList();
    assertFalse(batches.isEmpty());
    List<MetricPoint> points = batches.stream().flatMap(b -> b.getPoints().stream()).toList();
    assertEquals("oracle", batches.get(0).getService());
    assertEquals(1.0, points.stream().filter(p -> p.getName().equals("oracle.indexing.documents"))
        .mapToDouble(MetricPoint::getValue).sum());
    assertNotNull(points.stream().filter(p -> p.getName().equals("oracle.indexing.latency")).findFirst().orElse(null));
    assertTrue(points.stream().anyMatch(p -> p.getName().equals("oracle.indexing.queue.depth")));
  }
}
