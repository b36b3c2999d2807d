package io.poseidon.processors.tide;

import io.poseidon.schemas.tide.ArchiveEvent;
import io.poseidon.schemas.tide.IngestEvent;
import io.poseidon.schemas.tide.RuleEvent;
import io.poseidon.topology.catalog.TopicSpec;
import java.time.Duration;
import java.util.List;

/** The topics tide owns (its dead-letter topic {@code tide.dlq} comes with its module). */
public final class TideTopics {

  private TideTopics() {}

  public static final TopicSpec INGEST = new TopicSpec(
      "tide.ingest", 6, "delete", Duration.ofDays(3),
      "<source>/<id>, or <source> without an id (string)", IngestEvent.class, TideModule.NAME,
      "Raw platform data from any source (metrics, logs, documents, events, config changes), as sent.");

  public static final TopicSpec ROUTING_RULES = new TopicSpec(
      "tide.routing-rules", 1, "compact", null,
      "ruleId (string)", RuleEvent.class, TideModule.NAME,
      "tide's routing rules, the latest per rule (compacted; a tombstone deletes the rule); every node reads them "
          + "all as a global table.");

  public static final TopicSpec ARCHIVE = new TopicSpec(
      "tide.archive", 3, "delete", Duration.ofDays(30),
      "source (string)", ArchiveEvent.class, TideModule.NAME,
      "Raw records no typed destination takes (events, config changes) and those rules archive.");

  /** The key of a raw record on tide.ingest: {@code <source>/<id>}, so duplicates meet on one partition. */
  public static String ingestKey(io.poseidon.schemas.tide.RawEnvelope raw) {
    return raw.getId() == null ? raw.getSource() : raw.getSource() + "/" + raw.getId();
  }

  static final List<TopicSpec> OWNED = List.of(INGEST, ROUTING_RULES, ARCHIVE);
}
