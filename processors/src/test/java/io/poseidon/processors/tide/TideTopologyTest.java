package io.poseidon.processors.tide;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.processors.oracle.OracleTopics;
import io.poseidon.processors.testing.MutableClock;
import io.poseidon.processors.testing.TopologyHarness;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.schemas.lighthouse.LogEvent;
import io.poseidon.schemas.lighthouse.LogLevel;
import io.poseidon.schemas.lighthouse.LogRecord;
import io.poseidon.schemas.lighthouse.MetricBatch;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.schemas.oracle.DocumentChanged;
import io.poseidon.schemas.oracle.DocumentDeleted;
import io.poseidon.schemas.oracle.DocumentEvent;
import io.poseidon.schemas.tide.ArchiveEvent;
import io.poseidon.schemas.tide.ArchivedRecord;
import io.poseidon.schemas.tide.Condition;
import io.poseidon.schemas.tide.ConditionOp;
import io.poseidon.schemas.tide.IngestEvent;
import io.poseidon.schemas.tide.IngestKind;
import io.poseidon.schemas.tide.RawEnvelope;
import io.poseidon.schemas.tide.RoutingRule;
import io.poseidon.schemas.tide.RuleEvent;
import io.poseidon.schemas.tide.RuleMatch;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** tide through TopologyTestDriver: every rule feature, defaults, enrichment, de-duplication, dead letters. */
class TideTopologyTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(T0);
  private final TideConfig config = new TideConfig(ConfigSource.of(Map.of(TideConfig.DEDUP_WINDOW, "10m")));
  private TopologyHarness harness;
  private TestInputTopic<String, IngestEvent> ingest;
  private TestInputTopic<byte[], byte[]> rawIngest;
  private TestInputTopic<String, RuleEvent> rules;
  private TestInputTopic<String, InstanceEvent> instances;
  private TestOutputTopic<String, MetricEvent> metrics;
  private TestOutputTopic<String, LogEvent> logs;
  private TestOutputTopic<String, DocumentEvent> documents;
  private TestOutputTopic<String, ArchiveEvent> archive;
  private TestOutputTopic<byte[], byte[]> deadLetters;

  @BeforeEach
  void start() {
    harness = new TopologyHarness(TideModule.NAME, () -> TideTopology.build(serdes, config, clock), clock);
    openTopics();
  }

  private void openTopics() {
    ingest = harness.input(TideTopics.INGEST, IngestEvent.class);
    rawIngest = harness.rawInput(TideTopics.INGEST);
    rules = harness.input(TideTopics.ROUTING_RULES, RuleEvent.class);
    instances = harness.input(DepthsTopics.INSTANCE_CHANGES, InstanceEvent.class);
    metrics = harness.output(LighthouseTopics.METRICS, MetricEvent.class);
    logs = harness.output(LighthouseTopics.LOGS, LogEvent.class);
    documents = harness.output(OracleTopics.DOCUMENTS, DocumentEvent.class);
    archive = harness.output(TideTopics.ARCHIVE, ArchiveEvent.class);
    deadLetters = harness.deadLetters();
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  // --- defaults --------------------------------------------------------------------------------

  @Test
  void shouldRouteEachKindToItsDefaultDestinationWithoutRules() {
    send(raw("runner-1", IngestKind.METRIC, null, Map.of("service", "payments"),
        "{\"name\":\"http.server.duration\",\"value\":12.5,\"unit\":\"ms\",\"labels\":{\"route\":\"/pay\"}}"));
    send(raw("shipper", IngestKind.LOG, null, Map.of("service", "payments", "instance", "i-1"),
        "{\"level\":\"error\",\"message\":\"card declined\",\"traceId\":\"abc\"}"));
    send(raw("git", IngestKind.DOCUMENT, null, Map.of(),
        "{\"docId\":\"runbook-1\",\"title\":\"Roll back payments\",\"kind\":\"runbook\",\"body\":\"# Steps\"}"));
    send(raw("git", IngestKind.DOCUMENT, null, Map.of(), "{\"docId\":\"runbook-2\",\"deleted\":true}"));
    send(raw("ci", IngestKind.EVENT, null, Map.of(), "{\"what\":\"cache warmed\"}"));
    send(raw("anchor", IngestKind.CONFIG, null, Map.of(), "{\"key\":\"pool.size\"}"));

    TestRecord<String, MetricEvent> metric = metrics.readRecord();
    assertEquals("payments", metric.key());
    MetricBatch batch = (MetricBatch) metric.value().getPayload();
    assertEquals(List.of(12.5), batch.getPoints().stream().map(p -> p.getValue()).toList());
    assertEquals("ms", batch.getPoints().get(0).getUnit());
    assertEquals(Map.of("route", "/pay"), batch.getPoints().get(0).getLabels());
    LogRecord log = (LogRecord) logs.readValue().getPayload();
    assertEquals(LogLevel.ERROR, log.getLevel());
    assertEquals("card declined", log.getMessage());
    assertEquals("i-1", log.getInstance());
    assertEquals("abc", log.getTraceId());
    assertInstanceOf(DocumentChanged.class, documents.readValue().getPayload());
    assertEquals("runbook-2", ((DocumentDeleted) documents.readValue().getPayload()).getDocId());
    List<ArchivedRecord> archived = archive.readValuesToList().stream().map(e -> (ArchivedRecord) e.getPayload()).toList();
    assertEquals(List.of(IngestKind.EVENT, IngestKind.CONFIG), archived.stream().map(ArchivedRecord::getKind).toList());
    assertNull(archived.get(0).getRoutedBy(), "the default of its kind");
    assertTrue(deadLetters.isEmpty());
  }

  @Test
  void shouldTakeAMetricBatchOfManyPoints() {
    send(raw("agent", IngestKind.METRIC, null, Map.of("service", "checkout"), "{\"points\":["
        + "{\"name\":\"cpu\",\"value\":0.5},{\"name\":\"mem\",\"value\":512,\"unit\":\"MiB\",\"time\":1764583200000}]}"));

    MetricBatch batch = (MetricBatch) metrics.readValue().getPayload();
    assertEquals(List.of("cpu", "mem"), batch.getPoints().stream().map(p -> p.getName()).toList());
    assertEquals(Instant.ofEpochMilli(1764583200000L), batch.getPoints().get(1).getTime());
  }

  // --- rules -----------------------------------------------------------------------------------

  @Test
  void shouldMatchKindAttributesAndPayloadAndApplyTheHighestPriorityFirst() {
    putRule(rule("errors", 10, match(IngestKind.LOG, null, Map.of("service", eq("payments")),
        Map.of("level", eq("ERROR"))), TideTopics.ARCHIVE.name(), false, Map.of("team", "payments-core")));
    putRule(rule("all-payments", 5, match(null, null, Map.of("service", eq("payments")), Map.of()),
        LighthouseTopics.LOGS.name(), false, Map.of()));

    send(log("payments", "ERROR", "boom"));
    send(log("payments", "INFO", "fine"));
    send(log("orders", "ERROR", "other service"));

    ArchivedRecord archived = (ArchivedRecord) archive.readValue().getPayload();
    assertEquals("errors", archived.getRoutedBy());
    assertEquals("payments-core", archived.getAttributes().get("team"), "enriched by the rule's set");
    assertTrue(archive.isEmpty(), "first match wins");
    List<LogRecord> routedLogs = logs.readValuesToList().stream().map(e -> (LogRecord) e.getPayload()).toList();
    assertEquals(List.of("fine", "other service"), routedLogs.stream().map(LogRecord::getMessage).toList(),
        "the lower rule for payments' INFO, the default for orders");
    assertEquals(Map.of("errors", 1L, "all-payments", 1L), stats().byRule());
  }

  @Test
  void shouldCountARuleNamedLikeATopicAsARuleAndTheTopicAsADestination() {
    // a rule id may be a topic's name: its counter and the destination's are two counters
    putRule(rule("tide.archive", 10, match(IngestKind.LOG, null, Map.of(), Map.of()), TideTopics.ARCHIVE.name(), false,
        Map.of()));
    send(log("payments", "WARN", "slow"));
    send(log("payments", "INFO", "fine"));

    assertEquals(Map.of("tide.archive", 2L), stats().byRule());
    assertEquals(Map.of("tide.archive", 2L), stats().byDestination());
  }

  @Test
  void shouldFanOutWhenARuleContinues() {
    putRule(rule("copy", 10, match(IngestKind.LOG, null, Map.of(), Map.of()), TideTopics.ARCHIVE.name(), true, Map.of()));
    putRule(rule("logs", 1, match(IngestKind.LOG, null, Map.of(), Map.of()), LighthouseTopics.LOGS.name(), false, Map.of()));

    send(log("payments", "WARN", "slow"));

    assertEquals(1, archive.readValuesToList().size());
    assertEquals(1, logs.readValuesToList().size());
    assertEquals(Map.of("tide.archive", 1L, "lighthouse.logs", 1L), stats().byDestination());
  }

  @Test
  void shouldMatchByPrefixRegexAndExistenceOnSourceAttributesAndNestedPayloadFields() {
    putRule(rule("prefix", 4, match(null, new Condition(ConditionOp.PREFIX, "ci-"), Map.of(), Map.of()),
        TideTopics.ARCHIVE.name(), false, Map.of("by", "prefix")));
    putRule(rule("regex", 3, match(null, null, Map.of("env", new Condition(ConditionOp.REGEX, "prod|staging")), Map.of()),
        TideTopics.ARCHIVE.name(), false, Map.of("by", "regex")));
    putRule(rule("exists", 2, match(null, null, Map.of(), Map.of("http.status", new Condition(ConditionOp.EXISTS, "true"))),
        TideTopics.ARCHIVE.name(), false, Map.of("by", "exists")));

    send(raw("ci-runner-3", IngestKind.EVENT, null, Map.of(), "{}"));
    send(raw("agent", IngestKind.EVENT, null, Map.of("env", "staging"), "{}"));
    send(raw("agent", IngestKind.EVENT, null, Map.of("env", "dev"), "{\"http\":{\"status\":503}}"));
    send(raw("agent", IngestKind.EVENT, null, Map.of("env", "stagingx"), "{\"http\":{}}"));

    List<String> by = archive.readValuesToList().stream()
        .map(e -> ((ArchivedRecord) e.getPayload()).getAttributes().getOrDefault("by", "default")).toList();
    assertEquals(List.of("prefix", "regex", "exists", "default"), by);
  }

  @Test
  void shouldApplyARuleChangeAndADeletionWithoutARestart() {
    putRule(rule("archive-logs", 1, match(IngestKind.LOG, null, Map.of(), Map.of()), TideTopics.ARCHIVE.name(), false,
        Map.of()));
    send(log("payments", "INFO", "one"));
    rules.pipeInput("archive-logs", null); // tombstone: the rule is gone
    send(log("payments", "INFO", "two"));

    assertEquals(1, archive.readValuesToList().size());
    assertEquals(1, logs.readValuesToList().size(), "back to the default once the rule is deleted");
  }

  // --- enrichment, de-duplication, dead letters --------------------------------------------------------

  @Test
  void shouldEnrichWithWhatDepthsKnowsOfTheInstance() {
    instances.pipeInput("payments", new InstanceEvent(EventMetas.first("depths.ServiceRegistered", "depths", "ada", null,
        clock), ServiceRegistered.newBuilder().setService("payments").setInstanceId("i-1").setHost("10.0.0.7")
        .setPort(8443).setVersion("1.4.2").setTtlSeconds(30).setMetadata(Map.of("owner", "team-pay", "zone", "a")).build()));

    send(raw("shipper", IngestKind.LOG, null, Map.of("service", "payments", "instance", "i-1", "zone", "b"),
        "{\"message\":\"hello\"}"));

    Map<String, String> attributes = ((LogRecord) logs.readValue().getPayload()).getAttributes();
    assertEquals("team-pay", attributes.get("owner"));
    assertEquals("1.4.2", attributes.get("instance.version"));
    assertEquals("10.0.0.7", attributes.get("instance.host"));
    assertEquals("b", attributes.get("zone"), "what the source said is kept");
  }

  @Test
  void shouldDropADuplicateSourceAndIdWithinTheWindowAcrossARestart() {
    dropsADuplicateAcrossARestart();
  }

  @Test
  void shouldDropADuplicateAcrossARestartWithTheIndexInRocksDb() {
    harness.close();
    TideConfig onDisk = new TideConfig(ConfigSource.of(Map.of(TideConfig.DEDUP_WINDOW, "10m",
        TideConfig.DEDUP_INDEX, "rocksdb")));
    harness = new TopologyHarness(TideModule.NAME, () -> TideTopology.build(serdes, onDisk, clock), clock);
    openTopics();
    dropsADuplicateAcrossARestart();
  }

  private void dropsADuplicateAcrossARestart() {
    send(raw("shipper", IngestKind.LOG, "line-1", Map.of("service", "payments"), "{\"message\":\"once\"}"));
    // what a new owner of the task has: the changelogged log and counters; the index has no changelog
    harness.restart(TideTopology.DEDUP_STORE, TideTopology.COUNTER_STORE);
    openTopics();
    assertEquals(0, windowEntries(TideTopology.DEDUP_INDEX), "a new owner starts with an empty index");
    clock.advance(Duration.ofMinutes(9));
    send(raw("shipper", IngestKind.LOG, "line-1", Map.of("service", "payments"), "{\"message\":\"once\"}"));
    send(raw("other", IngestKind.LOG, "line-1", Map.of("service", "payments"), "{\"message\":\"another source\"}"));
    clock.advance(Duration.ofMinutes(2));
    send(raw("shipper", IngestKind.LOG, "line-1", Map.of("service", "payments"), "{\"message\":\"after the window\"}"));

    assertEquals(List.of("another source", "after the window"), logs.readValuesToList().stream()
        .map(e -> ((LogRecord) e.getPayload()).getMessage()).toList());
    assertEquals(1, stats().duplicates());
  }

  @Test
  void shouldLogTheKeysOfEachCommitAsOneChangelogRecordAndKeepTheIndexWithoutAChangelog() {
    var log = harness.changelog("test-tide", TideTopology.DEDUP_STORE);
    var counters = harness.changelog("test-tide", TideTopology.COUNTER_STORE);
    send(raw("shipper", IngestKind.LOG, "line-1", Map.of("service", "payments"), "{\"message\":\"one\"}"));
    send(raw("shipper", IngestKind.LOG, "line-2", Map.of("service", "payments"), "{\"message\":\"two\"}"));
    send(raw("shipper", IngestKind.LOG, null, Map.of("service", "payments"), "{\"message\":\"no id\"}"));
    // TopologyTestDriver commits after every record: a batch per record that had an id, written by its commit
    var batches = log.readRecordsToList();
    assertEquals(2, batches.size(), "one batch per commit that routed a keyed record");
    List<String> keys = new ArrayList<>();
    for (var batch : batches) {
      DedupLog.decode("test", batch.value(), (key, time) -> keys.add(key));
    }
    assertEquals(List.of("shipper|line-1", "shipper|line-2"), keys);
    assertEquals(2, windowEntries(TideTopology.DEDUP_INDEX), "the index holds the keys for lookups");
    assertTrue(harness.driver().producedTopicNames().stream().noneMatch(t -> t.contains(TideTopology.DEDUP_INDEX)),
        "the index writes no changelog: " + harness.driver().producedTopicNames());
    assertTrue(harness.driver().producedTopicNames().contains("test-tide-" + TideTopology.DEDUP_STORE + "-changelog"));
    // the counter of lighthouse.logs, once per commit: 1, 2, 3
    assertEquals(3, counters.readRecordsToList().size());
    assertEquals(3, stats().byDestination().get("lighthouse.logs"));
  }

  @Test
  void shouldSendWhatCannotBecomeItsDestinationsTypeToTheDeadLettersWithTheReason() {
    send(raw("agent", IngestKind.METRIC, null, Map.of("service", "payments"), "{\"name\":\"cpu\",\"value\":\"high\"}"));
    send(raw("shipper", IngestKind.LOG, null, Map.of("service", "payments"), "{\"level\":\"INFO\"}"));
    send(raw("shipper", IngestKind.LOG, null, Map.of(), "{\"message\":\"no service\"}"));
    send(raw("agent", IngestKind.EVENT, null, Map.of(), "not json"));
    rawIngest.pipeInput("x".getBytes(StandardCharsets.UTF_8), "{\"garbage\":true}".getBytes(StandardCharsets.UTF_8));

    List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
    assertEquals(5, dead.size());
    List<String> reasons = dead.stream().map(d -> new String(d.headers().lastHeader(DeadLetters.HEADER_REASON).value(),
        StandardCharsets.UTF_8)).toList();
    assertTrue(reasons.get(0).contains("numeric value"), reasons.get(0));
    assertTrue(reasons.get(1).contains("needs a message"), reasons.get(1));
    assertTrue(reasons.get(2).contains("needs a service"), reasons.get(2));
    assertTrue(reasons.get(3).contains("not a JSON object"), reasons.get(3));
    assertTrue(metrics.isEmpty() && logs.isEmpty() && archive.isEmpty(), "nothing half-routed");
    assertEquals(4, stats().deadLettered(), "the unreadable one never reached the router");

    send(log("payments", "INFO", "still routing"));
    assertEquals(1, logs.readValuesToList().size(), "a poison record does not stop tide");
  }

  @Test
  void shouldIgnoreAnInvalidRuleAndAPoisonRuleRecordWithoutStopping() {
    putRule(rule("bad-destination", 9, match(IngestKind.LOG, null, Map.of(), Map.of()), "depths.registrations", false,
        Map.of()));
    harness.rawInput(TideTopics.ROUTING_RULES).pipeInput("poison".getBytes(StandardCharsets.UTF_8),
        "garbage".getBytes(StandardCharsets.UTF_8));

    send(log("payments", "INFO", "to the default"));

    assertEquals(1, logs.readValuesToList().size());
  }

  // --- helpers -------------------------------------------------------------------------------------

  private int windowEntries(String store) {
    WindowStore<String, Long> ws = harness.driver().getWindowStore(store);
    int n = 0;
    try (KeyValueIterator<org.apache.kafka.streams.kstream.Windowed<String>, Long> it = ws.all()) {
      while (it.hasNext()) {
        it.next();
        n++;
      }
    }
    return n;
  }

  private TideQueries.Stats stats() {
    WindowStore<String, Long> store = harness.driver().getWindowStore(TideTopology.COUNTER_STORE);
    Map<String, Long> sums = new java.util.TreeMap<>();
    try (KeyValueIterator<org.apache.kafka.streams.kstream.Windowed<String>, Long> it = store.all()) {
      it.forEachRemaining(kv -> sums.merge(kv.key.key(), kv.value, Long::sum));
    }
    return TideQueries.Stats.of(sums);
  }

  private void send(RawEnvelope raw) {
    IngestEvent event = new IngestEvent(EventMetas.first("tide.RawEnvelope", "gateway", "ada", null, clock), raw);
    String key = raw.getId() == null ? raw.getSource() : raw.getSource() + "/" + raw.getId();
    ingest.pipeInput(key, event, clock.instant());
  }

  private void putRule(RoutingRule rule) {
    rules.pipeInput(rule.getRuleId(), new RuleEvent(EventMetas.first("tide.RoutingRule", "gateway", "ada", null, clock),
        rule), clock.instant());
  }

  private static RawEnvelope raw(String source, IngestKind kind, String id, Map<String, String> attributes,
      String payload) {
    return RawEnvelope.newBuilder().setSource(source).setKind(kind).setId(id).setTime(null).setAttributes(attributes)
        .setPayload(payload).build();
  }

  private static RawEnvelope log(String service, String level, String message) {
    return raw("shipper", IngestKind.LOG, null, Map.of("service", service),
        "{\"level\":\"" + level + "\",\"message\":\"" + message + "\"}");
  }

  private static Condition eq(String value) {
    return new Condition(ConditionOp.EQUALS, value);
  }

  private static RuleMatch match(IngestKind kind, Condition source, Map<String, Condition> attributes,
      Map<String, Condition> payload) {
    return RuleMatch.newBuilder().setKind(kind).setSource(source).setAttributes(attributes).setPayload(payload).build();
  }

  private static RoutingRule rule(String id, int priority, RuleMatch match, String destination, boolean continueMatching,
      Map<String, String> set) {
    return RoutingRule.newBuilder().setRuleId(id).setPriority(priority).setMatch(match).setDestination(destination)
        .setContinueMatching(continueMatching).setSet(set).build();
  }
}
