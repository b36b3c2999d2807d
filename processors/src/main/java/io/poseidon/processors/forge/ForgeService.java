package io.poseidon.processors.forge;

import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.runtime.PoseidonService;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Clock;
import java.util.List;
import org.apache.kafka.streams.Topology;

/** forge as a node runs it. */
public final class ForgeService implements PoseidonService {

  public static final String NAME = "forge";

  private final SerdeFactory serdes;
  private final ForgeConfig config;
  private final Clock clock;

  public ForgeService(SerdeFactory serdes, ForgeConfig config, Clock clock) {
    this.serdes = serdes;
    this.config = config;
    this.clock = clock;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** forge's own topics: commands, stage commands and results, events, dead letters. */
  @Override
  public List<TopicSpec> topics() {
    return TopicCatalog.ownedBy(NAME);
  }

  @Override
  public Topology topology() {
    return ForgeTopology.build(serdes, config, clock);
  }
}
