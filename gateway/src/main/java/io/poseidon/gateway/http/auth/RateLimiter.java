package io.poseidon.gateway.http.auth;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per principal and route class, on this node: {@code rate} tokens a second, at most
 * {@code burst} saved up. A request takes one token or is refused with the seconds until one is there
 * (Retry-After). Buckets idle for a minute are dropped once there are many, so the map stays bounded by
 * the principals of the last minute. Limits are per node: behind a load balancer over N nodes a
 * principal gets up to N times the rate.
 */
public final class RateLimiter {

  private static final int SWEEP_ABOVE = 10_000;
  private static final long IDLE_NANOS = 60_000_000_000L;

  private final double ratePerNano;
  private final double burst;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final java.util.function.LongSupplier nanoTime;

  private static final class Bucket {
    double tokens;
    long updated;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.updated = now;
    }
  }

  /** @param requestsPerSecond 0: no limit; @param burst 0: twice the rate */
  public RateLimiter(double requestsPerSecond, int burst) {
    this(requestsPerSecond, burst, System::nanoTime);
  }

  RateLimiter(double requestsPerSecond, int burst, java.util.function.LongSupplier nanoTime) {
    this.ratePerNano = requestsPerSecond / 1e9;
    this.burst = burst > 0 ? burst : Math.max(1, Math.ceil(2 * requestsPerSecond));
    this.nanoTime = nanoTime;
  }

  public boolean enabled() {
    return ratePerNano > 0;
  }

  /** 0 when {@code key} may go on (a token was taken), else the whole seconds until a token is there. */
  public long acquire(String key) {
    if (!enabled()) {
      return 0;
    }
    long now = nanoTime.getAsLong();
    Bucket bucket = buckets.computeIfAbsent(key, k -> new Bucket(burst, now));
    long wait;
    synchronized (bucket) {
      bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.updated) * ratePerNano);
      bucket.updated = now;
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        wait = 0;
      } else {
        wait = Math.max(1, (long) Math.ceil((1 - bucket.tokens) / ratePerNano / 1e9));
      }
    }
    if (buckets.size() > SWEEP_ABOVE) {
      buckets.entrySet().removeIf(e -> now - e.getValue().updated > IDLE_NANOS);
    }
    return wait;
  }
}
