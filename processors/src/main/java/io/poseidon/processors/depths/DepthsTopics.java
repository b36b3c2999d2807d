package io.poseidon.processors.depths;

import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.topology.catalog.TopicSpec;
import java.time.Duration;
import java.util.List;

/** The topics depths owns (its dead-letter topic {@code depths.dlq} comes with its module). */
public final class DepthsTopics {

  private DepthsTopics() {}

  public static final TopicSpec REGISTRATIONS = new TopicSpec(
      "depths.registrations", 3, "delete", Duration.ofDays(7),
      "service name (string)", InstanceEvent.class, DepthsModule.NAME,
      "Registrations, heartbeats and deregistrations of service instances (InstanceEvent with "
          + "ServiceRegistered | InstanceHeartbeat | ServiceDeregistered).");

  public static final TopicSpec INSTANCE_CHANGES = new TopicSpec(
      "depths.instance-changes", 3, "delete", Duration.ofDays(7),
      "service name (string)", InstanceEvent.class, DepthsModule.NAME,
      "Changes of the service registry decided by depths: an instance registered, deregistered or "
          + "expired (heartbeats are not repeated here).");

  static final List<TopicSpec> OWNED = List.of(REGISTRATIONS, INSTANCE_CHANGES);
}
