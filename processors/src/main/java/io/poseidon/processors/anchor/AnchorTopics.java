package io.poseidon.processors.anchor;

import io.poseidon.schemas.anchor.AnchorCommand;
import io.poseidon.schemas.anchor.AuditEvent;
import io.poseidon.schemas.anchor.ConfigEvent;
import io.poseidon.schemas.anchor.MasterKeyEvent;
import io.poseidon.topology.catalog.TopicSpec;
import java.time.Duration;
import java.util.List;

/** The topics anchor owns (its dead-letter topic {@code anchor.dlq} comes with its module). */
public final class AnchorTopics {

  private AnchorTopics() {}

  public static final TopicSpec COMMANDS = new TopicSpec(
      "anchor.commands", 6, "delete", Duration.ofDays(7),
      "<service>/<env> (string)", AnchorCommand.class, AnchorModule.NAME,
      "Config puts and rollbacks (compare-and-set by version) and secret puts, already encrypted by the gateway.");

  public static final TopicSpec CONFIG = new TopicSpec(
      "anchor.config", 6, "compact", null,
      "<service>/<env> (string)", ConfigEvent.class, AnchorModule.NAME,
      "The configuration in effect per service and environment, the latest version per key (compacted); harbor "
          + "reads it as a global store.");

  public static final TopicSpec MASTER_KEY = new TopicSpec(
      "anchor.master-key", 1, "compact", null,
      "\"active\" (string)", MasterKeyEvent.class, AnchorModule.NAME,
      "The active master key id once a rotation set it (compacted, one key); every node reads it as a global store.");

  public static final TopicSpec AUDIT = new TopicSpec(
      "anchor.audit", 3, "delete", Duration.ofDays(400),
      "service (string)", AuditEvent.class, AnchorModule.NAME,
      "Every config and secret write, secret reveal and master key rotation: who, what, when, request id, node, "
          + "outcome. Never a secret value.");

  /** The key of anchor.commands and anchor.config: {@code <service>/<env>}. */
  public static String key(String service, String env) {
    return service + "/" + env;
  }

  /** The one key of anchor.master-key. */
  public static final String ACTIVE = "active";

  static final List<TopicSpec> OWNED = List.of(COMMANDS, CONFIG, MASTER_KEY, AUDIT);
}
