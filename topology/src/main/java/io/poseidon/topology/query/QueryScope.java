package io.poseidon.topology.query;

import java.util.Map;

/**
 * What one query asks beyond its key and learns beyond its value, for the thread that runs it: the
 * {@link Bound} its answer must reflect (read-your-writes), and, once {@link StoreQueries} answered
 * it, which replica answered ({@code active|standby}) and how far behind that replica was. Opened by the
 * gateway around a query ({@code try (QueryScope scope = QueryScope.open(bound)) {...}}), so that every
 * service's queries honour it without a parameter of their own.
 */
public final class QueryScope implements AutoCloseable {

  /**
   * Positions a store must have processed before it answers: per topic, per partition, the offset of
   * the record (a command's {@code 202} position).
   */
  public record Bound(Map<String, Map<Integer, Long>> offsets) {
    public Bound {
      offsets = Map.copyOf(offsets);
    }
  }

  private static final ThreadLocal<QueryScope> CURRENT = new ThreadLocal<>();

  private final Bound bound;
  private final boolean standbyAllowed;
  private boolean readingStandby;
  private String replica;
  private Long lag;

  private QueryScope(Bound bound, boolean standbyAllowed) {
    this.bound = bound;
    this.standbyAllowed = standbyAllowed;
  }

  /** Opens the scope of a query on this thread; {@code bound} may be null. */
  public static QueryScope open(Bound bound) {
    return open(bound, false);
  }

  /**
   * As {@link #open(Bound)}; with {@code standbyAllowed} a standby replica on this node answers when
   * the active is elsewhere (the active's node did not answer).
   */
  public static QueryScope open(Bound bound, boolean standbyAllowed) {
    QueryScope scope = new QueryScope(bound, standbyAllowed);
    CURRENT.set(scope);
    return scope;
  }

  boolean standbyAllowed() {
    return standbyAllowed;
  }

  /** Whether the store being read may be a standby (stale) one: set while a standby answers. */
  static boolean readingStandby() {
    QueryScope scope = CURRENT.get();
    return scope != null && scope.readingStandby;
  }

  void readingStandby(boolean reading) {
    this.readingStandby = reading;
  }

  /** The scope of the query this thread runs, or null outside of one. */
  static QueryScope current() {
    return CURRENT.get();
  }

  Bound bound() {
    return bound;
  }

  void answered(String replica, Long lag) {
    this.replica = replica;
    this.lag = lag;
  }

  /** {@code active} or {@code standby} once a store answered from this node; null otherwise. */
  public String replica() {
    return replica;
  }

  /** Records the answering store was behind the end of its input (active) or changelog (standby), when known. */
  public Long lag() {
    return lag;
  }

  @Override
  public void close() {
    CURRENT.remove();
  }
}
