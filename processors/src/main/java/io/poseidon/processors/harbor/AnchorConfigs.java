package io.poseidon.processors.harbor;

import io.poseidon.processors.anchor.AnchorTopics;
import io.poseidon.schemas.anchor.ConfigEvent;
import io.poseidon.schemas.anchor.ConfigVersion;
import io.poseidon.schemas.harbor.PinnedConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * anchor's configuration as harbor sees it: the latest version per service and environment, from
 * {@code anchor.config} (compacted) in the global store {@code harbor-anchor-config-store}, on every node.
 * A deploy step pins what it finds ({@link PinnedConfig}); version 0 when anchor has nothing.
 */
interface AnchorConfigs {

  /** No configuration anywhere (unit tests of the saga that are not about configuration). */
  AnchorConfigs NONE = (service, env) -> none();

  /** The configuration in effect for {@code service} in {@code env}: version 0 and no values when none. */
  PinnedConfig latest(String service, String env);

  static PinnedConfig none() {
    return new PinnedConfig(0, new LinkedHashMap<>());
  }

  /** Over the global store's values (the topic's own type, ConfigEvent); none without the store (a bare processor test). */
  static AnchorConfigs of(ReadOnlyKeyValueStore<String, ConfigEvent> store) {
    if (store == null) {
      return NONE;
    }
    return (service, env) -> {
      ConfigEvent event = store.get(AnchorTopics.key(service, env));
      if (event == null) {
        return none();
      }
      ConfigVersion v = (ConfigVersion) event.getPayload();
      return new PinnedConfig(v.getVersion(), new LinkedHashMap<>(v.getValues()));
    };
  }

  /** Over a map (unit tests): {@code <service>/<env>} → pinned. */
  static AnchorConfigs of(Map<String, PinnedConfig> configs) {
    return (service, env) -> configs.getOrDefault(AnchorTopics.key(service, env), none());
  }

  /** {@code anchor.config} → {@code harbor-anchor-config-store} on the global thread (also while it restores). */
  final class Updater implements Processor<String, ConfigEvent, Void, Void> {

    private KeyValueStore<String, ConfigEvent> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(HarborTopology.ANCHOR_CONFIG_STORE);
    }

    @Override
    public void process(Record<String, ConfigEvent> record) {
      if (record.key() == null) {
        return;
      }
      if (record.value() == null) {
        store.delete(record.key());
      } else {
        store.put(record.key(), record.value());
      }
    }
  }
}
