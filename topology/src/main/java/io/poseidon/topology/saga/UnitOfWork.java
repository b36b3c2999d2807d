package io.poseidon.topology.saga;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;

/**
 * One unit of work of a stateful service: what it read (as private copies), what it changed, the
 * timers it armed or dropped and what it emits, in order. The pure decision code (a saga) decides on
 * it without touching Kafka; {@link SagaProcessor} then applies it at once: changed entities to their
 * stores, timers to the timer index, outputs forwarded. A service's unit extends this class with the
 * operations its decision code calls ({@code emit}, {@code send}, ...).
 */
public abstract class UnitOfWork {

  /** A record to forward: to the named sink, or to every child when {@code sink} is null. */
  public record Output(String sink, String key, SpecificRecord value, EventMeta meta) {}

  private final Clock clock;
  private final List<Tracked<?, ?>> tracked = new ArrayList<>();
  private final List<Output> outputs = new ArrayList<>();
  private final Set<TimerIndex.Timer> toSchedule = new LinkedHashSet<>();
  private final Set<TimerIndex.Timer> toCancel = new LinkedHashSet<>();

  protected UnitOfWork(Clock clock) {
    this.clock = clock;
  }

  /** Now, at the millisecond precision the schemas keep. */
  public Instant now() {
    return Instant.ofEpochMilli(clock.millis());
  }

  public Clock clock() {
    return clock;
  }

  /** Tracks the entities of {@code table} in this unit; its changes are written when the unit is applied. */
  protected final <V, B> Tracked<V, B> track(Tracked<V, B> entities) {
    tracked.add(entities);
    return entities;
  }

  /** Emits a record (a fact or a command) to {@code sink}, or to every child of the processor when null. */
  protected final void output(String sink, String key, SpecificRecord value, EventMeta meta) {
    outputs.add(new Output(sink, key, value, meta));
  }

  /** Arms a durable timer. */
  public final void schedule(TimerIndex.Timer timer) {
    toSchedule.add(timer);
  }

  /** Drops a durable timer. */
  public final void cancel(TimerIndex.Timer timer) {
    toCancel.add(timer);
  }

  public List<Output> outputs() {
    return outputs;
  }

  /**
   * Timers that follow from the entities' state (the one pending timer of a deployment, say): adds to
   * {@code cancel} the ones the unit's changes made obsolete and to {@code schedule} the new ones. Must
   * be a pure function of the changes: it is asked whenever the timers are.
   */
  protected void deriveTimers(List<TimerIndex.Timer> cancel, List<TimerIndex.Timer> schedule) {}

  /** Called once before the unit is applied: a unit that merges what it recorded into an entity does it here. */
  protected void beforeApply() {}

  /** Timers to arm: the ones scheduled explicitly and the derived ones. */
  public List<TimerIndex.Timer> timersToSchedule() {
    Set<TimerIndex.Timer> all = new LinkedHashSet<>(toSchedule);
    List<TimerIndex.Timer> derived = new ArrayList<>();
    deriveTimers(new ArrayList<>(), derived);
    all.addAll(derived);
    return List.copyOf(all);
  }

  /** Timers to drop: the ones cancelled explicitly and the derived ones. */
  public List<TimerIndex.Timer> timersToCancel() {
    Set<TimerIndex.Timer> all = new LinkedHashSet<>(toCancel);
    List<TimerIndex.Timer> derived = new ArrayList<>();
    deriveTimers(derived, new ArrayList<>());
    all.addAll(derived);
    return List.copyOf(all);
  }

  /** The tracked entities' changes per tracked table, in tracking order. */
  List<Tracked<?, ?>> tracked() {
    return tracked;
  }

  /** Writes the changed entities of every tracked table. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  void writeChanges(Map<Tracked<?, ?>, Map<String, ?>> changes) {
    changes.forEach((entities, changed) -> ((Map<String, Object>) changed).forEach(
        (key, value) -> ((Table) entities.table()).put(key, value)));
  }
}
