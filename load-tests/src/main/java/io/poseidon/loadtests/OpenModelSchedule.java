package io.poseidon.loadtests;

import java.time.Duration;

/**
 * When each request of an open-model run is meant to be sent: request {@code i} at
 * {@code t0 + i / rate}, whatever happened to the requests before it. The first
 * {@code warmup × rate} requests warm the system up and are not measured; the next
 * {@code measured × rate} are.
 *
 * <p>Latency is always taken from the <em>intended</em> send time, never from the moment the
 * request actually left: when the sender or the system stalls, every request scheduled during the
 * stall is charged the wait it would have seen (coordinated-omission correction by construction,
 * no after-the-fact histogram correction needed).
 */
public record OpenModelSchedule(int ratePerSecond, Duration warmup, Duration measured) {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  public OpenModelSchedule {
    if (ratePerSecond <= 0) {
      throw new IllegalArgumentException("rate must be positive, got " + ratePerSecond);
    }
    if (warmup.isNegative() || measured.isNegative() || measured.isZero()) {
      throw new IllegalArgumentException("warm-up must be >= 0 and the measured phase > 0, got "
          + warmup + " / " + measured);
    }
  }

  /** Requests sent during the warm-up (not measured). */
  public long warmupRequests() {
    return requestsIn(warmup);
  }

  /** Requests sent during the measured phase. */
  public long measuredRequests() {
    return requestsIn(measured);
  }

  public long totalRequests() {
    return warmupRequests() + measuredRequests();
  }

  /**
   * Nanoseconds from {@code t0} to the intended send time of request {@code index}. Computed from
   * the index (not by adding up intervals), so the schedule does not drift.
   */
  public long intendedOffsetNanos(long index) {
    return index * NANOS_PER_SECOND / ratePerSecond;
  }

  /** Whether request {@code index} belongs to the measured phase. */
  public boolean isMeasured(long index) {
    return index >= warmupRequests();
  }

  /** Nanoseconds from {@code t0} to the intended send time of the first measured request. */
  public long measuredStartOffsetNanos() {
    return intendedOffsetNanos(warmupRequests());
  }

  /** The coordinated-omission corrected latency: completion minus the intended send time. */
  public static long latencyMicros(long intendedNanos, long completedNanos) {
    return Math.max(0, (completedNanos - intendedNanos) / 1_000);
  }

  /** {@code count} events over {@code nanos}, per second (0 for an empty interval). */
  public static double perSecond(long count, long nanos) {
    return nanos <= 0 ? 0 : count * (double) NANOS_PER_SECOND / nanos;
  }

  private long requestsIn(Duration d) {
    return d.toMillis() * ratePerSecond / 1_000;
  }
}
