package io.poseidon.processors.tide;

import io.poseidon.schemas.tide.RoutingRule;
import io.poseidon.schemas.tide.RuleEvent;
import io.poseidon.topology.query.QueryResult;
import io.poseidon.topology.query.StoreQueries;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * The queries tide answers. Rules live in a global store: every node answers them. Counters are
 * partitioned like {@code tide.ingest}: {@link #localStats} sums this node's partitions, and the
 * gateway adds up the nodes of {@link #statsHosts()}.
 */
public final class TideQueries {

  /** Counters of one node or of all: routed by destination and by rule, duplicates, dead letters. */
  public record Stats(Map<String, Long> byDestination, Map<String, Long> byRule, long duplicates, long deadLettered) {

    public static Stats of(Map<String, Long> counters) {
      Map<String, Long> byDestination = new LinkedHashMap<>();
      Map<String, Long> byRule = new LinkedHashMap<>();
      counters.forEach((key, n) -> {
        if (key.startsWith(TideRouter.DESTINATION)) {
          byDestination.merge(key.substring(TideRouter.DESTINATION.length()), n, Long::sum);
        } else if (key.startsWith(TideRouter.RULE)) {
          byRule.merge(key.substring(TideRouter.RULE.length()), n, Long::sum);
        }
      });
      return new Stats(byDestination, byRule, counters.getOrDefault(TideRouter.DUPLICATES, 0L),
          counters.getOrDefault(TideRouter.DEAD_LETTERED, 0L));
    }

    /** The counters again as one flat map (to add up nodes). */
    public Map<String, Long> counters() {
      Map<String, Long> out = new LinkedHashMap<>();
      byDestination.forEach((k, v) -> out.put(TideRouter.DESTINATION + k, v));
      byRule.forEach((k, v) -> out.put(TideRouter.RULE + k, v));
      out.put(TideRouter.DUPLICATES, duplicates);
      out.put(TideRouter.DEAD_LETTERED, deadLettered);
      return out;
    }
  }

  /** A rule as stored, with who put it and when. */
  public record StoredRule(RoutingRule rule, RuleEvent event) {}

  public static final int MAX_RULES = 10_000;

  private final StoreQueries queries;
  private final Clock clock;

  public TideQueries(StoreQueries queries, Clock clock) {
    this.queries = queries;
    this.clock = clock;
  }

  /** Every routing rule, in matching order (highest priority first, then ruleId). */
  public QueryResult<List<StoredRule>> rules() {
    QueryResult<List<KeyValue<String, Object>>> raw = queries.globalAll(TideTopology.RULES_STORE, MAX_RULES);
    if (!(raw instanceof QueryResult.Local<List<KeyValue<String, Object>>> local)) {
      return retype(raw);
    }
    List<StoredRule> rules = new ArrayList<>();
    for (KeyValue<String, Object> kv : local.value()) {
      RuleEvent event = unwrap(kv.value);
      if (event != null) {
        rules.add(new StoredRule((RoutingRule) event.getPayload(), event));
      }
    }
    rules.sort(Comparator.<StoredRule>comparingInt(r -> -r.rule().getPriority()).thenComparing(r -> r.rule().getRuleId()));
    return new QueryResult.Local<>(rules, -1);
  }

  /** One rule, as this node's global store holds it now. */
  public QueryResult<Optional<StoredRule>> rule(String ruleId) {
    QueryResult<Optional<Object>> raw = queries.globalGet(TideTopology.RULES_STORE, ruleId);
    if (raw instanceof QueryResult.Local<Optional<Object>> local) {
      return new QueryResult.Local<>(local.value().map(TideQueries::unwrap)
          .map(e -> new StoredRule((RoutingRule) e.getPayload(), e)), -1);
    }
    return retype(raw);
  }

  /** This node's counters over the last {@code window}, or since tide.stats.retention when null. */
  public QueryResult<Stats> localStats(Duration window) {
    Instant to = clock.instant();
    Instant from = window == null ? Instant.EPOCH : to.minus(window).minusMillis(TideRouter.COUNTER_WINDOW_MS);
    QueryResult<Map<String, Long>> raw = queries.localWindowSums(TideTopology.COUNTER_STORE, from, to);
    if (raw instanceof QueryResult.Local<Map<String, Long>> local) {
      return new QueryResult.Local<>(Stats.of(local.value()), -1);
    }
    return retype(raw);
  }

  /** The nodes whose counters make up the whole (this one included). */
  public List<HostInfo> statsHosts() {
    return queries.hostsOf(TideTopology.COUNTER_STORE);
  }

  public HostInfo self() {
    return queries.self();
  }

  private static RuleEvent unwrap(Object stored) {
    Object value = stored instanceof ValueAndTimestamp<?> vt ? vt.value() : stored;
    return value instanceof RuleEvent e ? e : null;
  }

  @SuppressWarnings("unchecked")
  private static <A, B> QueryResult<B> retype(QueryResult<A> notLocal) {
    return (QueryResult<B>) notLocal;
  }
}
