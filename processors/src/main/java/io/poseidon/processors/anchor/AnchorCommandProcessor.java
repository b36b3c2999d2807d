package io.poseidon.processors.anchor;

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
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.validation.Ids;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
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
 * anchor's commands, one task's partitions: config puts and rollbacks with compare-and-set on the version
 * (a command whose expected version is not the current one is refused here, recorded as its outcome and
 * audited, and never half-applied), secret versions, and the re-wrap of data keys while a master key rotation
 * runs (a wall-clock punctuator, in batches; the re-wrapped versions are changelogged under exactly-once, so a
 * crash resumes where the last commit left off). Every output is built before any store is written.
 */
final class AnchorCommandProcessor implements Processor<String, AnchorCommand, String, SpecificRecord> {

  private static final Logger log = LoggerFactory.getLogger(AnchorCommandProcessor.class);
  private static final StringSerializer KEYS = new StringSerializer();

  private final AnchorConfig config;
  private final Supplier<MasterKeys> keys;
  private final Clock clock;
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, ConfigVersion> configs;
  private KeyValueStore<String, ConfigVersion> history;
  private KeyValueStore<String, SecretVersion> secrets;
  private KeyValueStore<String, CommandOutcome> outcomes;
  private KeyValueStore<String, MasterKeyEvent> masterKey;
  /** The active key id this task has no data key left to re-wrap for (null: look). */
  private String rewrappedFor;
  /** Secret versions this task cannot re-wrap (their key id is not on this node): not tried again this rotation. */
  private final Set<String> cannotRewrap = new HashSet<>();

  AnchorCommandProcessor(AnchorConfig config, Supplier<MasterKeys> keys, Clock clock) {
    this.config = config;
    this.keys = keys;
    this.clock = clock;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    configs = context.getStateStore(AnchorTopology.CONFIG_STORE);
    history = context.getStateStore(AnchorTopology.HISTORY_STORE);
    secrets = context.getStateStore(AnchorTopology.SECRET_STORE);
    outcomes = context.getStateStore(AnchorTopology.OUTCOME_STORE);
    masterKey = context.getStateStore(AnchorTopology.MASTER_KEY_STORE);
    context.schedule(config.rotationInterval(), PunctuationType.WALL_CLOCK_TIME, now -> rewrapBatch());
    context.schedule(Duration.ofMinutes(1), PunctuationType.WALL_CLOCK_TIME, now -> forgetOutcomes());
  }

  @Override
  public void process(Record<String, AnchorCommand> record) {
    AnchorCommand command = record.value();
    if (command == null) {
      throw new RejectedRecordException("a tombstone is not a command (anchor.commands takes AnchorCommand records)");
    }
    Object payload = command.getPayload();
    if (payload instanceof PutConfig put) {
      checked(record.key(), put.getService(), put.getEnv(), AnchorValidation.check(put, config));
      if (isKnown(put.getService(), put.getEnv(), put.getCommandId())) {
        return;
      }
      decide(record, command.getMeta(), put.getService(), put.getEnv(), put.getCommandId(), put.getExpectedVersion(),
          AuditAction.CONFIG_PUT, put.getOrigin(), current -> put.getValues(), put.getComment(), null);
    } else if (payload instanceof RollbackConfig rollback) {
      checked(record.key(), rollback.getService(), rollback.getEnv(), AnchorValidation.check(rollback));
      if (isKnown(rollback.getService(), rollback.getEnv(), rollback.getCommandId())) {
        return;
      }
      ConfigVersion target = history.get(AnchorStores.historyKey(rollback.getService(), rollback.getEnv(),
          rollback.getToVersion()));
      decide(record, command.getMeta(), rollback.getService(), rollback.getEnv(), rollback.getCommandId(),
          rollback.getExpectedVersion(), AuditAction.CONFIG_ROLLBACK, rollback.getOrigin(),
          current -> target == null ? null : target.getValues(),
          rollback.getComment() != null ? rollback.getComment() : "rollback to version " + rollback.getToVersion(),
          rollback.getToVersion());
    } else if (payload instanceof PutSecret put) {
      checked(record.key(), put.getService(), put.getEnv(), AnchorValidation.check(put, config));
      if (isKnown(put.getService(), put.getEnv(), put.getCommandId())) {
        return;
      }
      putSecret(record, command.getMeta(), put);
    } else {
      throw new RejectedRecordException("unknown anchor command " + payload.getClass().getSimpleName());
    }
  }

  private static void checked(String key, String service, String env, Map<String, String> problems) {
    if (problems.isEmpty() && !AnchorTopics.key(service, env).equals(key)) {
      problems = Map.of("key", "must be <service>/<env> of the command (" + AnchorTopics.key(service, env) + ")");
    }
    if (!problems.isEmpty()) {
      throw new RejectedRecordException(Ids.describe(problems));
    }
  }

  /** A command already decided (a redelivery): nothing changes. */
  private boolean isKnown(String service, String env, String commandId) {
    return outcomes.get(AnchorStores.outcomeKey(service, env, commandId)) != null;
  }

  private interface NewValues {
    Map<String, String> of(ConfigVersion current);
  }

  /** Compare-and-set, then the new version: the outcome, the audit entry and (when applied) the config event. */
  private void decide(Record<String, AnchorCommand> record, EventMeta meta, String service, String env, String commandId,
      Integer expected, AuditAction action, Origin origin, NewValues values, String comment, Integer rollbackOf) {
    String key = AnchorTopics.key(service, env);
    ConfigVersion current = configs.get(key);
    int currentVersion = current == null ? 0 : current.getVersion();
    Instant now = clock.instant();
    String actor = actorOf(meta);
    if (expected != null && expected != currentVersion) {
      CommandOutcome refused = outcome(commandId, false, null, currentVersion, "conflict", now);
      AuditEvent audit = audit(meta, action, "conflict", service, env, null, null, origin,
          "expected version " + expected + ", current " + currentVersion);
      outcomes.put(AnchorStores.outcomeKey(service, env, commandId), refused);
      context.forward(record.withKey(service).withValue(audit), AnchorTopology.AUDIT_SINK);
      return;
    }
    Map<String, String> next = values.of(current);
    if (next == null) {
      CommandOutcome refused = outcome(commandId, false, null, currentVersion, "no version " + rollbackOf, now);
      AuditEvent audit = audit(meta, action, "rejected", service, env, null, rollbackOf, origin, "no version " + rollbackOf);
      outcomes.put(AnchorStores.outcomeKey(service, env, commandId), refused);
      context.forward(record.withKey(service).withValue(audit), AnchorTopology.AUDIT_SINK);
      return;
    }
    int version = currentVersion + 1;
    ConfigVersion made = ConfigVersion.newBuilder()
        .setService(service).setEnv(env).setVersion(version).setValues(next).setComment(comment)
        .setUpdatedBy(actor).setUpdatedAt(meta.getTime()).setCommandId(commandId).setRollbackOf(rollbackOf)
        .build();
    ConfigEvent event = new ConfigEvent(EventMetas.causedBy(meta, "anchor.ConfigVersion", AnchorModule.NAME, clock), made);
    CommandOutcome applied = outcome(commandId, true, version, version, null, now);
    AuditEvent audit = audit(meta, action, "applied", service, env, null, version, origin,
        rollbackOf == null ? null : "values of version " + rollbackOf);
    history.put(AnchorStores.historyKey(service, env, version), made);
    configs.put(key, made);
    outcomes.put(AnchorStores.outcomeKey(service, env, commandId), applied);
    context.forward(record.withKey(key).withValue(event), AnchorTopology.CONFIG_SINK);
    context.forward(record.withKey(service).withValue(audit), AnchorTopology.AUDIT_SINK);
  }

  private void putSecret(Record<String, AnchorCommand> record, EventMeta meta, PutSecret put) {
    int last = 0;
    try (KeyValueIterator<String, SecretVersion> it = secrets.prefixScan(
        AnchorStores.secretPrefix(put.getService(), put.getEnv(), put.getName()), KEYS)) {
      while (it.hasNext()) {
        last = Math.max(last, it.next().value.getVersion());
      }
    }
    int version = last + 1;
    SecretVersion made = SecretVersion.newBuilder()
        .setService(put.getService()).setEnv(put.getEnv()).setName(put.getName()).setVersion(version)
        .setKeyId(put.getKeyId()).setWrappedKey(copy(put.getWrappedKey())).setCiphertext(copy(put.getCiphertext()))
        .setCreatedAt(meta.getTime()).setCreatedBy(actorOf(meta)).setCommandId(put.getCommandId())
        .build();
    CommandOutcome applied = outcome(put.getCommandId(), true, version, version, null, clock.instant());
    AuditEvent audit = audit(meta, AuditAction.SECRET_PUT, "applied", put.getService(), put.getEnv(), put.getName(),
        version, put.getOrigin(), "master key " + put.getKeyId());
    secrets.put(AnchorStores.secretKey(put.getService(), put.getEnv(), put.getName(), version), made);
    outcomes.put(AnchorStores.outcomeKey(put.getService(), put.getEnv(), put.getCommandId()), applied);
    rewrappedFor = null; // a gateway may have wrapped it with a key id a rotation just replaced
    context.forward(record.withKey(put.getService()).withValue(audit), AnchorTopology.AUDIT_SINK);
  }

  /** The key id data keys are wrapped with from now on: the last rotation's, else anchor.master-key.id. */
  static String activeKeyId(KeyValueStore<String, MasterKeyEvent> store, AnchorConfig config) {
    MasterKeyEvent event = store.get(AnchorTopics.ACTIVE);
    return event == null ? config.masterKeyId() : ((MasterKeyRotation) event.getPayload()).getKeyId();
  }

  /** One batch of re-wraps toward the active key id; nothing once this task has none left. */
  void rewrapBatch() {
    String active = activeKeyId(masterKey, config);
    if (active.equals(rewrappedFor)) {
      return;
    }
    if (!active.equals(lastActive)) {
      cannotRewrap.clear();
      lastActive = active;
    }
    List<KeyValue<String, SecretVersion>> batch = new ArrayList<>();
    boolean more = false;
    try (KeyValueIterator<String, SecretVersion> it = secrets.all()) {
      while (it.hasNext()) {
        KeyValue<String, SecretVersion> kv = it.next();
        if (kv.value.getKeyId().equals(active) || cannotRewrap.contains(kv.key)) {
          continue;
        }
        if (batch.size() == config.rotationBatch()) {
          more = true;
          break;
        }
        batch.add(kv);
      }
    }
    if (batch.isEmpty()) {
      rewrappedFor = active;
      return;
    }
    MasterKeys master;
    try {
      master = keys.get();
    } catch (RuntimeException e) {
      log.error("anchor cannot re-wrap data keys to master key {}: {}", active, e.getMessage());
      return;
    }
    if (!master.has(active)) {
      log.error("anchor cannot re-wrap data keys: master key {} is not in this node's {}", active,
          AnchorConfig.MASTER_KEYS_FILE);
      return;
    }
    int done = 0;
    for (KeyValue<String, SecretVersion> kv : batch) {
      SecretVersion s = kv.value;
      try {
        byte[] wrapped = Envelopes.rewrap(master, s.getKeyId(), bytes(s.getWrappedKey()), active,
            Envelopes.coordinates(s.getService(), s.getEnv(), s.getName()));
        secrets.put(kv.key, SecretVersion.newBuilder(s).setKeyId(active).setWrappedKey(ByteBuffer.wrap(wrapped)).build());
        done++;
      } catch (Envelopes.CryptoException e) {
        cannotRewrap.add(kv.key);
        log.error("anchor cannot re-wrap {} version {}: {}", Envelopes.coordinates(s.getService(), s.getEnv(),
            s.getName()), s.getVersion(), e.getMessage());
      }
    }
    log.info("anchor re-wrapped {} data keys to master key {} (task {}{})", done, active, context.taskId(),
        more ? ", more to do" : "");
    if (!more && done == batch.size()) {
      rewrappedFor = active;
    }
  }

  private String lastActive;

  private void forgetOutcomes() {
    long before = clock.millis() - config.outcomeRetention().toMillis();
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, CommandOutcome> it = outcomes.all()) {
      it.forEachRemaining(kv -> {
        if (kv.value.getTime().toEpochMilli() < before) {
          old.add(kv.key);
        }
      });
    }
    old.forEach(outcomes::delete);
  }

  private static CommandOutcome outcome(String commandId, boolean applied, Integer version, int current, String reason,
      Instant now) {
    return CommandOutcome.newBuilder().setCommandId(commandId).setApplied(applied).setVersion(version)
        .setCurrentVersion(current).setReason(reason).setTime(now).build();
  }

  private AuditEvent audit(EventMeta cause, AuditAction action, String outcome, String service, String env, String name,
      Integer version, Origin origin, String detail) {
    AuditEntry entry = AuditEntry.newBuilder()
        .setAction(action).setOutcome(outcome).setActor(actorOf(cause)).setService(service).setEnv(env).setName(name)
        .setVersion(version).setRequestId(origin.getRequestId()).setNode(origin.getNode()).setDetail(detail)
        .build();
    return new AuditEvent(EventMetas.causedBy(cause, "anchor.AuditEntry", AnchorModule.NAME, clock), entry);
  }

  private static String actorOf(EventMeta meta) {
    return meta.getActor() == null ? "anonymous" : meta.getActor();
  }

  private static ByteBuffer copy(ByteBuffer buffer) {
    return ByteBuffer.wrap(bytes(buffer));
  }

  static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
