package io.poseidon.processors.anchor;

import io.poseidon.schemas.anchor.AnchorCommand;
import io.poseidon.schemas.anchor.AuditEvent;
import io.poseidon.schemas.anchor.CommandOutcome;
import io.poseidon.schemas.anchor.ConfigVersion;
import io.poseidon.schemas.anchor.MasterKeyEvent;
import io.poseidon.schemas.anchor.SecretVersion;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.tracing.TracedProcessor;
import java.time.Clock;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * anchor — configuration and secrets. Reads {@code anchor.commands} (keyed by {@code <service>/<env>}, so a
 * configuration's versions and a secret's versions meet in one task) with {@link AnchorCommandProcessor}:
 * compare-and-set on versions, rollbacks, secret versions (already encrypted by the gateway), the outcome of
 * every command, the audit entry of every write; and re-wraps data keys while a master key rotation runs.
 * Stores:
 * <ul>
 *   <li>{@code anchor-config-store}: the latest {@link ConfigVersion} per {@code <service>/<env>} (also on
 *       {@code anchor.config}, compacted);</li>
 *   <li>{@code anchor-config-history-store}: every version, {@code <service>/<env>/<version>};</li>
 *   <li>{@code anchor-secret-store}: every {@link SecretVersion} (envelope only),
 *       {@code <service>/<env>/<name>/<version>};</li>
 *   <li>{@code anchor-outcome-store}: the {@link CommandOutcome} per command, for the gateway's answer;</li>
 *   <li>{@code anchor-audit-store}: {@code anchor.audit} by {@code <service>|<time>|<eventId>} (keyed by service);</li>
 *   <li>{@code anchor-master-key-store} (global): the active master key id of {@code anchor.master-key}.</li>
 * </ul>
 */
public final class AnchorTopology {

  public static final String COMMANDS_SOURCE = "anchor-commands-source";
  public static final String COMMAND_PROCESSOR = "anchor-command-processor";
  public static final String CONFIG_SINK = "anchor-config-sink";
  public static final String AUDIT_SINK = "anchor-audit-sink";
  public static final String AUDIT_SOURCE = "anchor-audit-source";
  public static final String AUDIT_INDEXER = "anchor-audit-indexer";
  public static final String MASTER_KEY_SOURCE = "anchor-master-key-source";
  public static final String MASTER_KEY_UPDATER = "anchor-master-key-updater";

  public static final String CONFIG_STORE = "anchor-config-store";
  public static final String HISTORY_STORE = "anchor-config-history-store";
  public static final String SECRET_STORE = "anchor-secret-store";
  public static final String OUTCOME_STORE = "anchor-outcome-store";
  public static final String AUDIT_STORE = "anchor-audit-store";
  public static final String MASTER_KEY_STORE = "anchor-master-key-store";

  private AnchorTopology() {}

  /**
   * @param keys the node's master keys, asked for only when a rotation has data keys to re-wrap (the topology
   *     is also built for docs and checks, without a key file)
   */
  public static Topology build(SerdeFactory serdes, AnchorConfig config, Supplier<MasterKeys> keys, Clock clock) {
    Serde<String> strings = Serdes.String();
    Serializer<SpecificRecord> values = serdes.anyValueSerializer();
    Topology topology = new Topology();
    topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MASTER_KEY_STORE), strings,
            serdes.valueSerde(MasterKeyEvent.class)).withLoggingDisabled(), MASTER_KEY_SOURCE, strings.deserializer(),
        serdes.valueDeserializer(MasterKeyEvent.class), AnchorTopics.MASTER_KEY.name(), MASTER_KEY_UPDATER,
        MasterKeyUpdater::new);

    topology.addSource(COMMANDS_SOURCE, strings.deserializer(), serdes.valueDeserializer(AnchorCommand.class),
        AnchorTopics.COMMANDS.name());
    topology.addProcessor(COMMAND_PROCESSOR, TracedProcessor.of(AnchorModule.NAME,
        () -> new AnchorCommandProcessor(config, keys, clock)), COMMANDS_SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CONFIG_STORE), strings,
        serdes.valueSerde(ConfigVersion.class)), COMMAND_PROCESSOR);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HISTORY_STORE), strings,
        serdes.valueSerde(ConfigVersion.class)), COMMAND_PROCESSOR);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SECRET_STORE), strings,
        serdes.valueSerde(SecretVersion.class)), COMMAND_PROCESSOR);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(OUTCOME_STORE), strings,
        serdes.valueSerde(CommandOutcome.class)), COMMAND_PROCESSOR);
    topology.addSink(CONFIG_SINK, AnchorTopics.CONFIG.name(), strings.serializer(), values, COMMAND_PROCESSOR);
    topology.addSink(AUDIT_SINK, AnchorTopics.AUDIT.name(), strings.serializer(), values, COMMAND_PROCESSOR);

    topology.addSource(AUDIT_SOURCE, strings.deserializer(), serdes.valueDeserializer(AuditEvent.class),
        AnchorTopics.AUDIT.name());
    topology.addProcessor(AUDIT_INDEXER, AuditIndexer::new, AUDIT_SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(AUDIT_STORE), strings,
        serdes.valueSerde(AuditEvent.class)), AUDIT_INDEXER);
    return topology;
  }
}
