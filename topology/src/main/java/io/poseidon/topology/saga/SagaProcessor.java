package io.poseidon.topology.saga;

import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.timers.TimerIndex;
import io.poseidon.topology.tracing.Tracing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin Processor-API adapter every saga runs on, written once: a record (or a due timer) opens a
 * unit of work, the service's pure decision code decides on it, and the unit is applied at once —
 * changed entities to their stores, timers to the durable timer index, outputs forwarded to their
 * sinks. A record the decision code rejects ({@link RejectedRecordException}) changes nothing and goes
 * to the service's dead-letter topic: nothing is written before the decision is complete. A wall-clock
 * punctuator fires due timers, each in its own unit of work, and removes finished entities once their
 * {@link Retention} is over. Where the node counts saga states ({@link SagaStates}), it keeps the
 * count of the entities {@link #counted()} names in flight by state as the units change them.
 *
 * <p>Every record is decided inside a processing span and every due timer inside a timer span
 * ({@link Tracing}), so what a unit emits carries that span's context as its traceparent; a timer
 * armed by a unit remembers the unit's span, and its own span continues that trace (a health gate
 * that passes by timer stays in the deployment's trace).
 */
public abstract class SagaProcessor<U extends UnitOfWork>
    implements Processor<String, SpecificRecord, String, SpecificRecord> {

  private static final Logger log = LoggerFactory.getLogger(SagaProcessor.class);

  /** Most timers fired by one punctuation (the rest are due at the next one). */
  public static final int TIMERS_PER_SCAN = 10_000;

  private final String service;
  private final String timerStore;
  private final Duration scanInterval;
  private final Map<String, Retention<?>> retentions = new LinkedHashMap<>();
  private ProcessorContext<String, SpecificRecord> context;
  private TimerIndex timers;
  private SagaStates states;
  private final Map<String, SagaStates.Counted<?>> counted = new LinkedHashMap<>();
  /** This task's part of {@link #states}: taken away again when the task closes. */
  private final Map<SagaStates.Key, Long> counts = new LinkedHashMap<>();
  private Tracing tracing = Tracing.off();

  /**
   * @param service the service's name (in messages)
   * @param timerStore the store of its durable timers ({@link TimerIndex#storeBuilder})
   * @param scanInterval how often the punctuator looks for due timers
   */
  protected SagaProcessor(String service, String timerStore, Duration scanInterval) {
    this.service = service;
    this.timerStore = timerStore;
    this.scanInterval = scanInterval;
  }

  @Override
  public final void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.tracing = Tracing.of(context);
    this.timers = new TimerIndex(context.getStateStore(timerStore));
    retentions.clear();
    for (Retention<?> retention : open(context)) {
      retentions.put(retention.entity(), retention);
    }
    countStates(context);
    context.schedule(scanInterval, PunctuationType.WALL_CLOCK_TIME, this::fireDueTimers);
  }

  /**
   * The entities counted in flight by state ({@link SagaStates}): none unless a service names its saga's
   * main table here.
   */
  protected List<SagaStates.Counted<?>> counted() {
    return List.of();
  }

  /** Counts this task's entities in flight once, from the store it just restored. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void countStates(ProcessorContext<String, SpecificRecord> context) {
    counted.clear();
    counts.clear();
    states = SagaStates.from(context.appConfigs());
    if (states == null) {
      return;
    }
    for (SagaStates.Counted<?> c : counted()) {
      counted.put(c.store(), c);
      states.declare(c);
      KeyValueStore<String, Object> store = context.getStateStore(c.store());
      try (KeyValueIterator<String, Object> all = store.all()) {
        while (all.hasNext()) {
          Object value = all.next().value;
          if (value != null && ((Function) c.finishedAt()).apply(value) == null) {
            count(new SagaStates.Key(c.store(), (String) ((Function) c.state()).apply(value)), 1);
          }
        }
      }
    }
  }

  private void count(SagaStates.Key key, long delta) {
    counts.merge(key, delta, Long::sum);
    states.add(key, delta);
  }

  /** Moves a changed entity between states: out of the one it was read in, into the one it has now. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private void recount(SagaStates.Counted<?> c, Object before, Object after) {
    Function finishedAt = c.finishedAt();
    Function state = c.state();
    if (before != null && finishedAt.apply(before) == null) {
      count(new SagaStates.Key(c.store(), (String) state.apply(before)), -1);
    }
    if (after != null) {
      SagaStates.Key now = new SagaStates.Key(c.store(), (String) state.apply(after));
      if (finishedAt.apply(after) == null) {
        count(now, 1);
      } else if (before == null || finishedAt.apply(before) == null) {
        states.finished(now);
      }
    }
  }

  /** The task closes (revoked, migrated, or closed to start again): its entities are no longer counted here. */
  @Override
  public void close() {
    if (states != null) {
      counts.forEach((key, n) -> states.add(key, -n));
    }
    counts.clear();
  }

  /** Opens the service's stores; returns how long its finished entities are kept. */
  protected abstract List<Retention<?>> open(ProcessorContext<String, SpecificRecord> context);

  /** A unit of work for a record with this key. */
  protected abstract U begin(String key);

  /** Decides on a record (never a tombstone); throws {@link RejectedRecordException} for one it cannot take. */
  protected abstract void decide(U unit, Record<String, SpecificRecord> record);

  /** A unit of work for a due timer of the service. */
  protected abstract U beginTimer(TimerIndex.Timer timer);

  /** Decides on a due timer of the service (a stale one changes nothing). */
  protected abstract void decideTimer(U unit, TimerIndex.Timer timer);

  @Override
  public final void process(Record<String, SpecificRecord> record) {
    if (record.value() == null) {
      throw new RejectedRecordException("empty value: " + service + " never reads tombstones");
    }
    tracing.process(service, context, record, () -> {
      U unit = begin(record.key());
      decide(unit, record);
      apply(unit);
    });
  }

  /** Punctuator: fires every timer due at {@code wallClockMillis}, each in its own unit of work. */
  public final void fireDueTimers(long wallClockMillis) {
    for (TimerIndex.Due due : timers.dueWithTrace(wallClockMillis, TIMERS_PER_SCAN)) {
      TimerIndex.Timer timer = due.timer();
      timers.cancel(timer.id(), timer.dueAt());
      if (Retention.isRetentionTimer(timer.id())) {
        expire(timer);
        continue;
      }
      tracing.timer(service, timer.id(), due.traceparent(), () -> {
        U unit = beginTimer(timer);
        decideTimer(unit, timer);
        apply(unit);
      });
    }
  }

  private void expire(TimerIndex.Timer timer) {
    Retention<?> retention = retentions.get(Retention.entityOf(timer.id()));
    String key = Retention.keyOf(timer.id());
    if (retention == null) {
      log.warn("{}: retention timer {} names no entity this processor keeps; dropped", service, timer.id());
    } else if (retention.remove(key)) {
      log.debug("{}: {} {} finished more than {} ago; removed", service, retention.entity(), key, retention.keep());
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void apply(U unit) {
    unit.beforeApply();
    List<TimerIndex.Timer> removals = new ArrayList<>();
    Map<Tracked<?, ?>, Map<String, ?>> changes = new LinkedHashMap<>();
    for (Tracked<?, ?> entities : unit.tracked()) {
      Map<String, ?> changed = entities.changed();
      changes.put(entities, changed);
      SagaStates.Counted<?> countedHere = states == null ? null : counted.get(entities.name());
      if (countedHere != null) {
        changed.forEach((key, after) -> recount(countedHere, entities.asRead(key), after));
      }
      Retention retention = retentions.get(entities.name());
      if (retention != null) {
        changed.forEach((key, after) -> {
          Instant due = retention.removalDue(entities.asRead(key), after);
          if (due != null) {
            removals.add(new TimerIndex.Timer(Retention.timerId(entities.name(), key), due.toEpochMilli()));
          }
        });
      }
    }
    for (TimerIndex.Timer t : unit.timersToCancel()) {
      timers.cancel(t.id(), t.dueAt());
    }
    String armedIn = Tracing.current(); // the unit's span: the timer's span continues its trace
    for (TimerIndex.Timer t : unit.timersToSchedule()) {
      timers.schedule(t.id(), t.dueAt(), armedIn);
    }
    for (TimerIndex.Timer t : removals) {
      timers.schedule(t.id(), t.dueAt());
    }
    unit.writeChanges(changes);
    for (UnitOfWork.Output out : unit.outputs()) {
      Record<String, SpecificRecord> record = new Record<>(out.key(), out.value(), out.meta().getTime().toEpochMilli());
      if (out.sink() == null) {
        context.forward(record);
      } else {
        context.forward(record, out.sink());
      }
    }
  }
}
