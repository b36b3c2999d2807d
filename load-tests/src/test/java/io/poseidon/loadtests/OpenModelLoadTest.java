package io.poseidon.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * The generator against fake targets. Only lower bounds on latencies are asserted: a slow machine can
 * only make them larger, so these tests do not depend on how fast the machine is.
 */
class OpenModelLoadTest {

  private static final OpenModelLoad.Limits LIMITS =
      new OpenModelLoad.Limits(64, Duration.ofSeconds(5), Duration.ofSeconds(5));

  @Test
  void shouldChargeASenderStallToEveryRequestDueDuringIt() throws InterruptedException {
    // 1000 req/s for 0.3 s, the first 0.1 s warm-up; request 150 stalls the sender 50 ms
    OpenModelSchedule schedule = new OpenModelSchedule(1_000, Duration.ofMillis(100), Duration.ofMillis(200));
    LoadTarget stallsOnce = request -> {
      if (request.index() == 150) {
        sleep(50);
      }
      return CompletableFuture.completedFuture(Outcome.ok("ok"));
    };

    PhaseResult result = new OpenModelLoad(LIMITS).run("fake", schedule, stallsOnce);

    Histogram latencies = result.latencyMicros();
    assertEquals(200, result.measuredOk());
    assertEquals(200, latencies.getTotalCount());
    // requests 151..175 were due 1..25 ms into the stall and waited at least 25 ms for it: a
    // closed-loop generator would have recorded ~0 for each of them (coordinated omission)
    long chargedTheStall = latencies.getTotalCount() - latencies.getCountBetweenValues(0, 19_000);
    assertTrue(chargedTheStall >= 25, "requests charged >= 20 ms: " + chargedTheStall);
    assertTrue(result.maxSenderLagMicros() >= 45_000, "sender lag " + result.maxSenderLagMicros());
  }

  @Test
  void shouldCountFailuresByOutcomeAndKeepThemOutOfTheLatencies() throws InterruptedException {
    OpenModelSchedule schedule = new OpenModelSchedule(1_000, Duration.ofMillis(50), Duration.ofMillis(100));
    LoadTarget everyTenthIs503 = request -> CompletableFuture.completedFuture(
        request.index() % 10 == 0 ? Outcome.failed("503") : Outcome.ok("202"));

    PhaseResult result = new OpenModelLoad(LIMITS).run("fake", schedule, everyTenthIs503);

    assertEquals(Map.of("503", 10L), result.measuredFailures());
    assertEquals(5, result.warmupFailures());
    assertEquals(90, result.measuredOk());
    assertEquals(90, result.latencyMicros().getTotalCount());
    assertEquals(150, result.sent());
  }

  @Test
  void shouldTurnExceptionsIntoFailuresNamedAfterThem() throws InterruptedException {
    OpenModelSchedule schedule = new OpenModelSchedule(1_000, Duration.ZERO, Duration.ofMillis(20));
    LoadTarget broken = request -> {
      if (request.index() % 2 == 0) {
        throw new IllegalStateException("thrown while sending");
      }
      return CompletableFuture.<Outcome>failedFuture(new java.util.concurrent.TimeoutException("late"));
    };

    PhaseResult result = new OpenModelLoad(LIMITS).run("fake", schedule, broken);

    assertEquals(Map.of("IllegalStateException", 10L, "TimeoutException", 10L), result.measuredFailures());
    assertEquals(0, result.measuredOk());
    assertEquals(0, result.incomplete());
  }

  @Test
  void shouldReportRequestsThatNeverAnswerAsIncomplete() throws InterruptedException {
    OpenModelSchedule schedule = new OpenModelSchedule(1_000, Duration.ZERO, Duration.ofMillis(20));
    LoadTarget neverAnswers = request -> new CompletableFuture<Outcome>();
    OpenModelLoad.Limits shortDrain = new OpenModelLoad.Limits(64, Duration.ofSeconds(1), Duration.ofMillis(100));

    PhaseResult result = new OpenModelLoad(shortDrain).run("fake", schedule, neverAnswers);

    assertEquals(20, result.sent());
    assertEquals(20, result.incomplete());
    assertTrue(result.hasProblems());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
