package io.poseidon.processors.forge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.service.ServiceContext;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForgeModuleTest {

  private final ForgeModule service = new ForgeModule();

  @Test
  void shouldOwnTheForgeTopics() {
    assertEquals("forge", service.name());
    assertEquals(List.of("forge.pipeline-commands", "forge.stage-commands", "forge.stage-results",
        "forge.pipeline-events", "forge.dlq"), service.topics().stream().map(TopicSpec::name).toList());
    assertEquals("forge.dlq", service.deadLetterTopic().name());
  }

  @Test
  void shouldNameEveryNodeAndStore() {
    String described = service.topology(ServiceContext.defaults()).describe().toString();

    for (String name : List.of(ForgeTopology.PIPELINE_COMMANDS_SOURCE, ForgeTopology.STAGE_RESULTS_SOURCE,
        ForgeTopology.PROCESSOR, ForgeTopology.STAGE_COMMANDS_SINK, ForgeTopology.PIPELINE_EVENTS_SINK,
        ForgeTopology.RUN_STORE, ForgeTopology.TIMER_STORE)) {
      assertTrue(described.contains(name), name + " in " + described);
    }
    assertTrue(!described.contains("KSTREAM-") && !described.contains("KTABLE-"), "no generated names: " + described);
  }
}
