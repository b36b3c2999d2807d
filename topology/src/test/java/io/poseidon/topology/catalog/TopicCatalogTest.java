package io.poseidon.topology.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.schemas.depths.InstanceEvent;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicCatalogTest {

  @Test
  void shouldNameEveryTopicDomainDotKebabCase() {
    for (TopicSpec topic : TopicCatalog.all()) {
      assertTrue(topic.name().matches("[a-z][a-z0-9]*\\.[a-z0-9]+(-[a-z0-9]+)*"), topic.name());
    }
  }

  @Test
  void shouldPrefixEveryTopicWithItsOwnersDomain() {
    for (TopicSpec topic : TopicCatalog.all()) {
      assertTrue(topic.name().startsWith(topic.owner() + "."), topic.name() + " owned by " + topic.owner());
    }
  }

  @Test
  void shouldGiveEveryServiceWithTopicsADeadLetterTopic() {
    Set<String> owners = TopicCatalog.all().stream().map(TopicSpec::owner).collect(Collectors.toSet());
    for (String service : owners) {
      TopicSpec dlq = TopicCatalog.deadLetterTopicOf(service);
      assertEquals(service + ".dlq", dlq.name());
      assertNull(dlq.valueSchema(), "dead letters keep the original bytes");
    }
  }

  @Test
  void shouldNameEachTopicOnce() {
    Set<String> seen = new HashSet<>();
    for (TopicSpec topic : TopicCatalog.all()) {
      assertTrue(seen.add(topic.name()), "duplicate topic " + topic.name());
    }
  }

  @Test
  void shouldFindTopicsByNameAndOwner() {
    assertEquals(TopicCatalog.DEPTHS_REGISTRATIONS, TopicCatalog.byName("depths.registrations").orElseThrow());
    assertTrue(TopicCatalog.byName("depths.nothing").isEmpty());
    assertTrue(TopicCatalog.ownedBy("depths").contains(TopicCatalog.DEPTHS_DLQ));
  }

  @Test
  void shouldFailClearlyForServiceWithoutDeadLetterTopic() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> TopicCatalog.deadLetterTopicOf("unknown"));
    assertTrue(e.getMessage().contains("unknown"), e.getMessage());
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
    assertEquals("delete", TopicCatalog.DEPTHS_DLQ.configs().get("cleanup.policy"));
    assertEquals(Long.toString(Duration.ofDays(14).toMillis()), TopicCatalog.DEPTHS_DLQ.configs().get("retention.ms"));
    assertEquals("-1", new TopicSpec("depths.forever", 1, "compact", null, "k", null, "depths", "d")
        .configs().get("retention.ms"));
  }
}
