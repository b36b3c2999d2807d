package io.poseidon.processors.forge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForgeServiceTest {

  private final ForgeService service = new ForgeService(SerdeFactory.forTopologyTests(), ForgeConfig.defaults(),
      Clock.systemUTC());

  @Test
  void shouldOwnTheForgeTopics() {
    assertEquals("forge", service.name());
    assertEquals(List.of("forge.pipeline-commands", "forge.stage-commands", "forge.stage-results",
        "forge.pipeline-events", "forge.dlq"), service.topics().stream().map(TopicSpec::name).toList());
    assertEquals(TopicCatalog.FORGE_DLQ, TopicCatalog.deadLetterTopicOf(service.name()));
  }

  @Test
  void shouldNameEveryNodeAndStore() {
    String described = service.topology().describe().toString();

    for (String name : List.of(ForgeTopology.PIPELINE_COMMANDS_SOURCE, ForgeTopology.STAGE_RESULTS_SOURCE,
        ForgeTopology.PROCESSOR, ForgeTopology.STAGE_COMMANDS_SINK, ForgeTopology.PIPELINE_EVENTS_SINK,
        ForgeTopology.RUN_STORE, ForgeTopology.TIMER_STORE)) {
      assertTrue(described.contains(name), name + " in " + described);
    }
    assertTrue(!described.contains("KSTREAM-") && !described.contains("KTABLE-"), "no generated names: " + described);
  }
}
