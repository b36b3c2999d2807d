package io.poseidon.processors.current;

import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.runtime.PoseidonService;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.Topology;

/** current as a node runs it. */
public final class CurrentService implements PoseidonService {

  public static final String NAME = "current";

  private final SerdeFactory serdes;
  private final CurrentConfig config;
  private final Clock clock;

  public CurrentService(SerdeFactory serdes, CurrentConfig config, Clock clock) {
    this.serdes = serdes;
    this.config = config;
    this.clock = clock;
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * current's own topics plus those of forge and harbor it talks to: it sends their commands
   * (forge.pipeline-commands, harbor.deployment-commands) and reads their facts
   * (forge.pipeline-events, harbor.deployment-events).
   */
  @Override
  public List<TopicSpec> topics() {
    List<TopicSpec> topics = new ArrayList<>(TopicCatalog.ownedBy(NAME));
    topics.add(TopicCatalog.FORGE_PIPELINE_COMMANDS);
    topics.add(TopicCatalog.FORGE_PIPELINE_EVENTS);
    topics.add(TopicCatalog.HARBOR_DEPLOYMENT_COMMANDS);
    topics.add(TopicCatalog.HARBOR_DEPLOYMENT_EVENTS);
    return List.copyOf(topics);
  }

  @Override
  public Topology topology() {
    return CurrentTopology.build(serdes, config, clock);
  }
}
