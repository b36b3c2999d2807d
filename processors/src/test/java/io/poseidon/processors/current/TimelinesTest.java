package io.poseidon.processors.current;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.schemas.current.TimelineEntry;
import io.poseidon.schemas.forge.StageStatus;
import io.poseidon.schemas.forge.StageStatusChanged;
import io.poseidon.schemas.harbor.DeploymentFinished;
import io.poseidon.schemas.harbor.DeploymentStatus;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.harbor.StepAction;
import io.poseidon.schemas.harbor.StepStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The timeline's rules: one entry per event id, causes before effects, otherwise by time. */
class TimelinesTest {

  private static final long T = Instant.parse("2026-11-27T10:00:00Z").toEpochMilli();

  @Test
  void shouldOrderByTimeWhenNothingIsCausallyRelated() {
    List<TimelineEntry> entries = List.of(entry("c", null, "forge", 30), entry("a", null, "harbor", 10),
        entry("b", null, "current", 20), entry("b2", null, "lighthouse", 20));

    assertEquals(List.of("a", "b", "b2", "c"), ids(Timelines.causalOrder(entries)), "ties keep arrival order");
  }

  @Test
  void shouldPutACauseBeforeItsEffectEvenWhenTheCauseCarriesALaterTime() {
    // effect arrived first and its clock is behind the cause's
    List<TimelineEntry> entries = List.of(entry("effect", "cause", "harbor", 5), entry("other", null, "forge", 7),
        entry("cause", null, "current", 10));

    List<String> order = ids(Timelines.causalOrder(entries));

    assertEquals(List.of("other", "cause", "effect"), order);
  }

  @Test
  void shouldNotLetAnEffectOvertakeEventsBeforeItsCauseAnEffectCountsNoEarlierThanItsCause() {
    // harbor's clock is a minute behind: its facts must still read after the request that caused them
    List<TimelineEntry> entries = List.of(
        entry("request", null, "current", 100_000),
        entry("running", "request", "current", 100_000),
        entry("started", "request", "harbor", 40_000),
        entry("step", "agent-result-1", "harbor", 41_000),
        entry("finished", "agent-result-2", "harbor", 42_000),
        entry("failed", "finished", "current", 101_000));

    assertEquals(List.of("request", "running", "started", "step", "finished", "failed"),
        ids(Timelines.causalOrder(entries)));
  }

  @Test
  void shouldKeepASourcesOwnOrderForEntriesWhoseCauseIsNotInTheTimeline() {
    // runner results (not in the timeline) caused the stage facts: they follow forge's earlier facts
    List<TimelineEntry> entries = List.of(
        entry("push", null, "gateway", 1_000),
        entry("run-started", "push", "forge", 500),
        entry("stage", "runner-result", "forge", 600));

    assertEquals(List.of("push", "run-started", "stage"), ids(Timelines.causalOrder(entries)));
  }

  @Test
  void shouldSurviveACausationCycle() {
    List<TimelineEntry> entries = List.of(entry("x", "y", "forge", 20), entry("y", "x", "forge", 10),
        entry("z", null, "harbor", 5));

    assertEquals(List.of("z", "y", "x"), ids(Timelines.causalOrder(entries)));
  }

  @Test
  void shouldNeverPutAnEffectBeforeItsCauseWhateverTheClocksAndArrivalOrder() {
    Random random = new Random(42);
    String[] sources = {"current", "forge", "harbor", "gateway"};
    for (int round = 0; round < 200; round++) {
      // events caused by earlier events (or by events outside the timeline), arriving shuffled, with
      // clocks off by up to a minute
      int n = 1 + random.nextInt(60);
      List<TimelineEntry> entries = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String cause = i == 0 || random.nextInt(4) == 0 ? (random.nextBoolean() ? null : "outside-" + i)
            : "e" + random.nextInt(i);
        entries.add(entry("e" + i, cause, sources[random.nextInt(sources.length)], random.nextInt(60_000)));
      }
      Collections.shuffle(entries, random);

      List<TimelineEntry> ordered = Timelines.causalOrder(entries);

      assertEquals(n, ordered.size());
      assertEquals(new HashSet<>(ids(entries)), new HashSet<>(ids(ordered)));
      Map<String, Integer> position = new HashMap<>();
      for (int i = 0; i < n; i++) {
        position.put(ordered.get(i).getEventId(), i);
      }
      for (int i = 0; i < n; i++) {
        Integer cause = position.get(ordered.get(i).getCausationId());
        assertTrue(cause == null || cause < i, "round " + round + ": " + ids(ordered));
      }
    }
  }

  @Test
  void shouldAddAnEventOnceAndStopAtTheLimit() {
    List<TimelineEntry> existing = List.of(entry("a", null, "current", 1), entry("b", "a", "current", 2));

    List<TimelineEntry> merged = Timelines.merge(existing, List.of(entry("b", "a", "current", 2),
        entry("c", "b", "forge", 3), entry("c", "b", "forge", 3)), 10);
    assertEquals(List.of("a", "b", "c"), ids(merged));

    List<TimelineEntry> full = Timelines.merge(merged, List.of(entry("d", null, "forge", 4),
        entry("e", null, "forge", 5)), 4);
    assertEquals(List.of("a", "b", "c", "d"), ids(full));
  }

  @Test
  void shouldOrderALongTimelineQuickly() {
    List<TimelineEntry> entries = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      entries.add(entry("e" + i, i == 0 ? null : "e" + (i - 1), i % 2 == 0 ? "forge" : "harbor", 1_000 - i));
    }
    long start = System.nanoTime();
    List<TimelineEntry> ordered = Timelines.causalOrder(entries);
    assertTrue(System.nanoTime() - start < 1_000_000_000L);
    assertEquals(ids(entries), ids(ordered), "a causal chain is kept whatever the times");
  }

  @Test
  void shouldSummarizeForgeAndHarborFactsInOneLine() {
    assertEquals("stage test COMPLETED", Timelines.summary(new StageStatusChanged("r", "test", StageStatus.COMPLETED,
        1, null)));
    assertEquals("stage test FAILED (attempt 2): exit 1", Timelines.summary(new StageStatusChanged("r", "test",
        StageStatus.FAILED, 2, "exit 1")));
    assertEquals("prod DEPLOY FAILED: simulated crash", Timelines.summary(new EnvironmentStepChanged("d", "s", "prod",
        StepAction.DEPLOY, StepStatus.FAILED, 1, "simulated crash")));
    assertEquals("staging ROLLBACK COMPLETED", Timelines.summary(new EnvironmentStepChanged("d", "s", "staging",
        StepAction.ROLLBACK, StepStatus.COMPLETED, 1, null)));
    assertEquals("deployment ROLLED_BACK: prod failed", Timelines.summary(new DeploymentFinished("d", "s", "v",
        DeploymentStatus.ROLLED_BACK, "prod failed")));
    String longReason = "x".repeat(1_000);
    assertEquals(Timelines.MAX_SUMMARY_CHARS, Timelines.summary(new DeploymentFinished("d", "s", "v",
        DeploymentStatus.ROLLED_BACK, longReason)).length());
  }

  private static TimelineEntry entry(String id, String causationId, String source, long offsetMillis) {
    return new TimelineEntry(id, causationId, source + ".Something", source, Instant.ofEpochMilli(T + offsetMillis),
        id, null);
  }

  private static List<String> ids(List<TimelineEntry> entries) {
    return entries.stream().map(TimelineEntry::getEventId).toList();
  }
}
