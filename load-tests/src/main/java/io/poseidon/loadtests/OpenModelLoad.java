package io.poseidon.loadtests;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Recorder;

/**
 * An open-model, rate-driven load generator. One thread sends request {@code i} at its intended time
 * ({@link OpenModelSchedule}) without waiting for earlier answers; answers are recorded as they come,
 * latency measured from the intended send time into an HdrHistogram {@link Recorder}.
 *
 * <p>At most {@link Limits#maxInFlight()} requests are outstanding: when the bound is hit the sender
 * waits, and the wait is charged to the requests that were due meanwhile. If the sender falls more
 * than {@link Limits#maxSenderLag()} behind the end of the schedule, it stops and reports the rest as
 * unsent, so a stuck system cannot make a run last forever.
 */
public final class OpenModelLoad {

  /**
   * @param maxInFlight  requests outstanding at most
   * @param maxSenderLag how far past the end of the schedule the sender may still send
   * @param drainTimeout how long to wait for the last answers after the last request
   */
  public record Limits(int maxInFlight, Duration maxSenderLag, Duration drainTimeout) {
    public static Limits defaults() {
      return new Limits(1024, Duration.ofSeconds(30), Duration.ofSeconds(40));
    }
  }

  /** Lets the target and the JIT settle before request 0 is due. */
  private static final long START_DELAY_NANOS = 20_000_000L;

  private final Limits limits;

  public OpenModelLoad(Limits limits) {
    this.limits = limits;
  }

  /** Runs the whole schedule (warm-up, then measured phase) against {@code target}. */
  public PhaseResult run(String path, OpenModelSchedule schedule, LoadTarget target) throws InterruptedException {
    Tally tally = new Tally();
    Semaphore inFlight = new Semaphore(limits.maxInFlight());
    long total = schedule.totalRequests();
    long t0 = System.nanoTime() + START_DELAY_NANOS;
    long deadline = t0 + schedule.intendedOffsetNanos(total) + limits.maxSenderLag().toNanos();
    long sent = 0;
    long maxLagNanos = 0;
    long limitHits = 0;
    for (long i = 0; i < total; i++) {
      long intended = t0 + schedule.intendedOffsetNanos(i);
      sleepUntil(intended);
      if (!inFlight.tryAcquire()) {
        limitHits++;
        if (!inFlight.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          break;
        }
      }
      long now = System.nanoTime();
      if (now > deadline) {
        inFlight.release();
        break;
      }
      maxLagNanos = Math.max(maxLagNanos, now - intended);
      LoadTarget.Request request = new LoadTarget.Request(i, intended, schedule.isMeasured(i));
      fire(target, request).whenComplete((outcome, error) -> {
        tally.record(request, error == null ? outcome : Outcome.of(error), System.nanoTime());
        inFlight.release();
      });
      sent++;
    }
    boolean drained = inFlight.tryAcquire(limits.maxInFlight(), limits.drainTimeout().toNanos(), TimeUnit.NANOSECONDS);
    long incomplete = drained ? 0 : sent - tally.completed.sum();
    long measuredOk = tally.measuredOk.sum();
    double achieved = measuredOk == 0 ? 0 : OpenModelSchedule.perSecond(measuredOk,
        tally.lastMeasuredCompletion.get() - (t0 + schedule.measuredStartOffsetNanos()));
    return new PhaseResult(path, schedule, tally.latencies.getIntervalHistogram(), measuredOk, tally.failures(),
        tally.warmupFailures.sum(), sent, total - sent, incomplete, achieved, maxLagNanos / 1_000, limitHits);
  }

  private static CompletionStage<Outcome> fire(LoadTarget target, LoadTarget.Request request) {
    try {
      return target.fire(request);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Outcome.of(e));
    }
  }

  /** Parks (no spinning: the system under test needs the cores) until {@code nanoTime} reaches {@code when}. */
  private static void sleepUntil(long when) {
    long remaining;
    while ((remaining = when - System.nanoTime()) > 0) {
      LockSupport.parkNanos(remaining);
    }
  }

  /** The answers of one run, updated concurrently from the targets' callback threads. */
  private static final class Tally {
    final Recorder latencies = new Recorder(3);
    final LongAdder completed = new LongAdder();
    final LongAdder measuredOk = new LongAdder();
    final LongAdder warmupFailures = new LongAdder();
    final Map<String, LongAdder> measuredFailures = new ConcurrentHashMap<>();
    final AtomicLong lastMeasuredCompletion = new AtomicLong();

    void record(LoadTarget.Request request, Outcome outcome, long completedNanos) {
      if (!request.measured()) {
        if (!outcome.ok()) {
          warmupFailures.increment();
        }
      } else if (outcome.ok()) {
        latencies.recordValue(OpenModelSchedule.latencyMicros(request.intendedNanos(), completedNanos));
        measuredOk.increment();
        lastMeasuredCompletion.accumulateAndGet(completedNanos, (a, b) -> a == 0 ? b : Math.max(a, b));
      } else {
        measuredFailures.computeIfAbsent(outcome.label(), l -> new LongAdder()).increment();
      }
      completed.increment();
    }

    Map<String, Long> failures() {
      Map<String, Long> out = new TreeMap<>();
      measuredFailures.forEach((label, n) -> out.put(label, n.sum()));
      return out;
    }
  }
}
