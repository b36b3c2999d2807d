package io.poseidon.processors.current;

import io.poseidon.processors.forge.ForgeTopics;
import io.poseidon.processors.harbor.HarborTopics;
import io.poseidon.schemas.current.Timeline;
import io.poseidon.schemas.current.Workflow;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.Topology;

/** current — commit workflows (commit → CI pipeline → deployment) and their causal timeline. */
public final class CurrentModule implements ServiceModule<CurrentQueries> {

  public static final String NAME = "current";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "commit workflows";
  }

  @Override
  public ConfigDef config() {
    return CurrentConfig.CONFIG;
  }

  @Override
  public List<TopicSpec> ownedTopics() {
    return CurrentTopics.OWNED;
  }

  /** forge's and harbor's: current sends their commands and reads their facts. */
  @Override
  public List<TopicSpec> usedTopics() {
    return List.of(ForgeTopics.PIPELINE_COMMANDS, ForgeTopics.PIPELINE_EVENTS, HarborTopics.DEPLOYMENT_COMMANDS,
        HarborTopics.DEPLOYMENT_EVENTS, io.poseidon.processors.lighthouse.LighthouseTopics.ALERTS);
  }

  @Override
  public Topology topology(ServiceContext context) {
    return CurrentTopology.build(context.serdes(), new CurrentConfig(context.config()), context.clock());
  }

  @Override
  public CurrentQueries queries(StoreQueries stores, ServiceContext context) {
    return new CurrentQueries(stores);
  }

  @Override
  public List<Schema> eventRoots() {
    return List.of(Workflow.getClassSchema(), Timeline.getClassSchema());
  }
}
