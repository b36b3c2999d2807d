package io.poseidon.processors.depths;

import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.InstanceExpired;
import io.poseidon.schemas.depths.ServiceDeregistered;
import io.poseidon.schemas.depths.ServiceRegistered;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The processor of another service's global store of the instances depths knows: it reads
 * {@code depths.instance-changes} and keeps each live instance's registration event by
 * {@code <service>/<instanceId>} (deregistered and expired ones leave). The store keeps the events as they
 * came: a global store's values are serialized under its source topic's registry subject, so they keep
 * that topic's type. tide enriches with it; lighthouse counts live instances with it.
 */
public final class InstanceDirectory implements Processor<String, InstanceEvent, Void, Void> {

  private final String storeName;
  private KeyValueStore<String, InstanceEvent> store;

  public InstanceDirectory(String storeName) {
    this.storeName = storeName;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(storeName);
  }

  @Override
  public void process(Record<String, InstanceEvent> record) {
    if (record.value() == null) {
      return;
    }
    Object payload = record.value().getPayload();
    if (payload instanceof ServiceRegistered registered) {
      store.put(key(registered.getService(), registered.getInstanceId()), record.value());
    } else if (payload instanceof ServiceDeregistered gone) {
      store.delete(key(gone.getService(), gone.getInstanceId()));
    } else if (payload instanceof InstanceExpired expired) {
      store.delete(key(expired.getService(), expired.getInstanceId()));
    }
  }

  /** The key of an instance: {@code <service>/<instanceId>} (every instance of a service is one prefix). */
  public static String key(String service, String instance) {
    return service + "/" + instance;
  }
}
