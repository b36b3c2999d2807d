package io.poseidon.processors.forge;

import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.Topology;

/** forge — CI pipeline runs: build, test and security in parallel, publish; quality gates and retries. */
public final class ForgeModule implements ServiceModule<ForgeQueries> {

  public static final String NAME = "forge";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "CI pipelines";
  }

  @Override
  public ConfigDef config() {
    return ForgeConfig.CONFIG;
  }

  @Override
  public List<TopicSpec> ownedTopics() {
    return ForgeTopics.OWNED;
  }

  @Override
  public Topology topology(ServiceContext context) {
    return ForgeTopology.build(context.serdes(), new ForgeConfig(context.config()), context.clock());
  }

  @Override
  public ForgeQueries queries(StoreQueries stores, ServiceContext context) {
    return new ForgeQueries(stores);
  }

  @Override
  public List<Schema> eventRoots() {
    return List.of(PipelineRun.getClassSchema());
  }
}
