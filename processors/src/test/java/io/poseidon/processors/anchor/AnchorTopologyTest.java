package io.poseidon.processors.anchor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.testing.MutableClock;
import io.poseidon.processors.testing.TopologyHarness;
import io.poseidon.schemas.anchor.AnchorCommand;
import io.poseidon.schemas.anchor.AuditAction;
import io.poseidon.schemas.anchor.AuditEntry;
import io.poseidon.schemas.anchor.AuditEvent;
import io.poseidon.schemas.anchor.CommandOutcome;
import io.poseidon.schemas.anchor.ConfigEvent;
import io.poseidon.schemas.anchor.ConfigVersion;
import io.poseidon.schemas.anchor.MasterKeyEvent;
import io.poseidon.schemas.anchor.MasterKeyRotation;
import io.poseidon.schemas.anchor.Origin;
import io.poseidon.schemas.anchor.PutConfig;
import io.poseidon.schemas.anchor.PutSecret;
import io.poseidon.schemas.anchor.RollbackConfig;
import io.poseidon.schemas.anchor.SecretVersion;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * anchor through TopologyTestDriver: compare-and-set on config versions, rollbacks and history, secret
 * versions, a master key rotation that re-wraps in batches and resumes after a restart, dead letters, the
 * audit store, and no plaintext in any record or store.
 */
class AnchorTopologyTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final String PLAINTEXT = "correct-horse-battery-staple-PLAINTEXT";
  private static final MasterKeys KEYS = MasterKeys.of(Map.of("k1", random(), "k2", random()), "k1");
  private static final String[] STORES = {AnchorTopology.CONFIG_STORE, AnchorTopology.HISTORY_STORE,
      AnchorTopology.SECRET_STORE, AnchorTopology.OUTCOME_STORE, AnchorTopology.AUDIT_STORE};

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(T0);
  private final AnchorConfig config = new AnchorConfig(ConfigSource.of(Map.of(AnchorConfig.ROTATION_BATCH, "2",
      AnchorConfig.ROTATION_INTERVAL, "1s")));
  private final AtomicInteger keyLoads = new AtomicInteger();
  private TopologyHarness harness;
  private TestInputTopic<String, AnchorCommand> commands;
  private TestInputTopic<byte[], byte[]> rawCommands;
  private TestInputTopic<String, MasterKeyEvent> masterKey;
  private TestOutputTopic<String, ConfigEvent> configs;
  private TestOutputTopic<String, AuditEvent> audit;
  private TestOutputTopic<byte[], byte[]> deadLetters;

  private static byte[] random() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return b;
  }

  @BeforeEach
  void start() {
    harness = new TopologyHarness(AnchorModule.NAME, () -> AnchorTopology.build(serdes, config, () -> {
      keyLoads.incrementAndGet();
      return KEYS;
    }, clock), clock);
    openTopics();
  }

  private void openTopics() {
    commands = harness.input(AnchorTopics.COMMANDS, AnchorCommand.class);
    rawCommands = harness.rawInput(AnchorTopics.COMMANDS);
    masterKey = harness.input(AnchorTopics.MASTER_KEY, MasterKeyEvent.class);
    configs = harness.output(AnchorTopics.CONFIG, ConfigEvent.class);
    audit = harness.output(AnchorTopics.AUDIT, AuditEvent.class);
    deadLetters = harness.deadLetters();
  }

  @AfterEach
  void stop() {
    harness.close();
  }

  // --- config ------------------------------------------------------------------------------------

  @Test
  void shouldApplyAPutWhoseExpectedVersionIsCurrentAndRefuseAStaleOneWithoutChangingAnything() {
    putConfig("c-1", 0, Map.of("db.pool.size", "20"));
    putConfig("c-2", null, Map.of("db.pool.size", "25"));
    putConfig("c-3", 1, Map.of("db.pool.size", "5")); // raced: version 2 won

    CommandOutcome first = outcome("c-1");
    assertTrue(first.getApplied());
    assertEquals(1, first.getVersion());
    assertEquals(2, outcome("c-2").getVersion(), "no If-Match: always applied");
    CommandOutcome conflict = outcome("c-3");
    assertFalse(conflict.getApplied());
    assertEquals("conflict", conflict.getReason());
    assertEquals(2, conflict.getCurrentVersion());
    ConfigVersion latest = harness.<ConfigVersion>store(AnchorTopology.CONFIG_STORE).get("payments/prod");
    assertEquals(2, latest.getVersion());
    assertEquals(Map.of("db.pool.size", "25"), latest.getValues());
    assertEquals("ada", latest.getUpdatedBy());
    assertEquals(List.of(1, 2), configs.readValuesToList().stream()
        .map(e -> ((ConfigVersion) e.getPayload()).getVersion()).toList(), "the refused put is not on anchor.config");
    List<AuditEntry> entries = auditEntries();
    assertEquals(List.of("applied", "applied", "conflict"), entries.stream().map(AuditEntry::getOutcome).toList());
    assertEquals("req-c-3", entries.get(2).getRequestId());
    assertEquals("node-a", entries.get(2).getNode());
    assertEquals(AuditAction.CONFIG_PUT, entries.get(2).getAction());
  }

  @Test
  void shouldIgnoreARedeliveredCommand() {
    putConfig("c-1", 0, Map.of("a", "1"));
    putConfig("c-1", 0, Map.of("a", "1"));

    assertEquals(1, harness.<ConfigVersion>store(AnchorTopology.CONFIG_STORE).get("payments/prod").getVersion());
    assertEquals(1, configs.readValuesToList().size());
  }

  @Test
  void shouldRollBackAsANewVersionEqualToTheOldOneAndKeepTheHistory() {
    putConfig("c-1", 0, Map.of("db.pool.size", "50", "timeout.ms", "30000"));
    putConfig("c-2", 1, Map.of("db.pool.size", "5", "timeout.ms", "5000"));
    send(new RollbackConfig("r-1", "payments", "prod", 1, null, 2, origin("r-1")));
    send(new RollbackConfig("r-2", "payments", "prod", 9, null, null, origin("r-2")));

    ConfigVersion latest = harness.<ConfigVersion>store(AnchorTopology.CONFIG_STORE).get("payments/prod");
    assertEquals(3, latest.getVersion());
    assertEquals(1, latest.getRollbackOf());
    assertEquals(Map.of("db.pool.size", "50", "timeout.ms", "30000"), latest.getValues());
    assertEquals("rollback to version 1", latest.getComment());
    CommandOutcome missing = outcome("r-2");
    assertFalse(missing.getApplied());
    assertEquals("no version 9", missing.getReason());
    List<Integer> history = harness.<ConfigVersion>entries(AnchorTopology.HISTORY_STORE).stream()
        .map(kv -> kv.value.getVersion()).toList();
    assertEquals(List.of(1, 2, 3), history);
    assertEquals(Map.of("db.pool.size", "5", "timeout.ms", "5000"),
        harness.<ConfigVersion>store(AnchorTopology.HISTORY_STORE).get(AnchorStores.historyKey("payments", "prod", 2))
            .getValues());
    assertEquals(List.of(AuditAction.CONFIG_PUT, AuditAction.CONFIG_PUT, AuditAction.CONFIG_ROLLBACK,
        AuditAction.CONFIG_ROLLBACK), auditEntries().stream().map(AuditEntry::getAction).toList());
  }

  @Test
  void shouldIndexAuditEntriesByServiceAndTime() {
    putConfig("c-1", 0, Map.of("a", "1"));
    harness.advance(Duration.ofMinutes(1));
    putConfig("c-2", 1, Map.of("a", "2"));

    List<KeyValue<String, AuditEvent>> indexed = harness.entries(AnchorTopology.AUDIT_STORE);
    assertEquals(2, indexed.size());
    assertTrue(indexed.get(0).key.startsWith(AnchorStores.auditBound("payments", T0.toEpochMilli())), indexed.get(0).key);
    assertEquals(1, ((AuditEntry) indexed.get(0).value.getPayload()).getVersion());
    assertEquals(2, ((AuditEntry) indexed.get(1).value.getPayload()).getVersion());
  }

  @Test
  void shouldDeadLetterPoisonAndInvalidCommandsAndKeepGoing() {
    rawCommands.pipeInput("payments/prod".getBytes(StandardCharsets.UTF_8), "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8));
    send("payments/prod", new PutConfig("c-bad", "payments", "prod", Map.of("bad key!", "x"), null, null, origin("c-bad")));
    send("checkout/prod", new PutConfig("c-moved", "payments", "prod", Map.of("a", "1"), null, null, origin("c-moved")));
    putConfig("c-ok", 0, Map.of("a", "1"));

    List<TestRecord<byte[], byte[]>> dead = deadLetters.readRecordsToList();
    assertEquals(3, dead.size());
    assertEquals("deserialization", DeadLetters.header(dead.get(0).headers(), DeadLetters.HEADER_STAGE));
    assertTrue(DeadLetters.header(dead.get(1).headers(), DeadLetters.HEADER_REASON).contains(AnchorValidation.CONFIG_KEY_RULE));
    assertTrue(DeadLetters.header(dead.get(2).headers(), DeadLetters.HEADER_REASON).contains("<service>/<env>"));
    assertEquals(1, outcome("c-ok").getVersion(), "processing went on");
    assertNull(harness.<CommandOutcome>store(AnchorTopology.OUTCOME_STORE).get("payments/prod/c-bad"));
  }

  // --- secrets -----------------------------------------------------------------------------------

  @Test
  void shouldKeepSecretVersionsAsEnvelopesWithNoPlaintextInAnyRecordOrStore() {
    putSecret("s-1", "db-password", "k1", PLAINTEXT);
    putSecret("s-2", "db-password", "k1", PLAINTEXT + "-v2");
    send(new PutConfig("c-1", "payments", "prod", Map.of("a", "1"), null, null, origin("c-1")));

    SecretVersion v2 = harness.<SecretVersion>store(AnchorTopology.SECRET_STORE)
        .get(AnchorStores.secretKey("payments", "prod", "db-password", 2));
    assertEquals(2, v2.getVersion());
    assertEquals("ada", v2.getCreatedBy());
    assertEquals(PLAINTEXT + "-v2", open(v2));
    List<AuditEntry> entries = auditEntries();
    assertEquals(AuditAction.SECRET_PUT, entries.get(0).getAction());
    assertEquals("db-password", entries.get(0).getName());

    assertNoPlaintextAnywhere();
  }

  @Test
  void shouldReWrapEveryDataKeyToTheRotatedKeyInBatchesAndResumeAfterARestart() {
    for (int i = 1; i <= 5; i++) {
      putSecret("s-" + i, "secret-" + i, "k1", PLAINTEXT + i);
    }
    harness.advance(Duration.ofSeconds(1));
    assertEquals(0, keyLoads.get(), "nothing to re-wrap: the keys are not even loaded");

    rotate("k2");
    harness.advance(Duration.ofSeconds(1)); // one batch of 2
    assertEquals(Map.of("k1", 3L, "k2", 2L), keyIds());

    // a crash: the stores come back from their changelogs (the global store from its topic), the task resumes
    harness.restart(STORES);
    openTopics();
    rotate("k2");
    harness.advance(Duration.ofSeconds(1));
    assertEquals(Map.of("k1", 1L, "k2", 4L), keyIds());
    harness.advance(Duration.ofSeconds(1));
    assertEquals(Map.of("k2", 5L), keyIds());
    for (int i = 1; i <= 5; i++) {
      SecretVersion s = harness.<SecretVersion>store(AnchorTopology.SECRET_STORE)
          .get(AnchorStores.secretKey("payments", "prod", "secret-" + i, 1));
      assertEquals(PLAINTEXT + i, open(s), "the same ciphertext opens through the re-wrapped data key");
    }

    // a put wrapped with the old key by a gateway that had not seen the rotation yet is re-wrapped too
    putSecret("s-late", "late", "k1", PLAINTEXT);
    harness.advance(Duration.ofSeconds(1));
    assertEquals(Map.of("k2", 6L), keyIds());
    assertNoPlaintextAnywhere();
  }

  // --- helpers -----------------------------------------------------------------------------------

  private Map<String, Long> keyIds() {
    Map<String, Long> out = new java.util.TreeMap<>();
    harness.<SecretVersion>entries(AnchorTopology.SECRET_STORE).forEach(kv -> out.merge(kv.value.getKeyId(), 1L, Long::sum));
    return out;
  }

  private String open(SecretVersion s) {
    return new String(Envelopes.open(KEYS, s.getKeyId(), AnchorCommandProcessor.bytes(s.getWrappedKey()),
        AnchorCommandProcessor.bytes(s.getCiphertext()), Envelopes.coordinates(s.getService(), s.getEnv(), s.getName())),
        StandardCharsets.UTF_8);
  }

  /** Every record the topology wrote (outputs, changelogs, dead letters) and every store value, as bytes. */
  private void assertNoPlaintextAnywhere() {
    byte[] needle = "PLAINTEXT".getBytes(StandardCharsets.UTF_8);
    List<String> found = new ArrayList<>();
    for (String topic : harness.driver().producedTopicNames()) {
      TestOutputTopic<byte[], byte[]> out = harness.driver().createOutputTopic(topic, new ByteArrayDeserializer(),
          new ByteArrayDeserializer());
      for (TestRecord<byte[], byte[]> r : out.readRecordsToList()) {
        if (contains(r.value(), needle) || contains(r.key(), needle)) {
          found.add(topic);
        }
        r.headers().forEach(h -> {
          if (contains(h.value(), needle)) {
            found.add(topic + " header " + h.key());
          }
        });
      }
    }
    Serializer<org.apache.avro.specific.SpecificRecord> values = serdes.anyValueSerializer();
    for (String store : STORES) {
      harness.<org.apache.avro.specific.SpecificRecord>entries(store).forEach(kv -> {
        if (contains(values.serialize("x", kv.value), needle) || kv.key.contains("PLAINTEXT")) {
          found.add(store + " " + kv.key);
        }
      });
    }
    assertTrue(found.isEmpty(), "plaintext in " + found);
    assertTrue(harness.driver().producedTopicNames().contains("poseidon-anchor-" + AnchorTopology.SECRET_STORE
        + "-changelog") || harness.driver().producedTopicNames().stream().anyMatch(t -> t.endsWith("secret-store-changelog")),
        "the secret store's changelog was scanned: " + harness.driver().producedTopicNames());
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    if (haystack == null) {
      return false;
    }
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private List<AuditEntry> auditEntries() {
    return audit.readValuesToList().stream().map(e -> (AuditEntry) e.getPayload()).toList();
  }

  private CommandOutcome outcome(String commandId) {
    CommandOutcome o = harness.<CommandOutcome>store(AnchorTopology.OUTCOME_STORE)
        .get(AnchorStores.outcomeKey("payments", "prod", commandId));
    assertNotNull(o, "outcome of " + commandId);
    return o;
  }

  private void putConfig(String commandId, Integer expected, Map<String, String> values) {
    send(new PutConfig(commandId, "payments", "prod", new LinkedHashMap<>(values), null, expected, origin(commandId)));
  }

  private void putSecret(String commandId, String name, String keyId, String value) {
    Envelopes.Sealed sealed = Envelopes.seal(KEYS, keyId, Envelopes.coordinates("payments", "prod", name),
        value.getBytes(StandardCharsets.UTF_8));
    send(new PutSecret(commandId, "payments", "prod", name, keyId, ByteBuffer.wrap(sealed.wrappedKey()),
        ByteBuffer.wrap(sealed.ciphertext()), origin(commandId)));
  }

  private void rotate(String keyId) {
    masterKey.pipeInput(AnchorTopics.ACTIVE, new MasterKeyEvent(EventMetas.first("anchor.MasterKeyRotation", "gateway",
        "root", null, clock), new MasterKeyRotation(keyId, "k1", origin("rot"))));
  }

  private static Origin origin(String commandId) {
    return new Origin("req-" + commandId, "node-a");
  }

  private void send(Object payload) {
    send("payments/prod", payload);
  }

  private void send(String key, Object payload) {
    commands.pipeInput(key, new AnchorCommand(EventMetas.first("anchor." + payload.getClass().getSimpleName(), "gateway",
        "ada", null, clock), payload), clock.instant());
  }

  @SuppressWarnings("unused")
  private static String id() {
    return UUID.randomUUID().toString();
  }
}
