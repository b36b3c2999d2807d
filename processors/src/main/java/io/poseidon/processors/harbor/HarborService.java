package io.poseidon.processors.harbor;

import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.runtime.PoseidonService;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.Topology;

/** harbor as a node runs it. */
public final class HarborService implements PoseidonService {

  public static final String NAME = "harbor";

  private final SerdeFactory serdes;
  private final HarborConfig config;
  private final Clock clock;

  public HarborService(SerdeFactory serdes, HarborConfig config, Clock clock) {
    this.serdes = serdes;
    this.config = config;
    this.clock = clock;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** harbor's own topics plus the health topic lighthouse owns and harbor's health gates read. */
  @Override
  public List<TopicSpec> topics() {
    List<TopicSpec> topics = new ArrayList<>(TopicCatalog.ownedBy(NAME));
    topics.add(TopicCatalog.LIGHTHOUSE_SERVICE_HEALTH);
    return List.copyOf(topics);
  }

  @Override
  public Topology topology() {
    return HarborTopology.build(serdes, config, clock);
  }
}
