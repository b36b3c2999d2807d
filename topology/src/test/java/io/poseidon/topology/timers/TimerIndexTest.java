package io.poseidon.topology.timers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.topology.timers.TimerIndex.Timer;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TimerIndexTest {

  private KeyValueStore<String, String> store;
  private TimerIndex timers;

  @BeforeEach
  void realInMemoryStore() {
    store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("timer-index-store"),
            Serdes.String(), Serdes.String())
        .withLoggingDisabled()
        .withCachingDisabled()
        .build();
    store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    timers = new TimerIndex(store);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void shouldReturnExactlyTheTimersDueAtOrBeforeNowOldestFirst() {
    // Given timers scheduled out of order, one exactly at "now" and some later
    timers.schedule("c", 3_000);
    timers.schedule("a", 1_000);
    timers.schedule("late", 5_001);
    timers.schedule("b", 2_000);
    timers.schedule("now", 5_000);

    // When the index is asked what is due at 5000
    List<Timer> due = timers.due(5_000, 100);

    // Then the due ones come back oldest first, including the one due exactly now
    assertEquals(List.of(new Timer("a", 1_000), new Timer("b", 2_000), new Timer("c", 3_000),
        new Timer("now", 5_000)), due);
  }

  @Test
  void shouldRememberTheTraceparentATimerWasArmedWith() {
    // Given a timer armed inside a span, one armed outside any, and one written before timers kept traces
    String armedIn = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    timers.schedule("traced", 1_000, armedIn);
    timers.schedule("untraced", 2_000, null);
    store.put(TimerIndex.key("old", 3_000), "old");

    // When they are due
    List<TimerIndex.Due> due = timers.dueWithTrace(5_000, 100);

    // Then each comes back with its id, and the traced one with the span it was armed in
    assertEquals(List.of(new TimerIndex.Due(new Timer("traced", 1_000), armedIn),
        new TimerIndex.Due(new Timer("untraced", 2_000), null), new TimerIndex.Due(new Timer("old", 3_000), null)), due);
    assertEquals(List.of(new Timer("traced", 1_000), new Timer("untraced", 2_000), new Timer("old", 3_000)),
        timers.due(5_000, 100));
    timers.cancel("traced", 1_000);
    assertEquals(2, timers.due(5_000, 100).size(), "cancelled by id and due time, whatever the value");
  }

  @Test
  void shouldOrderByDueTimeNotByDigitCount() {
    // Given due times with different numbers of digits (string order would put 10000 before 9)
    timers.schedule("ten-thousand", 10_000);
    timers.schedule("nine", 9);

    // When / Then
    assertEquals(List.of(new Timer("nine", 9), new Timer("ten-thousand", 10_000)), timers.due(10_000, 10));
  }

  @Test
  void shouldReturnNothingWhenNothingIsDueYet() {
    timers.schedule("a", 1_000);

    assertTrue(timers.due(999, 10).isEmpty());
  }

  @Test
  void shouldReturnAtMostLimitOldestTimers() {
    // Given five due timers
    for (int i = 1; i <= 5; i++) {
      timers.schedule("t" + i, i * 100L);
    }

    // When asked for at most two
    List<Timer> due = timers.due(10_000, 2);

    // Then the two oldest come back
    assertEquals(List.of(new Timer("t1", 100), new Timer("t2", 200)), due);
  }

  @Test
  void shouldKeepDueTimersUntilTheyAreCancelled() {
    timers.schedule("a", 1_000);

    timers.due(2_000, 10);

    assertEquals(List.of(new Timer("a", 1_000)), timers.due(2_000, 10));
  }

  @Test
  void shouldKeepTimersOfDifferentIdsDueAtTheSameTime() {
    timers.schedule("x", 1_000);
    timers.schedule("y", 1_000);

    assertEquals(List.of(new Timer("x", 1_000), new Timer("y", 1_000)), timers.due(1_000, 10));
  }

  @Test
  void shouldMoveTimerWhenRescheduled() {
    // Given a timer due at 1000
    timers.schedule("a", 1_000);

    // When it is moved to 3000
    timers.reschedule("a", 1_000L, 3_000);

    // Then it is no longer due at 1000 or 2000, but is at 3000, once
    assertTrue(timers.due(2_000, 10).isEmpty());
    assertEquals(List.of(new Timer("a", 3_000)), timers.due(3_000, 10));
  }

  @Test
  void shouldScheduleWhenReschedulingATimerThatHadNoDueTime() {
    timers.reschedule("a", null, 1_000);

    assertEquals(List.of(new Timer("a", 1_000)), timers.due(1_000, 10));
  }

  @Test
  void shouldKeepTimerWhenRescheduledToTheSameTime() {
    timers.schedule("a", 1_000);

    timers.reschedule("a", 1_000L, 1_000);

    assertEquals(List.of(new Timer("a", 1_000)), timers.due(1_000, 10));
  }

  @Test
  void shouldRemoveTimerWhenCancelled() {
    // Given two timers
    timers.schedule("a", 1_000);
    timers.schedule("b", 1_500);

    // When one is cancelled
    timers.cancel("a", 1_000);

    // Then only the other is due
    assertEquals(List.of(new Timer("b", 1_500)), timers.due(2_000, 10));
  }

  @Test
  void shouldRejectNegativeDueTime() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> timers.schedule("a", -1));
    assertTrue(e.getMessage().contains("-1"), e.getMessage());
    assertTrue(timers.due(Long.MAX_VALUE, 10).isEmpty());
  }

  @Test
  void shouldPadDueTimesToNineteenDigitsSoTheyOrderAsText() {
    org.junit.jupiter.api.Assertions.assertEquals("0000000000000000005", TimerIndex.padded(5));
    org.junit.jupiter.api.Assertions.assertEquals("9223372036854775807", TimerIndex.padded(Long.MAX_VALUE));
    org.junit.jupiter.api.Assertions.assertEquals("0000001764583200000|x", TimerIndex.key("x", 1_764_583_200_000L));
  }
}
