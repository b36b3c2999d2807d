package io.poseidon.topology.timers;

import java.time.Duration;

/** Exponential backoff of the sagas' retries, capped and safe from overflow. */
public final class Backoff {

  private Backoff() {}

  /**
   * Wait before trying attempt {@code failedAttempt + 1}: {@code base × 2^(failedAttempt-1)}, at most
   * {@code max}.
   */
  public static Duration exponential(long baseMillis, long maxMillis, int failedAttempt) {
    long wait = Math.min(baseMillis, maxMillis);
    for (int i = 1; i < failedAttempt && wait < maxMillis; i++) {
      wait = wait > maxMillis / 2 ? maxMillis : wait * 2;
    }
    return Duration.ofMillis(wait);
  }
}
