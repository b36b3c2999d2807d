package io.poseidon.topology.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.Topology;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicCatalogTest {

  private static final TopicSpec A_EVENTS = topic("alpha.events", "alpha");
  private static final TopicSpec B_EVENTS = topic("beta.events", "beta");
  private static final TopicSpec GAMMA_HEALTH = topic("gamma.health", "gamma");

  @Test
  void shouldComposeOwnedTopicsDeadLettersAndUsedTopicsOfTheModules() {
    // Given alpha owning alpha.events and using gamma.health (no gamma module in the build), beta reading alpha's
    TopicCatalog catalog = TopicCatalog.of(List.of(
        module("alpha", List.of(A_EVENTS), List.of(GAMMA_HEALTH)),
        module("beta", List.of(B_EVENTS), List.of(A_EVENTS))));

    // Then every topic is there once, each module with its dead-letter topic
    assertEquals(List.of("alpha.events", "alpha.dlq", "beta.events", "beta.dlq", "gamma.health"),
        catalog.all().stream().map(TopicSpec::name).toList());
    assertEquals(A_EVENTS, catalog.byName("alpha.events").orElseThrow());
    assertTrue(catalog.byName("alpha.nothing").isEmpty());
    assertEquals(List.of("alpha.events", "alpha.dlq"),
        catalog.ownedBy("alpha").stream().map(TopicSpec::name).toList());
  }

  @Test
  void shouldRefuseATopicOwnedByTwoModules() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TopicCatalog.of(List.of(
        module("alpha", List.of(A_EVENTS), List.of()), module("alpha", List.of(A_EVENTS), List.of()))));
    assertTrue(e.getMessage().contains("alpha.events is owned by both"), e.getMessage());
  }

  @Test
  void shouldRefuseATopicOutsideTheOwnersDomain() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TopicCatalog.of(List.of(
        module("beta", List.of(A_EVENTS), List.of()))));
    assertTrue(e.getMessage().contains("beta declares alpha.events as its own"), e.getMessage());
  }

  @Test
  void shouldRefuseAUsedTopicThatDiffersFromItsOwnersSpec() {
    TopicSpec other = new TopicSpec("alpha.events", 12, "compact", null, "k", null, "alpha", "another spec");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TopicCatalog.of(List.of(
        module("alpha", List.of(A_EVENTS), List.of()), module("beta", List.of(), List.of(other)))));
    assertTrue(e.getMessage().contains("beta uses alpha.events with another spec"), e.getMessage());
  }

  @Test
  void shouldGiveEveryServiceADeadLetterTopicOfRawBytes() {
    TopicSpec dlq = TopicSpec.deadLetters("depths");
    assertEquals("depths.dlq", dlq.name());
    assertEquals("depths.dlq", TopicSpec.deadLetterName("depths"));
    assertEquals("depths", dlq.owner());
    assertNull(dlq.valueSchema(), "dead letters keep the original bytes");
    assertEquals(1, dlq.partitions());
  }

  @ParameterizedTest
  @ValueSource(strings = {"Depths.registrations", "registrations", "depths_registrations", "depths.Registrations",
      "depths.registrations_v2", ".registrations", "depths.", "1depths.x"})
  void shouldRejectTopicNameThatIsNotDomainDotKebab(String name) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TopicSpec(
        name, 1, "delete", Duration.ofDays(1), "key", InstanceEvent.class, "depths", "doc"));
    assertTrue(e.getMessage().contains(name), e.getMessage());
  }

  @Test
  void shouldRejectZeroPartitions() {
    assertThrows(IllegalArgumentException.class, () -> new TopicSpec(
        "depths.x", 0, "delete", null, "key", null, "depths", "doc"));
  }

  @Test
  void shouldPinCleanupPolicyAndRetention() {
    TopicSpec dlq = TopicSpec.deadLetters("depths");
    assertEquals("delete", dlq.configs().get("cleanup.policy"));
    assertEquals(Long.toString(Duration.ofDays(14).toMillis()), dlq.configs().get("retention.ms"));
    assertEquals("-1", new TopicSpec("depths.forever", 1, "compact", null, "k", null, "depths", "d")
        .configs().get("retention.ms"));
  }

  private static TopicSpec topic(String name, String owner) {
    return new TopicSpec(name, 3, "delete", Duration.ofDays(7), "k", InstanceEvent.class, owner, "doc");
  }

  private static ServiceModule<Void> module(String name, List<TopicSpec> owned, List<TopicSpec> used) {
    return new ServiceModule<>() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public String description() {
        return "a test service";
      }

      @Override
      public ConfigDef config() {
        return new ConfigDef();
      }

      @Override
      public List<TopicSpec> ownedTopics() {
        return owned;
      }

      @Override
      public List<TopicSpec> usedTopics() {
        return used;
      }

      @Override
      public Topology topology(ServiceContext context) {
        return new Topology();
      }
    };
  }
}
