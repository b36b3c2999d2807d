package io.poseidon.processors.depths;

import io.poseidon.schemas.depths.ServiceInstance;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.Topology;

/** depths — service discovery: registrations, heartbeats, TTL expiry, live instance lists. */
public final class DepthsModule implements ServiceModule<DepthsQueries> {

  public static final String NAME = "depths";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "service discovery";
  }

  @Override
  public ConfigDef config() {
    return DepthsConfig.CONFIG;
  }

  @Override
  public List<TopicSpec> ownedTopics() {
    return DepthsTopics.OWNED;
  }

  @Override
  public Topology topology(ServiceContext context) {
    return DepthsTopology.build(context.serdes(), new DepthsConfig(context.config()), context.clock());
  }

  @Override
  public DepthsQueries queries(StoreQueries stores, ServiceContext context) {
    return new DepthsQueries(stores, context.clock());
  }

  @Override
  public List<Schema> eventRoots() {
    return List.of(ServiceInstance.getClassSchema());
  }
}
