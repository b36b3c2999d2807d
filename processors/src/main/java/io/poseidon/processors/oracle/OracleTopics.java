package io.poseidon.processors.oracle;

import io.poseidon.schemas.oracle.DocumentEvent;
import io.poseidon.topology.catalog.TopicSpec;
import java.time.Duration;

/**
 * Topics of oracle that other services use before oracle itself is built: tide routes document
 * changes to {@code oracle.documents}. The oracle module will own them.
 */
public final class OracleTopics {

  private OracleTopics() {}

  public static final String OWNER = "oracle";

  public static final TopicSpec DOCUMENTS = new TopicSpec(
      "oracle.documents", 3, "delete", Duration.ofDays(30),
      "docId (string)", DocumentEvent.class, OWNER,
      "Knowledge documents changed or deleted (runbooks, ADRs, READMEs, incident notes), to be indexed by oracle.");
}
