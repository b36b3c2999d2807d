package io.poseidon.loadtests;

/**
 * Both paths at one target rate.
 *
 * @param depthsLagAtEnd   records of {@code depths.registrations} the depths topology had not yet
 *                         committed right after the Poseidon phase (-1: unknown)
 * @param depthsCatchUpMs  how long it then took to reach lag 0 (-1: not within the wait)
 */
public record RateResult(int rate, MeasuredPhase raw, MeasuredPhase poseidon, VisibilityProbe.Result visibility,
    long depthsLagAtEnd, long depthsCatchUpMs) {

  /** Poseidon's achieved throughput over raw Kafka's. */
  public double throughputRatio() {
    return poseidon.load().achievedPerSecond() / raw.load().achievedPerSecond();
  }

  /** Poseidon's latency at {@code percentile} over raw Kafka's. */
  public double latencyRatio(double percentile) {
    return poseidon.load().latencyMillis(percentile) / raw.load().latencyMillis(percentile);
  }
}
