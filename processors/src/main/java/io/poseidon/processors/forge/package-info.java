/**
 * forge — CI pipeline runs. One saga per run takes a commit through the pipeline, applies the quality
 * gates to what the runners report, retries what may work on a second try, and stops everything that
 * is left when the run ends. It is a Processor-API topology ({@link io.poseidon.processors.forge.ForgeTopology}):
 * the decisions are in {@code PipelineSaga}, the Kafka plumbing in {@code PipelineSagaProcessor}.
 *
 * <h2>Participants and topics (all keyed by runId)</h2>
 * <ul>
 *   <li>{@code forge.pipeline-commands}: {@code PipelineRunRequested}, {@code PipelineRunCancelRequested}
 *       (from the gateway or the commit workflow, current).</li>
 *   <li>{@code forge.stage-commands}: {@code RunStage}, {@code CancelStage} to the CI runners (external
 *       participants; the simulated one is in {@code io.poseidon.processors.sim});
 *       {@code forge.stage-results}: their {@code StageSucceeded} (with metrics) / {@code StageFailed},
 *       naming run, stage and the attempt they answer.</li>
 *   <li>{@code forge.pipeline-events}: every transition ({@code PipelineRunStarted},
 *       {@code StageStatusChanged}, {@code PipelineRunFinished}).</li>
 *   <li>{@code forge.dlq}: records forge cannot read or must not apply, with the reason.</li>
 * </ul>
 *
 * <h2>Pipeline</h2>
 * <pre>
 *             ┌──▶ test ─────┐
 *   build ────┤              ├──▶ publish
 *             └──▶ security ─┘
 * </pre>
 * A stage starts when every stage it needs has COMPLETED: {@code test} and {@code security} are both
 * commanded as soon as {@code build} completes and run in parallel; {@code publish} waits for both.
 *
 * <h2>Run states</h2>
 * <pre>
 *   RUNNING ──(every stage COMPLETED)──────────────────────────────▶ SUCCEEDED
 *      │
 *      ├──(a stage FAILED: runner failure, quality gate, timeout)──▶ FAILED
 *      └──(cancel)─────────────────────────────────────────────────▶ CANCELLED
 * </pre>
 * A request whose runId is known changes nothing (idempotent, even with other content). A request that
 * breaks {@link io.poseidon.processors.forge.ForgeValidation} (runId, service name, commit of 7-40 hex
 * characters, non-empty branch, minCoverage in [0,1], maxCriticalVulnerabilities ≥ 0) goes to the
 * dead-letter topic, as does a record keyed by anything but its runId or a result naming a stage the
 * pipeline does not have.
 *
 * <h2>Stages (task lifecycle PENDING/RUNNING/COMPLETED/FAILED/CANCELLED/RETRYING)</h2>
 * Every stage starts PENDING (attempt 0). When it becomes ready: RUNNING (attempt 1), a {@code RunStage}
 * with {@code forge.stage.timeout.seconds}, and a step timeout timer. Then:
 * <ul>
 *   <li><b>StageSucceeded</b> → the quality gate of the stage (below). Passed → COMPLETED, the stages it
 *       unblocks start, and after the last one the run SUCCEEDED. Failed → the stage FAILED with the
 *       gate in the detail (e.g. {@code quality gate: coverage 0.62 < 0.80}) → the run FAILED.</li>
 *   <li><b>StageFailed</b>, retryable, with attempts left ({@code forge.max.attempts}, the first try
 *       included) → RETRYING; after an exponential backoff ({@code forge.retry.backoff.ms} ×
 *       2^(attempt-1), at most {@code forge.retry.backoff.max.ms}) RUNNING again with attempt + 1 and a new
 *       {@code RunStage}. Any other failure → FAILED → the run FAILED.</li>
 *   <li><b>No answer</b> within the timeout → FAILED ({@code timed out after 60s}) and a
 *       {@code CancelStage} for that attempt → the run FAILED. Timeouts are not retried: the runner may
 *       still be working, and a second attempt would race it.</li>
 * </ul>
 *
 * <h2>Quality gates</h2>
 * Each run fixes its gates when it is requested (the request's values, or forge's defaults) and keeps
 * them in {@code PipelineRun}:
 * <ul>
 *   <li>test: the {@code coverage} metric (0-1) must be ≥ {@code minCoverage}
 *       ({@code forge.default.min.coverage}, default 0.8: the usual bar of a team that enforces coverage;
 *       0 turns the gate off).</li>
 *   <li>security: the {@code criticalVulnerabilities} metric must be ≤ {@code maxCriticalVulnerabilities}
 *       ({@code forge.default.max.critical.vulnerabilities}, default 0). This gate is always on.</li>
 * </ul>
 * A gate that applies and whose metric the runner did not report fails (fail closed: a runner that
 * forgets to measure must not let a commit through). build and publish have no gate. The metrics are
 * kept in the stage's state either way.
 *
 * <h2>Failure and cancel</h2>
 * When a run ends FAILED or CANCELLED, every stage not finished ends CANCELLED (a
 * {@code StageStatusChanged} each, in pipeline order): a RUNNING stage also gets a {@code CancelStage}
 * for its attempt (the runner stops and does not answer), a RETRYING or PENDING stage just never starts.
 * Then {@code PipelineRunFinished} says why ({@code test stage failed: quality gate: coverage 0.62 < 0.80},
 * {@code build stage failed: compiler error}, {@code publish stage timed out after 60s},
 * {@code cancelled: wrong commit}). A cancel of a run that ended, or of an unknown run, changes nothing.
 *
 * <h2>Idempotency, ordering, timers</h2>
 * A result acts only if it answers a stage attempt in progress (run RUNNING, stage RUNNING, same attempt);
 * duplicates, stale attempts and late answers (after a timeout, a cancel, the end of the run) change
 * nothing. Timers (stage timeout, retry backoff) are durable: kept in {@code forge-timer-store} as
 * {@code <runId>|<stage>|<kind>|<attempt>|<causationId>} and fired by a wall-clock punctuator
 * ({@code forge.timer.scan.interval.ms}). A run keeps no timer fields: a timer acts only if its stage is
 * still in the state that armed it (RUNNING for a timeout, RETRYING for a retry, same attempt), which a
 * stage reaches once per run; a timer whose stage moved on is not cancelled but changes nothing when it
 * fires, and leaves the store then.
 *
 * <h2>Metadata</h2>
 * Every fact and command carries the run's correlation id (the one of its {@code PipelineRunRequested}:
 * the commit workflow follows the run by it, whatever correlation id a runner or a cancel carries). Its
 * causation id is the event that caused it (the request, cancel or result), or for a timer: the
 * {@code RunStage} that timed out, or the {@code StageFailed} whose retry is due (the run does not keep
 * its last command; the failure is what the retry answers).
 *
 * <h2>Queries</h2>
 * {@code forge-run-store} is partitioned by runId: {@link io.poseidon.processors.forge.ForgeQueries#run}
 * finds a run by its id.
 */
package io.poseidon.processors.forge;
