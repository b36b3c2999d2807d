/**
 * current — the commit workflow. A pushed commit goes through current's quality checks, a forge
 * pipeline run and a harbor deployment, under one correlation id from end to end, and every event of
 * that correlation — current's, forge's and harbor's — is kept as the workflow's causal timeline. It is
 * a Kafka Streams topology ({@link io.poseidon.processors.current.CurrentTopology}): the decisions are
 * in {@code WorkflowSteps}, the timeline rules in {@code Timelines}, the Kafka plumbing in
 * {@code WorkflowProcessor}.
 *
 * <h2>Topics</h2>
 * <ul>
 *   <li>{@code current.workflow-commands} (key workflowId): {@code CommitPushed}. The workflowId is the
 *       command's correlation id (the gateway sets it so); a command where they differ is rejected.</li>
 *   <li>{@code forge.pipeline-commands} (key runId): {@code PipelineRunRequested},
 *       {@code PipelineRunCancelRequested} current sends; {@code forge.pipeline-events} (key runId):
 *       forge's facts.</li>
 *   <li>{@code harbor.deployment-commands} (key service): {@code DeploymentRequested},
 *       {@code DeploymentCancelRequested} current sends; {@code harbor.deployment-events} (key service):
 *       harbor's facts.</li>
 *   <li>{@code current.workflow-events} (key workflowId): every transition ({@code WorkflowStarted},
 *       {@code WorkflowStepChanged}, {@code WorkflowCompleted}, {@code WorkflowFailed}).</li>
 *   <li>{@code current.dlq}: records current cannot read or must not apply, with the reason.</li>
 * </ul>
 * forge and harbor put the correlation id of a request on every fact of that run or deployment. current
 * re-keys their facts by correlation id and repartitions them through two named internal topics
 * ({@code current-pipeline-events-by-correlation}, {@code current-deployment-events-by-correlation},
 * as many partitions as current.workflow-commands), so every fact of a workflow reaches the partition
 * that holds the workflow. Facts of a correlation id that is not a workflow (runs and deployments
 * somebody else requested) are read and dropped there: they are not bad records.
 *
 * <h2>Steps</h2>
 * <pre>
 *   CommitPushed ─▶ WorkflowStarted ─▶ QUALITY_CHECKS ─▶ PIPELINE ──────────▶ DEPLOYMENT ──────────▶ COMPLETED
 *                                        │ FAILED          │ run FAILED,        │ not SUCCEEDED,
 *                                        │                 │ CANCELLED, timeout │ timeout
 *                                        ▼                 ▼                    ▼
 *                                      FAILED            FAILED               FAILED  (WorkflowFailed: step + cause)
 * </pre>
 * <ol>
 *   <li><b>Validation</b> ({@link io.poseidon.processors.current.CurrentValidation}, shared with the
 *       gateway): service name, commit hash (7-40 hex), branch and author, environments (at least one,
 *       harbor's names, no repeats). An invalid command goes to current.dlq and starts nothing. A
 *       CommitPushed for a workflowId already known changes nothing (idempotent).</li>
 *   <li><b>QUALITY_CHECKS</b>: current's own policy: the branch must match
 *       {@code current.allowed.branches}. COMPLETED or FAILED at once.</li>
 *   <li><b>PIPELINE</b>: {@code PipelineRunRequested{runId = run-<uuid>}} to forge. A
 *       {@code PipelineRunFinished} of that run: SUCCEEDED moves on; FAILED or CANCELLED fails the
 *       workflow ("pipeline FAILED: &lt;reason&gt;").</li>
 *   <li><b>DEPLOYMENT</b>: {@code DeploymentRequested{deploymentId = <service>.<uuid>, version = the
 *       commit's first 12 characters, the workflow's environments, ROLLING}} to harbor. A
 *       {@code DeploymentFinished} of that deployment: SUCCEEDED completes the workflow
 *       ({@code WorkflowCompleted}); ROLLED_BACK, FAILED_NEEDS_ATTENTION or CANCELLED fails it
 *       ("deployment ROLLED_BACK: &lt;reason&gt;").</li>
 * </ol>
 * The run and deployment ids are name-based UUIDs of the workflow id, so processing a command again
 * after a crash asks for the same run and deployment, which forge and harbor apply once.
 *
 * <h2>Step timeouts</h2>
 * A workflow waiting for forge ({@code current.pipeline.timeout.ms}) or harbor
 * ({@code current.deployment.timeout.ms}) longer than allowed fails that step, and current asks forge
 * or harbor to cancel what it started, so nothing ships after the workflow said FAILED. Timers are
 * durable ({@code current-timer-store}, id {@code <workflowId>|<step>}, due at the step's start plus
 * its timeout) and fired by a wall-clock punctuator; a stale timer changes nothing. Facts that arrive
 * after the workflow ended are recorded in its timeline and change nothing else.
 *
 * <h2>Timeline</h2>
 * {@code current-timeline-store} keeps, per workflow, one {@code TimelineEntry} per event of its
 * correlation id: the CommitPushed, current's facts and the commands it sent (recorded as they are
 * emitted, not read back), and every forge and harbor fact, each with a one-line summary ("stage test
 * COMPLETED", "prod DEPLOY FAILED: ..."). Entries are de-duplicated by eventId (a redelivered fact is
 * recorded, and acted on, once) and kept in causal order: never before their cause, nor before an
 * earlier event of their own service when their cause is not in the timeline, otherwise by time — so
 * a service whose clock is off does not scramble the story. At most {@code current.timeline.max.entries}
 * entries are kept per workflow.
 *
 * <h2>Metadata</h2>
 * Everything current emits carries the workflowId as correlation id and is caused by the event before
 * it in the chain (CommitPushed → WorkflowStarted → QUALITY_CHECKS COMPLETED → PipelineRunRequested →
 * PIPELINE RUNNING; PipelineRunFinished → PIPELINE COMPLETED → DeploymentRequested → DEPLOYMENT RUNNING;
 * ...); the actor and trace of the pushed commit are kept. A timeout is caused by the last event
 * current emitted for the workflow.
 *
 * <h2>Queries</h2>
 * Both stores are keyed, and partitioned, by workflowId: {@code CurrentQueries.workflow(id)} and
 * {@code CurrentQueries.timeline(id)}.
 */
package io.poseidon.processors.current;
