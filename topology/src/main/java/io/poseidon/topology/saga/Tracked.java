package io.poseidon.topology.saga;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The entities of one table that a unit of work reads, creates and changes. The decision code gets a
 * builder over a private copy of what was stored (or a new entity it adds) and changes it freely;
 * nothing reaches the table until the unit is applied, and then only what differs from what was read.
 * A decision that throws (a rejected record) therefore changes nothing.
 *
 * @param <V> the stored (immutable) value, e.g. a generated Avro record
 * @param <B> its builder
 */
public final class Tracked<V, B> {

  private final String name;
  private final Table<V> table;
  private final Function<V, B> copy;
  private final Function<B, V> build;
  private final Map<String, V> asRead = new LinkedHashMap<>();
  /** What a change is measured against: as read, or the empty value {@link #getOrCreate} started from. */
  private final Map<String, V> baseline = new LinkedHashMap<>();
  private final Map<String, B> working = new LinkedHashMap<>();

  /**
   * @param name what the entities are (a store name), for timer ids and messages
   * @param copy a deep copy of a stored value as a builder ({@code Deployment::newBuilder})
   * @param build the value of a builder ({@code Deployment.Builder::build})
   */
  public Tracked(String name, Table<V> table, Function<V, B> copy, Function<B, V> build) {
    this.name = name;
    this.table = table;
    this.copy = copy;
    this.build = build;
  }

  public String name() {
    return name;
  }

  Table<V> table() {
    return table;
  }

  /** The entity to change (a builder over a private copy), or null when the table does not hold it. */
  public B get(String key) {
    B entity = working.get(key);
    if (entity == null && !asRead.containsKey(key)) {
      V stored = table.get(key);
      asRead.put(key, stored);
      baseline.put(key, stored);
      if (stored != null) {
        entity = copy.apply(stored);
        working.put(key, entity);
      }
    }
    return entity;
  }

  /**
   * The entity to change; when the table does not hold it, a builder over {@code empty}, which counts
   * as a change only once it differs from {@code empty}.
   */
  public B getOrCreate(String key, Supplier<V> empty) {
    B entity = get(key);
    if (entity == null) {
      V start = empty.get();
      baseline.put(key, start);
      entity = copy.apply(start);
      working.put(key, entity);
    }
    return entity;
  }

  /** Adds an entity new to the table. */
  public void add(String key, B created) {
    if (get(key) != null) {
      throw new IllegalStateException(name + " already holds " + key);
    }
    working.put(key, created);
  }

  /** The entity as the table held it when the unit first read it (null: it did not, or it was not read). */
  public V asRead(String key) {
    return asRead.get(key);
  }

  /** Entities created or changed by the unit: key → new value, in the order they were first read. */
  public Map<String, V> changed() {
    Map<String, V> out = new LinkedHashMap<>();
    working.forEach((key, builder) -> {
      V after = build.apply(builder);
      if (!Objects.equals(after, baseline.get(key))) {
        out.put(key, after);
      }
    });
    return out;
  }
}
