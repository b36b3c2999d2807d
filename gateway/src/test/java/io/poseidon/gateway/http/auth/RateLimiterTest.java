package io.poseidon.gateway.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Test
  void shouldLetABurstThroughThenRefillAtTheRate() {
    RateLimiter limiter = new RateLimiter(10, 5, now::get);
    for (int i = 0; i < 5; i++) {
      assertEquals(0, limiter.acquire("a"), "the burst");
    }
    long wait = limiter.acquire("a");
    assertEquals(1, wait, "a token is 100 ms away: Retry-After rounds up to a whole second");
    now.addAndGet(100_000_000L);
    assertEquals(0, limiter.acquire("a"), "refilled at 10/s");
    assertTrue(limiter.acquire("a") > 0);
    assertEquals(0, limiter.acquire("b"), "another principal has its own bucket");
  }

  @Test
  void shouldNeverSaveUpMoreThanTheBurst() {
    RateLimiter limiter = new RateLimiter(1, 2, now::get);
    now.addAndGet(3_600_000_000_000L); // an hour idle
    assertEquals(0, limiter.acquire("a"));
    assertEquals(0, limiter.acquire("a"));
    assertTrue(limiter.acquire("a") > 0);
  }

  @Test
  void shouldDefaultTheBurstToTwiceTheRateAndDoNothingAtZero() {
    RateLimiter limiter = new RateLimiter(20, 0, now::get);
    int allowed = 0;
    for (int i = 0; i < 300; i++) {
      allowed += limiter.acquire("a") == 0 ? 1 : 0;
    }
    assertEquals(40, allowed);
    RateLimiter off = new RateLimiter(0, 0, now::get);
    for (int i = 0; i < 1000; i++) {
      assertEquals(0, off.acquire("a"));
    }
  }
}
