package io.poseidon.processors.tide;

import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.processors.oracle.OracleTopics;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.query.StoreQueries;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.Topology;

/** tide — ingestion: validates, de-duplicates, enriches and routes raw platform data by rules. */
public final class TideModule implements ServiceModule<TideQueries> {

  public static final String NAME = "tide";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "ingestion, classification and routing";
  }

  @Override
  public ConfigDef config() {
    return TideConfig.CONFIG;
  }

  @Override
  public List<TopicSpec> ownedTopics() {
    return TideTopics.OWNED;
  }

  /** The typed destinations (lighthouse's and oracle's) and depths' instance changes for enrichment. */
  @Override
  public List<TopicSpec> usedTopics() {
    return List.of(LighthouseTopics.METRICS, LighthouseTopics.LOGS, OracleTopics.DOCUMENTS,
        DepthsTopics.INSTANCE_CHANGES);
  }

  @Override
  public Topology topology(ServiceContext context) {
    return TideTopology.build(context.serdes(), new TideConfig(context.config()), context.clock());
  }

  @Override
  public TideQueries queries(StoreQueries stores, ServiceContext context) {
    return new TideQueries(stores, context.clock());
  }
}
