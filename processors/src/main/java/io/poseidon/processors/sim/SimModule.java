package io.poseidon.processors.sim;

import io.poseidon.processors.forge.ForgeTopics;
import io.poseidon.processors.harbor.HarborTopics;
import io.poseidon.processors.lighthouse.LighthouseTopics;
import io.poseidon.processors.tide.TideTopics;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.Topology;

/**
 * sim — the simulated participants that make a local stack come alive: a deploy agent (answers
 * harbor's step commands, reports health), a CI runner (answers forge's stage commands) and the
 * simulated services' raw logs and metrics (to tide.ingest). A
 * simulator: a node runs it only with {@code node.allow-simulators=true} (./poseidon dev sets it).
 */
public final class SimModule implements ServiceModule<Void> {

  public static final String NAME = "sim";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "simulated deploy agent, CI runner and services' telemetry";
  }

  @Override
  public ConfigDef config() {
    return SimConfig.CONFIG;
  }

  @Override
  public List<TopicSpec> ownedTopics() {
    return List.of();
  }

  @Override
  public TopicSpec deadLetterTopic() {
    return TopicSpec.deadLetters(NAME, Duration.ofDays(3));
  }

  @Override
  public List<TopicSpec> usedTopics() {
    return List.of(HarborTopics.AGENT_COMMANDS, HarborTopics.AGENT_RESULTS, LighthouseTopics.SERVICE_HEALTH,
        ForgeTopics.STAGE_COMMANDS, ForgeTopics.STAGE_RESULTS, TideTopics.INGEST);
  }

  @Override
  public Topology topology(ServiceContext context) {
    SecureRandom random = new SecureRandom();
    return SimTopology.build(context.serdes(), new SimConfig(context.config()), context.clock(), random::nextDouble);
  }

  @Override
  public boolean simulator() {
    return true;
  }
}
