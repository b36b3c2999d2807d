package io.poseidon.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class OpenModelScheduleTest {

  @Test
  void shouldSplitTheRequestsBetweenWarmupAndMeasuredPhase() {
    OpenModelSchedule schedule = new OpenModelSchedule(500, Duration.ofSeconds(3), Duration.ofSeconds(10));

    assertEquals(1_500, schedule.warmupRequests());
    assertEquals(5_000, schedule.measuredRequests());
    assertEquals(6_500, schedule.totalRequests());
    assertFalse(schedule.isMeasured(1_499));
    assertTrue(schedule.isMeasured(1_500));
    assertEquals(3_000_000_000L, schedule.measuredStartOffsetNanos());
  }

  @Test
  void shouldDueEachRequestAtItsOwnFixedTimeWithoutDrift() {
    OpenModelSchedule schedule = new OpenModelSchedule(3, Duration.ZERO, Duration.ofSeconds(1_000));

    assertEquals(0, schedule.intendedOffsetNanos(0));
    assertEquals(333_333_333L, schedule.intendedOffsetNanos(1));
    assertEquals(666_666_666L, schedule.intendedOffsetNanos(2));
    // computed from the index, not by adding 333_333_333 up: no rounding error piles up
    assertEquals(1_000_000_000_000L, schedule.intendedOffsetNanos(3_000));
  }

  @Test
  void shouldMeasureLatencyFromTheIntendedSendTimeNotTheActualOne() {
    long intended = 1_000_000_000L;
    long actuallySent = intended + 40_000_000L; // the sender was 40 ms late
    long answered = actuallySent + 2_000_000L;   // the system took 2 ms

    assertEquals(42_000, OpenModelSchedule.latencyMicros(intended, answered));
  }

  @Test
  void shouldGiveThroughputPerSecond() {
    assertEquals(2_000.0, OpenModelSchedule.perSecond(20_000, 10_000_000_000L), 1e-9);
    assertEquals(0.0, OpenModelSchedule.perSecond(5, 0));
  }

  @Test
  void shouldRefuseANonPositiveRateOrAnEmptyMeasuredPhase() {
    assertThrows(IllegalArgumentException.class, () -> new OpenModelSchedule(0, Duration.ZERO, Duration.ofSeconds(1)));
    assertThrows(IllegalArgumentException.class, () -> new OpenModelSchedule(10, Duration.ZERO, Duration.ZERO));
  }
}
