package io.poseidon.processors.anchor;

import io.poseidon.schemas.anchor.MasterKeyEvent;
import io.poseidon.schemas.anchor.MasterKeyRotation;
import io.poseidon.topology.validation.Ids;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code anchor.master-key} → {@code anchor-master-key-store} on every node's global thread (also while it
 * restores): the active master key id every task re-wraps to and every gateway wraps new data keys with.
 */
final class MasterKeyUpdater implements Processor<String, MasterKeyEvent, Void, Void> {

  private static final Logger log = LoggerFactory.getLogger(MasterKeyUpdater.class);

  private KeyValueStore<String, MasterKeyEvent> store;

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(AnchorTopology.MASTER_KEY_STORE);
  }

  @Override
  public void process(Record<String, MasterKeyEvent> record) {
    if (!AnchorTopics.ACTIVE.equals(record.key())) {
      log.warn("anchor.master-key record with key {} ignored: the only key is {}", record.key(), AnchorTopics.ACTIVE);
      return;
    }
    if (record.value() == null) {
      store.delete(record.key());
      return;
    }
    MasterKeyRotation rotation = (MasterKeyRotation) record.value().getPayload();
    if (!Ids.isId(rotation.getKeyId())) {
      log.warn("anchor.master-key record ignored: the key id {}", Ids.ID_RULE);
      return;
    }
    store.put(record.key(), record.value());
  }
}
