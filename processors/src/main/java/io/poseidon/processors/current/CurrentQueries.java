package io.poseidon.processors.current;

import io.poseidon.schemas.current.Timeline;
import io.poseidon.schemas.current.Workflow;
import io.poseidon.topology.query.QueryResult;
import io.poseidon.topology.query.StoreQueries;
import java.util.Optional;

/**
 * The queries current answers. A workflow and its timeline live in the partition of the workflowId
 * (the key of current.workflow-commands, and the correlation id forge's and harbor's facts are
 * re-keyed by), so both are found by the workflowId alone.
 */
public final class CurrentQueries {

  private final StoreQueries queries;

  public CurrentQueries(StoreQueries queries) {
    this.queries = queries;
  }

  /** The workflow's state; empty when unknown (or not processed yet). */
  public QueryResult<Optional<Workflow>> workflow(String workflowId) {
    return queries.get(CurrentTopology.WORKFLOW_STORE, workflowId, workflowId);
  }

  /**
   * Every event of the workflow's correlation id — current's, forge's and harbor's — causes before
   * effects, then by time; empty when the workflow is unknown.
   */
  public QueryResult<Optional<Timeline>> timeline(String correlationId) {
    return queries.get(CurrentTopology.TIMELINE_STORE, correlationId, correlationId);
  }
}
