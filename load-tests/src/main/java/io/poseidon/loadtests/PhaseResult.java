package io.poseidon.loadtests;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one open-model phase measured.
 *
 * @param path               what was loaded ({@code raw-kafka}, {@code poseidon})
 * @param schedule           the rate and the phase lengths
 * @param latencyMicros      latencies of the successful measured requests, from their intended send time
 * @param measuredOk         successful measured requests
 * @param measuredFailures   failed measured requests by outcome label ({@code 503}, {@code TimeoutException}, ...)
 * @param warmupFailures     failed warm-up requests (not in the latencies, reported all the same)
 * @param sent               requests handed to the target (warm-up and measured)
 * @param unsent             scheduled requests never sent because the sender fell too far behind
 * @param incomplete         sent requests still unanswered when the drain timeout expired
 * @param achievedPerSecond  successful measured requests per second, from the first measured intended
 *                           send time to the last measured completion
 * @param maxSenderLagMicros the latest the sender issued a request after its intended time (included
 *                           in the latencies: large values mean the generator or the in-flight bound
 *                           was the bottleneck)
 * @param inFlightLimitHits  how many times the in-flight bound made the sender wait
 */
public record PhaseResult(String path, OpenModelSchedule schedule, Histogram latencyMicros, long measuredOk,
    Map<String, Long> measuredFailures, long warmupFailures, long sent, long unsent, long incomplete,
    double achievedPerSecond, long maxSenderLagMicros, long inFlightLimitHits) {

  public long measuredFailureCount() {
    return measuredFailures.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Latency at {@code percentile} (0-100) in milliseconds; NaN when nothing succeeded. */
  public double latencyMillis(double percentile) {
    return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(percentile) / 1_000.0;
  }

  public double maxLatencyMillis() {
    return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMaxValue() / 1_000.0;
  }

  /** Anything that was not a success, in any phase, or never sent or answered. */
  public boolean hasProblems() {
    return measuredFailureCount() + warmupFailures + unsent + incomplete > 0;
  }
}
