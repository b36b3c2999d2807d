package io.poseidon.processors.anchor;

import io.poseidon.schemas.anchor.AuditEvent;
import io.poseidon.schemas.anchor.CommandOutcome;
import io.poseidon.schemas.anchor.ConfigVersion;
import io.poseidon.schemas.anchor.MasterKeyEvent;
import io.poseidon.schemas.anchor.MasterKeyRotation;
import io.poseidon.schemas.anchor.SecretVersion;
import io.poseidon.topology.query.QueryResult;
import io.poseidon.topology.query.StoreQueries;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * The queries anchor answers. Configs, secrets and outcomes live in the partition of {@code <service>/<env>}
 * (the key of anchor.commands), audit entries in that of the service (the key of anchor.audit); the active
 * master key is a global store, the same on every node. Rotation progress is per node ({@link #localKeyIds}),
 * added up by the gateway.
 */
public final class AnchorQueries {

  public static final int MAX_VERSIONS = 10_000;
  public static final int MAX_SECRETS = 10_000;
  public static final int MAX_LOCAL_SECRETS = 1_000_000;

  /** The versions of two configurations, for a diff: each empty when there is no such version. */
  public record Pair(Optional<ConfigVersion> from, Optional<ConfigVersion> to) {}

  private final StoreQueries queries;
  private final AnchorConfig config;

  public AnchorQueries(StoreQueries queries, AnchorConfig config) {
    this.queries = queries;
    this.config = config;
  }

  /** The configuration in effect. */
  public QueryResult<Optional<ConfigVersion>> config(String service, String env) {
    String key = AnchorTopics.key(service, env);
    return unwrapped(queries.get(AnchorTopology.CONFIG_STORE, key, key));
  }

  /** One version of a configuration. */
  public QueryResult<Optional<ConfigVersion>> version(String service, String env, int version) {
    return unwrapped(queries.get(AnchorTopology.HISTORY_STORE, AnchorTopics.key(service, env),
        AnchorStores.historyKey(service, env, version)));
  }

  /** Two versions of a configuration, read from one partition. */
  public QueryResult<Pair> versions(String service, String env, int from, int to) {
    return queries.onPartitionOf(AnchorTopology.HISTORY_STORE, AnchorTopics.key(service, env), partition -> {
      ReadOnlyKeyValueStore<String, Object> store = partition.keyValue(AnchorTopology.HISTORY_STORE);
      return new Pair(Optional.ofNullable((ConfigVersion) unwrap(store.get(AnchorStores.historyKey(service, env, from)))),
          Optional.ofNullable((ConfigVersion) unwrap(store.get(AnchorStores.historyKey(service, env, to)))));
    });
  }

  /** The configuration in effect ({@code from}) and one earlier version ({@code to}), read from one partition. */
  public QueryResult<Pair> currentAnd(String service, String env, int version) {
    String key = AnchorTopics.key(service, env);
    return queries.onPartitionOf(AnchorTopology.HISTORY_STORE, key, partition -> new Pair(
        Optional.ofNullable((ConfigVersion) unwrap(partition.<Object>keyValue(AnchorTopology.CONFIG_STORE).get(key))),
        Optional.ofNullable((ConfigVersion) unwrap(partition.<Object>keyValue(AnchorTopology.HISTORY_STORE)
            .get(AnchorStores.historyKey(service, env, version))))));
  }

  /** Every version of a configuration, newest first, at most {@code limit}. */
  public QueryResult<List<ConfigVersion>> history(String service, String env, int limit) {
    String key = AnchorTopics.key(service, env);
    QueryResult<List<KeyValue<String, Object>>> raw = queries.prefix(AnchorTopology.HISTORY_STORE, key, key + "/",
        MAX_VERSIONS);
    if (raw instanceof QueryResult.Local<List<KeyValue<String, Object>>> local) {
      List<ConfigVersion> versions = new ArrayList<>();
      local.value().forEach(kv -> versions.add((ConfigVersion) unwrap(kv.value)));
      Collections.reverse(versions);
      return new QueryResult.Local<>(versions.subList(0, Math.min(limit, versions.size())), local.partition());
    }
    return retype(raw);
  }

  /** What became of a command, once decided. */
  public QueryResult<Optional<CommandOutcome>> outcome(String service, String env, String commandId) {
    return unwrapped(queries.get(AnchorTopology.OUTCOME_STORE, AnchorTopics.key(service, env),
        AnchorStores.outcomeKey(service, env, commandId)));
  }

  /** One version of a secret, or its latest when {@code version} is null. */
  public QueryResult<Optional<SecretVersion>> secret(String service, String env, String name, Integer version) {
    String key = AnchorTopics.key(service, env);
    if (version != null) {
      return unwrapped(queries.get(AnchorTopology.SECRET_STORE, key, AnchorStores.secretKey(service, env, name, version)));
    }
    QueryResult<List<KeyValue<String, Object>>> raw = queries.prefix(AnchorTopology.SECRET_STORE, key,
        AnchorStores.secretPrefix(service, env, name), MAX_VERSIONS);
    if (raw instanceof QueryResult.Local<List<KeyValue<String, Object>>> local) {
      return new QueryResult.Local<>(local.value().isEmpty() ? Optional.empty()
          : Optional.of((SecretVersion) unwrap(local.value().get(local.value().size() - 1).value)), local.partition());
    }
    return retype(raw);
  }

  /** The latest version of each secret of a service in an environment, by name. */
  public QueryResult<List<SecretVersion>> secrets(String service, String env) {
    String key = AnchorTopics.key(service, env);
    QueryResult<List<KeyValue<String, Object>>> raw = queries.prefix(AnchorTopology.SECRET_STORE, key, key + "/",
        MAX_SECRETS * 10);
    if (raw instanceof QueryResult.Local<List<KeyValue<String, Object>>> local) {
      Map<String, SecretVersion> latest = new TreeMap<>();
      local.value().forEach(kv -> {
        SecretVersion s = (SecretVersion) unwrap(kv.value);
        latest.merge(s.getName(), s, (a, b) -> a.getVersion() >= b.getVersion() ? a : b);
      });
      return new QueryResult.Local<>(new ArrayList<>(latest.values()), local.partition());
    }
    return retype(raw);
  }

  /** The key id that wraps new data keys: the last rotation's, else {@code anchor.master-key.id}. */
  public QueryResult<String> activeKeyId() {
    QueryResult<Optional<Object>> raw = queries.globalGet(AnchorTopology.MASTER_KEY_STORE, AnchorTopics.ACTIVE);
    if (raw instanceof QueryResult.Local<Optional<Object>> local) {
      return new QueryResult.Local<>(local.value().map(AnchorQueries::unwrap).map(e -> ((MasterKeyRotation)
          ((MasterKeyEvent) e).getPayload()).getKeyId()).orElse(config.masterKeyId()), -1);
    }
    return retype(raw);
  }

  /** This node's secret versions by the key id wrapping their data key (rotation progress). */
  public QueryResult<Map<String, Long>> localKeyIds() {
    QueryResult<List<KeyValue<String, Object>>> raw = queries.localAll(AnchorTopology.SECRET_STORE, MAX_LOCAL_SECRETS);
    if (raw instanceof QueryResult.Local<List<KeyValue<String, Object>>> local) {
      Map<String, Long> byKeyId = new TreeMap<>();
      local.value().forEach(kv -> byKeyId.merge(((SecretVersion) unwrap(kv.value)).getKeyId(), 1L, Long::sum));
      return new QueryResult.Local<>(byKeyId, -1);
    }
    return retype(raw);
  }

  /** The partitions of anchor.commands each node's tasks hold (what a rotation's progress must cover). */
  public Map<HostInfo, java.util.Set<Integer>> secretPartitions() {
    return queries.partitionsOf(AnchorTopology.SECRET_STORE, AnchorTopics.COMMANDS.name());
  }

  /** The nodes whose secret partitions make up the whole (this one included). */
  public List<HostInfo> secretHosts() {
    return queries.hostsOf(AnchorTopology.SECRET_STORE);
  }

  public HostInfo self() {
    return queries.self();
  }

  /** A service's audit entries with {@code from <= time <= to}, oldest first, at most {@code limit}. */
  public QueryResult<List<AuditEvent>> audit(String service, Instant from, Instant to, int limit) {
    QueryResult<List<KeyValue<String, Object>>> raw = queries.range(AnchorTopology.AUDIT_STORE, service,
        AnchorStores.auditBound(service, from.toEpochMilli()), AnchorStores.auditBound(service, to.toEpochMilli()) + "|~",
        limit);
    if (raw instanceof QueryResult.Local<List<KeyValue<String, Object>>> local) {
      List<AuditEvent> entries = new ArrayList<>();
      local.value().forEach(kv -> entries.add((AuditEvent) unwrap(kv.value)));
      return new QueryResult.Local<>(entries, local.partition());
    }
    return retype(raw);
  }

  /** Keys a diff of two configurations: added, removed and changed ({@code [from, to]}). */
  public static Map<String, Map<String, Object>> diff(Map<String, String> from, Map<String, String> to) {
    Map<String, Object> added = new TreeMap<>();
    Map<String, Object> removed = new TreeMap<>();
    Map<String, Object> changed = new TreeMap<>();
    to.forEach((k, v) -> {
      if (!from.containsKey(k)) {
        added.put(k, v);
      } else if (!from.get(k).equals(v)) {
        changed.put(k, List.of(from.get(k), v));
      }
    });
    from.forEach((k, v) -> {
      if (!to.containsKey(k)) {
        removed.put(k, v);
      }
    });
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    out.put("added", added);
    out.put("removed", removed);
    out.put("changed", changed);
    return out;
  }

  static Object unwrap(Object stored) {
    return stored instanceof ValueAndTimestamp<?> vt ? vt.value() : stored;
  }

  @SuppressWarnings("unchecked")
  private static <T> QueryResult<Optional<T>> unwrapped(QueryResult<Optional<Object>> raw) {
    if (raw instanceof QueryResult.Local<Optional<Object>> local) {
      return new QueryResult.Local<>(local.value().map(v -> (T) unwrap(v)), local.partition());
    }
    return retype(raw);
  }

  @SuppressWarnings("unchecked")
  private static <A, B> QueryResult<B> retype(QueryResult<A> notLocal) {
    return (QueryResult<B>) notLocal;
  }
}
