package io.poseidon.processors.depths;

import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.runtime.PoseidonService;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Clock;
import java.util.List;
import org.apache.kafka.streams.Topology;

/** depths as a node runs it. */
public final class DepthsService implements PoseidonService {

  public static final String NAME = "depths";

  private final SerdeFactory serdes;
  private final DepthsConfig config;
  private final Clock clock;

  public DepthsService(SerdeFactory serdes, DepthsConfig config, Clock clock) {
    this.serdes = serdes;
    this.config = config;
    this.clock = clock;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<TopicSpec> topics() {
    return TopicCatalog.ownedBy(NAME);
  }

  @Override
  public Topology topology() {
    return DepthsTopology.build(serdes, config, clock);
  }
}
