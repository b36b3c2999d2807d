package io.poseidon.processors.harbor;

import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.ServiceDeployments;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.Topology;

/** harbor — deployment sagas, environment by environment, health-gated, rolled back on failure. */
public final class HarborModule implements ServiceModule<HarborQueries> {

  public static final String NAME = "harbor";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "deployment sagas";
  }

  @Override
  public ConfigDef config() {
    return HarborConfig.CONFIG;
  }

  @Override
  public List<TopicSpec> ownedTopics() {
    return HarborTopics.OWNED;
  }

  /** The health reports its health gates read; anchor's configuration, which a deploy pins. */
  @Override
  public List<TopicSpec> usedTopics() {
    return List.of(LighthouseTopics.SERVICE_HEALTH, io.poseidon.processors.anchor.AnchorTopics.CONFIG);
  }

  @Override
  public Topology topology(ServiceContext context) {
    return HarborTopology.build(context.serdes(), new HarborConfig(context.config()), context.clock());
  }

  @Override
  public HarborQueries queries(StoreQueries stores, ServiceContext context) {
    return new HarborQueries(stores);
  }

  /** A 5 s health gate, so a three-environment workflow on a local stack finishes in about half a minute. */
  @Override
  public Map<String, String> devDefaults() {
    return Map.of(HarborConfig.DEFAULT_HEALTH_GATE_SECONDS, "5");
  }

  @Override
  public List<Schema> eventRoots() {
    return List.of(Deployment.getClassSchema(), ServiceDeployments.getClassSchema());
  }
}
