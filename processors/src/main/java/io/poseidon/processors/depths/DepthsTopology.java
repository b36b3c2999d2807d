package io.poseidon.processors.depths;

import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.ServiceInstance;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.timers.TimerIndex;
import io.poseidon.topology.tracing.TracedProcessor;
import java.time.Clock;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * depths — service discovery. Reads registrations, heartbeats and deregistrations from
 * {@code depths.registrations} (keyed by service, so all instances of a service live in one
 * partition), keeps the live instances in {@code depths-instance-store} (key
 * {@code <service>/<instanceId>}), expires instances whose TTL elapsed with a wall-clock punctuator
 * over the durable timers in {@code depths-expiry-store}, and publishes registry changes to
 * {@code depths.instance-changes}.
 */
public final class DepthsTopology {

  public static final String SOURCE = "depths-registrations-source";
  public static final String PROCESSOR = "depths-instance-registry";
  public static final String SINK = "depths-instance-changes-sink";
  public static final String INSTANCE_STORE = "depths-instance-store";
  public static final String EXPIRY_STORE = "depths-expiry-store";

  private DepthsTopology() {}

  public static Topology build(SerdeFactory serdes, DepthsConfig config, Clock clock) {
    Serde<String> keys = Serdes.String();
    Serde<InstanceEvent> events = serdes.valueSerde(InstanceEvent.class);
    Serde<ServiceInstance> instances = serdes.valueSerde(ServiceInstance.class);

    Topology topology = new Topology();
    topology.addSource(SOURCE, keys.deserializer(), events.deserializer(),
        DepthsTopics.REGISTRATIONS.name());
    topology.addProcessor(PROCESSOR, TracedProcessor.of(DepthsModule.NAME, () -> new InstanceRegistryProcessor(config, clock)), SOURCE);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(INSTANCE_STORE), keys, instances), PROCESSOR);
    topology.addStateStore(TimerIndex.storeBuilder(EXPIRY_STORE), PROCESSOR);
    topology.addSink(SINK, DepthsTopics.INSTANCE_CHANGES.name(), keys.serializer(), events.serializer(),
        PROCESSOR);
    return topology;
  }

  /** Store key of one instance: {@code <service>/<instanceId>} (service names cannot hold '/'). */
  public static String instanceKey(String service, String instanceId) {
    return service + "/" + instanceId;
  }
}
