package io.poseidon.topology.catalog;

import io.poseidon.schemas.depths.InstanceEvent;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every topic of the platform, in one place. Topics are created (or verified) from here at node
 * start-up by {@link TopicProvisioner}; docs/topics.md lists the same entries (a test keeps it in
 * sync). Streams-internal topics (changelogs, repartitions) are not listed: Streams names them from
 * the explicitly named stores.
 */
public final class TopicCatalog {

  private TopicCatalog() {}

  public static final TopicSpec DEPTHS_REGISTRATIONS = new TopicSpec(
      "depths.registrations", 3, "delete", Duration.ofDays(7),
      "service name (string)", InstanceEvent.class, "depths",
      "Registrations, heartbeats and deregistrations of service instances (InstanceEvent with "
          + "ServiceRegistered | InstanceHeartbeat | ServiceDeregistered).");

  public static final TopicSpec DEPTHS_INSTANCE_CHANGES = new TopicSpec(
      "depths.instance-changes", 3, "delete", Duration.ofDays(7),
      "service name (string)", InstanceEvent.class, "depths",
      "Changes of the service registry decided by depths: an instance registered, deregistered or "
          + "expired (heartbeats are not repeated here).");

  public static final TopicSpec DEPTHS_DLQ = new TopicSpec(
      "depths.dlq", 1, "delete", Duration.ofDays(14),
      "original key (bytes)", null, "depths",
      "Dead letters of depths: records it could not read or process, with the reason in headers.");

  private static final List<TopicSpec> ALL = List.of(
      DEPTHS_REGISTRATIONS, DEPTHS_INSTANCE_CHANGES, DEPTHS_DLQ);

  public static List<TopicSpec> all() {
    return ALL;
  }

  public static List<TopicSpec> ownedBy(String service) {
    return ALL.stream().filter(t -> t.owner().equals(service)).toList();
  }

  public static Optional<TopicSpec> byName(String name) {
    return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /** The dead-letter topic of a service: {@code <service>.dlq}. */
  public static TopicSpec deadLetterTopicOf(String service) {
    return byName(service + ".dlq")
        .orElseThrow(() -> new IllegalStateException("no dead-letter topic catalogued for " + service));
  }
}
