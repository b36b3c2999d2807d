package io.poseidon.processors.anchor;

import io.poseidon.schemas.anchor.AuditEntry;
import io.poseidon.schemas.anchor.AuditEvent;
import io.poseidon.topology.errors.RejectedRecordException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** {@code anchor.audit} (keyed by service) → {@code anchor-audit-store}, by service and time. */
final class AuditIndexer implements Processor<String, AuditEvent, Void, Void> {

  private KeyValueStore<String, AuditEvent> store;

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(AnchorTopology.AUDIT_STORE);
  }

  @Override
  public void process(Record<String, AuditEvent> record) {
    if (record.value() == null) {
      throw new RejectedRecordException("an audit entry cannot be deleted (a tombstone on anchor.audit)");
    }
    AuditEntry entry = (AuditEntry) record.value().getPayload();
    if (!entry.getService().equals(record.key())) {
      throw new RejectedRecordException("an audit entry of service " + entry.getService() + " keyed " + record.key()
          + ": anchor.audit is keyed by service");
    }
    store.put(AnchorStores.auditKey(entry.getService(), record.value().getMeta().getTime().toEpochMilli(),
        record.value().getMeta().getEventId()), record.value());
  }
}
