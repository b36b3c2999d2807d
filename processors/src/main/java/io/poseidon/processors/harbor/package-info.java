/**
 * harbor — the deployment saga. One saga per deployment rolls a version of a service out through its
 * environments in order, health-gates every environment, and undoes what it changed when something
 * goes wrong. It is a Processor-API topology ({@link io.poseidon.processors.harbor.HarborTopology}):
 * the decisions are in {@link io.poseidon.processors.harbor.DeploymentSaga}, the Kafka plumbing in
 * {@code DeploymentSagaProcessor}.
 *
 * <h2>Participants and topics (all keyed by service name)</h2>
 * <ul>
 *   <li>{@code harbor.deployment-commands}: {@code DeploymentRequested}, {@code DeploymentCancelRequested}
 *       (from the gateway or any platform component).</li>
 *   <li>{@code harbor.agent-commands}: {@code DeployToEnvironment}, {@code RollbackEnvironment} to the
 *       deploy agents; {@code harbor.agent-results}: their {@code AgentStepSucceeded} /
 *       {@code AgentStepFailed}, naming deployment, environment, action and the attempt they answer.</li>
 *   <li>{@code lighthouse.service-health}: {@code ServiceHealthReported} (the health gates' input).</li>
 *   <li>{@code harbor.deployment-events}: every transition ({@code DeploymentQueued},
 *       {@code DeploymentStarted}, {@code EnvironmentStepChanged}, {@code DeploymentFinished}).</li>
 *   <li>{@code harbor.dlq}: records harbor cannot read or must not apply, with the reason.</li>
 * </ul>
 *
 * <h2>Deployment states</h2>
 * <pre>
 *   QUEUED ──(service free)──▶ RUNNING ──(last gate passed)──────────────▶ SUCCEEDED
 *     │                          │
 *     │ cancel                   │ deploy failed / timed out, gate failed, cancel
 *     ▼                          ▼
 *   CANCELLED              ROLLING_BACK ──(all rolled back)──▶ ROLLED_BACK (or CANCELLED after a cancel)
 *                                │
 *                                └──(a rollback failed or timed out)──▶ FAILED_NEEDS_ATTENTION
 * </pre>
 * One deployment at a time holds a service ({@code ServiceDeployments.active}); a request for a busy
 * service is QUEUED (FIFO) and starts when the active one reaches a terminal state, so deployments of
 * a service never interleave. A request whose deploymentId is known changes nothing (idempotent).
 *
 * <h2>Steps of one environment (task lifecycle PENDING/RUNNING/COMPLETED/FAILED/CANCELLED/RETRYING)</h2>
 * <ol>
 *   <li><b>DEPLOY</b>: harbor resolves the configuration (for now the request's own facts: environment,
 *       version, strategy, deploymentId), remembers the version running there before (what a rollback
 *       restores) and sends {@code DeployToEnvironment} (attempt 1) with a step timeout.
 *       Success → the environment counts as changed and runs the new version. A retryable failure with
 *       attempts left → RETRYING, next attempt after an exponential backoff
 *       ({@code harbor.retry.backoff.ms} × 2^(attempt-1), at most {@code harbor.retry.backoff.max.ms},
 *       at most {@code harbor.max.attempts} attempts). Any other failure → FAILED → compensation.</li>
 *   <li><b>HEALTH_GATE</b>: the service must stay healthy in the environment for
 *       {@code healthGateSeconds}. An unhealthy {@code ServiceHealthReported} for that environment (and
 *       the deployed version, or no version) fails the gate → compensation. Healthy reports change
 *       nothing and no report at all counts as healthy: the gate passes when its period ends. Then the
 *       next environment's DEPLOY starts, or after the last one the deployment SUCCEEDED.</li>
 * </ol>
 *
 * <h2>Compensation</h2>
 * Environments in {@code changedEnvironments} are rolled back <em>last changed first</em>, one at a
 * time ({@code RollbackEnvironment} with the previous version, or none to remove the deployment), each
 * with the step timeout and the same retry rule. A failure in prod after dev and staging succeeded
 * therefore rolls back staging, then dev. Which environments count as changed:
 * <ul>
 *   <li>a DEPLOY the agent confirmed;</li>
 *   <li>not a DEPLOY the agent reported as failed (the agent answers for its own partial work);</li>
 *   <li>a DEPLOY whose outcome is unknown — it timed out, or a cancel arrived while it was in flight —
 *       because the agent may still apply it: that environment is rolled back first.</li>
 * </ul>
 * Step timeouts are not retried (the agent may still be working; a second attempt would race it): a
 * timed-out DEPLOY compensates, a timed-out ROLLBACK ends FAILED_NEEDS_ATTENTION, as does a ROLLBACK the
 * agent fails for good; the reason names the environment and those not rolled back.
 *
 * <h2>Cancel</h2>
 * A QUEUED deployment leaves the queue and ends CANCELLED. A RUNNING one cancels its step in progress
 * and compensates at once (including the environment of an in-flight DEPLOY), ending CANCELLED; with
 * nothing to roll back it ends CANCELLED at once. A cancel of a deployment that is already rolling back,
 * has ended, or is unknown changes nothing.
 *
 * <h2>Idempotency, ordering, timers</h2>
 * A result acts only if it answers the step in progress (same deployment, environment, action and
 * attempt, step RUNNING); duplicates, stale attempts and late answers change nothing. Timers (step
 * timeout, retry backoff, health gate end) are durable: kept in {@code harbor-timer-store} as
 * {@code <deploymentId>|<environment>|<kind>|<attempt>} and fired by a wall-clock punctuator
 * ({@code harbor.timer.scan.interval.ms}); a timer acts only if it is still the deployment's pending
 * one ({@code Deployment.timerDueAt} and the step match), so they survive restarts and rebalances.
 *
 * <h2>Metadata</h2>
 * Every fact and command carries the deployment's correlation id (the one of its
 * {@code DeploymentRequested}); its causation id is the event that caused it (the command, result or
 * report), or for a timer the last command of the deployment, or for a deployment started from the
 * queue the {@code DeploymentFinished} of the one ahead of it. Every transition is also appended to the
 * deployment's history.
 *
 * <h2>Queries</h2>
 * Stores are partitioned by service: a deployment is found by service + id ({@code HarborQueries}),
 * and "what runs where" by service.
 */
package io.poseidon.processors.harbor;
