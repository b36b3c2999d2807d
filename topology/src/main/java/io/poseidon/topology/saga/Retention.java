package io.poseidon.topology.saga;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * How long a finished entity stays in its stores: state grows with work in flight, not with all work
 * ever done. When a unit of work finishes an entity (a deployment, a pipeline run, a workflow), the
 * processor arms a durable timer at {@code finishedAt + keep}; when it fires, the entity's key is
 * deleted from every table named here (a tombstone in each changelog). Its history stays in the
 * service's event topic (and in PostgreSQL once the Connect sinks run).
 *
 * @param entity the tracked table whose entities finish (its {@link Tracked#name()})
 * @param keep how long a finished entity is kept ({@code <service>.retention})
 * @param finishedAt when the entity finished, or null while it is in flight
 * @param tables the tables the entity's key is removed from, its own first
 */
public record Retention<V>(String entity, Duration keep, Function<V, Instant> finishedAt, List<Table<?>> tables) {

  static final String TIMER_PREFIX = "~retention|";

  /** The timer id of {@code key}'s removal; '~' is in no entity id, so it never clashes with a service's timers. */
  static String timerId(String entity, String key) {
    return TIMER_PREFIX + entity + '|' + key;
  }

  static boolean isRetentionTimer(String timerId) {
    return timerId.startsWith(TIMER_PREFIX);
  }

  /** The entity name of a retention timer id. */
  static String entityOf(String timerId) {
    String rest = timerId.substring(TIMER_PREFIX.length());
    int bar = rest.indexOf('|');
    return bar < 0 ? rest : rest.substring(0, bar);
  }

  /** The key of a retention timer id. */
  static String keyOf(String timerId) {
    String rest = timerId.substring(TIMER_PREFIX.length());
    int bar = rest.indexOf('|');
    return bar < 0 ? "" : rest.substring(bar + 1);
  }

  /** When the entity that went from {@code before} to {@code after} has to go, or null when it did not just finish. */
  Instant removalDue(V before, V after) {
    Instant finished = after == null ? null : finishedAt.apply(after);
    if (finished == null || before != null && finishedAt.apply(before) != null) {
      return null;
    }
    return finished.plus(keep);
  }

  /** Removes {@code key} from every table; true when the entity was there and finished. */
  @SuppressWarnings("unchecked")
  boolean remove(String key) {
    V current = ((Table<V>) tables.get(0)).get(key);
    if (current == null || finishedAt.apply(current) == null) {
      return false;
    }
    tables.forEach(t -> t.delete(key));
    return true;
  }
}
