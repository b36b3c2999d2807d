package io.poseidon.processors.sim;

import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.runtime.PoseidonService;
import io.poseidon.topology.serde.SerdeFactory;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import org.apache.kafka.streams.Topology;

/** The simulated participants as a node runs them (service name {@code sim}). */
public final class SimService implements PoseidonService {

  public static final String NAME = "sim";

  private final SerdeFactory serdes;
  private final SimConfig config;
  private final Clock clock;

  public SimService(SerdeFactory serdes, SimConfig config, Clock clock) {
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
    return List.of(TopicCatalog.HARBOR_AGENT_COMMANDS, TopicCatalog.HARBOR_AGENT_RESULTS,
        TopicCatalog.LIGHTHOUSE_SERVICE_HEALTH, TopicCatalog.FORGE_STAGE_COMMANDS, TopicCatalog.FORGE_STAGE_RESULTS,
        TopicCatalog.SIM_DLQ);
  }

  @Override
  public Topology topology() {
    SecureRandom random = new SecureRandom();
    return SimTopology.build(serdes, config, clock, random::nextDouble);
  }
}
