package io.poseidon.processors.oracle;

import io.poseidon.schemas.oracle.DocumentEvent;
import io.poseidon.schemas.oracle.IndexingEvent;
import io.poseidon.topology.catalog.TopicSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The topics oracle owns (its dead-letter topic {@code oracle.dlq} comes with its module). Documents
 * arrive on {@code oracle.documents} from tide or the gateway; a document body may be up to 1 MiB, so the
 * topics that carry whole documents take records of up to {@link #MAX_RECORD_BYTES}.
 */
public final class OracleTopics {

  private OracleTopics() {}

  public static final String OWNER = "oracle";
  /** Largest record on a topic that carries whole documents (a 1 MiB body plus its metadata). */
  public static final int MAX_RECORD_BYTES = 4 * 1024 * 1024;
  static final Map<String, String> LARGE_RECORDS = Map.of("max.message.bytes", Integer.toString(MAX_RECORD_BYTES));

  public static final TopicSpec DOCUMENTS = new TopicSpec(
      "oracle.documents", 3, "delete", Duration.ofDays(30),
      "docId (string)", DocumentEvent.class, OWNER,
      "Knowledge documents changed or deleted (runbooks, ADRs, READMEs, incident notes), to be indexed by oracle.")
      .withConfigs(LARGE_RECORDS);

  public static final TopicSpec INDEXING = new TopicSpec(
      "oracle.indexing", 3, "delete", Duration.ofDays(7),
      "docId (string)", IndexingEvent.class, OWNER,
      "oracle's indexing facts per document: IndexingRequested when a debounce ends, then IndexingCompleted, "
          + "IndexingSkipped (content unchanged) or IndexingFailed.");

  public static final List<TopicSpec> OWNED = List.of(DOCUMENTS, INDEXING);
}
