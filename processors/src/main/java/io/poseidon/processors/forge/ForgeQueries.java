package io.poseidon.processors.forge;

import io.poseidon.schemas.forge.PipelineRun;
import io.poseidon.topology.query.QueryResult;
import io.poseidon.topology.query.StoreQueries;
import java.util.Optional;

/** The queries forge answers. A run lives in the partition of its runId (the topic key). */
public final class ForgeQueries {

  private final StoreQueries queries;

  public ForgeQueries(StoreQueries queries) {
    this.queries = queries;
  }

  /** A run with the state of each stage and the gates in effect; empty when unknown. */
  public QueryResult<Optional<PipelineRun>> run(String runId) {
    return queries.get(ForgeTopology.RUN_STORE, runId, runId);
  }

  /** Whether a run reached its terminal state (then a cancel has nothing left to stop). */
  public static boolean isFinished(PipelineRun run) {
    return PipelineChanges.finishedAt(run) != null;
  }
}
