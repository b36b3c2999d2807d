package io.poseidon.topology.saga;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * How many entities of a saga are in flight, by state, on this node — kept up to date by the saga
 * processors as their units of work change entities, never by scanning a store on a scrape. Each
 * processor (one per task) counts its partition's entities once when its task starts (one scan of
 * the store it just restored), then moves one entity from state to state on every change, and takes
 * its partition's count away when its task closes (revoked, migrated, closed dirty under EOS and
 * started again). The node's gauges {@code poseidon_saga_in_flight} read {@link #inFlight}; entities
 * that finish are counted by {@code poseidon_saga_finished_total}.
 *
 * <p>Handed to Kafka Streams as an object in the service's properties under {@link #CONFIG}; a
 * processor finds it in {@code appConfigs()} (absent in topology tests: nothing is counted).
 */
public final class SagaStates {

  public static final String CONFIG = "poseidon.saga-states";

  /** A (entity, state) pair of this service: {@code entity} is the tracked table's name (its store). */
  public record Key(String entity, String state) {}

  /**
   * Which entities of a processor are counted and how: the store they live in, the state of one (what
   * it waits for while in flight, how it ended once finished), and when it finished (null while in
   * flight; the same function as its {@link Retention}).
   *
   * @param inFlightStates the states of an entity in flight: their gauges exist from the start
   * @param finishedStates the states it can finish in: their counters exist from the start
   */
  public record Counted<V>(String store, Function<V, String> state, Function<V, Instant> finishedAt,
      List<String> inFlightStates, List<String> finishedStates) {}

  /** What the node makes of the counts: a gauge per in-flight state, a counter per finished state. */
  public interface Listener {
    Listener NONE = new Listener() {};

    /** A state's in-flight count exists (a gauge reads {@code count}). */
    default void inFlightAppeared(Key key, AtomicLong count) {}

    /** A finished state exists (its counter starts at 0). */
    default void finishedDeclared(Key key) {}

    /** An entity just finished in {@code key}'s state. */
    default void finished(Key key) {}
  }

  private final Listener listener;
  private final Map<Key, AtomicLong> inFlight = new ConcurrentHashMap<>();

  public SagaStates(Listener listener) {
    this.listener = Objects.requireNonNull(listener);
  }

  /** The saga states in a service's Streams configs, or null (nothing counted). */
  static SagaStates from(Map<String, ?> configs) {
    return configs.get(CONFIG) instanceof SagaStates s ? s : null;
  }

  /** Entities in flight in {@code key}'s state on this node. */
  public long inFlight(Key key) {
    AtomicLong count = inFlight.get(key);
    return count == null ? 0 : count.get();
  }

  /** A snapshot of every counter. */
  public Map<Key, Long> snapshot() {
    Map<Key, Long> out = new HashMap<>();
    inFlight.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  void declare(Counted<?> counted) {
    counted.inFlightStates().forEach(state -> counter(new Key(counted.store(), state)));
    counted.finishedStates().forEach(state -> listener.finishedDeclared(new Key(counted.store(), state)));
  }

  void add(Key key, long delta) {
    if (delta != 0) {
      counter(key).addAndGet(delta);
    }
  }

  void finished(Key key) {
    listener.finished(key);
  }

  private AtomicLong counter(Key key) {
    AtomicLong existing = inFlight.get(key);
    if (existing != null) {
      return existing;
    }
    AtomicLong created = new AtomicLong();
    AtomicLong raced = inFlight.putIfAbsent(key, created);
    if (raced != null) {
      return raced;
    }
    listener.inFlightAppeared(key, created);
    return created;
  }

  @Override
  public String toString() {
    return "SagaStates" + snapshot();
  }
}
