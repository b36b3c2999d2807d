package io.poseidon.processors.lighthouse;

import io.poseidon.schemas.lighthouse.AlertRule;
import io.poseidon.schemas.lighthouse.AlertRuleEvent;
import io.poseidon.schemas.lighthouse.AlertStatus;
import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.schemas.lighthouse.HealthPolicy;
import io.poseidon.schemas.lighthouse.HealthPolicyEvent;
import io.poseidon.schemas.lighthouse.LogCounts;
import io.poseidon.schemas.lighthouse.RecentError;
import io.poseidon.schemas.lighthouse.RecentErrors;
import io.poseidon.schemas.lighthouse.SeriesAggregate;
import io.poseidon.schemas.lighthouse.SeriesInfo;
import io.poseidon.topology.query.QueryResult;
import io.poseidon.topology.query.StoreQueries;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/** lighthouse's answers, from its stores on the node that owns the service (forwarded there otherwise). */
public final class LighthouseQueries {

  public static final int MAX_SERIES = 1000;
  public static final int MAX_ALERTS = 10_000;
  public static final int MAX_RULES = 10_000;
  private static final StringSerializer KEYS = new StringSerializer();

  /** One step of a series: the windows of [time, time + step) merged. */
  public record Point(Instant time, long count, double sum, double min, double max, double value) {}

  public record SeriesPoints(Map<String, String> labels, String unit, List<Point> points) {}

  /** A metrics query's answer: the series and the resolution they were read at. */
  public record MetricsAnswer(List<SeriesPoints> series, Resolution resolution, long latePoints) {}

  /** Log lines of one step by level, summed over environments (or of one). */
  public record LogPoint(Instant time, Map<String, Long> counts, long total, long errors) {}

  public record StoredRule(AlertRule rule, AlertRuleEvent event) {}

  public record StoredPolicy(HealthPolicy policy, HealthPolicyEvent event) {}

  private final StoreQueries queries;

  public LighthouseQueries(StoreQueries queries) {
    this.queries = queries;
  }

  /**
   * Series of {@code metric} of {@code service} with every label of {@code labels}, each as points of one
   * {@code step} from {@code from} (aligned down to a step) to {@code to}, read from the coarsest resolution
   * the step is a multiple of (sketches merged when the step is coarser than it).
   */
  public QueryResult<MetricsAnswer> metrics(String service, String metric, Stat stat, Instant from, Instant to,
      Duration step, Map<String, String> labels) {
    Resolution resolution = Objects.requireNonNull(Resolution.forStep(step), "step must be a multiple of 10s");
    long stepMs = step.toMillis();
    long start = from.toEpochMilli() - Math.floorMod(from.toEpochMilli(), stepMs);
    return queries.onPartitionOf(LighthouseTopology.SERIES_STORE, service, partition -> {
      ReadOnlyKeyValueStore<String, SeriesInfo> index = partition.keyValue(LighthouseTopology.SERIES_STORE);
      ReadOnlyWindowStore<String, SeriesAggregate> windows = partition.window(resolution.store);
      ReadOnlyWindowStore<String, SeriesAggregate> tens = partition.window(Resolution.TEN_SECONDS.store);
      ReadOnlyKeyValueStore<String, Long> counters = partition.keyValue(LighthouseTopology.COUNTER_STORE);
      List<SeriesPoints> out = new ArrayList<>();
      try (KeyValueIterator<String, SeriesInfo> it = index.prefixScan(Series.prefix(service, metric), KEYS)) {
        while (it.hasNext() && out.size() < MAX_SERIES) {
          KeyValue<String, SeriesInfo> kv = it.next();
          if (!Series.matches(kv.value.getLabels(), labels)) {
            continue;
          }
          TreeMap<Long, Aggregate> buckets = new TreeMap<>();
          try (WindowStoreIterator<SeriesAggregate> w = windows.fetch(kv.key, Instant.ofEpochMilli(start),
              to.minusMillis(1))) {
            w.forEachRemaining(e -> {
              long bucket = e.key - Math.floorMod(e.key - start, stepMs);
              buckets.computeIfAbsent(bucket, b -> new Aggregate()).merge(e.value);
            });
          }
          // the 10 s window the series is in is rolled up when the series leaves it: until then, add it here
          Long open = kv.value.getLastWindowStart();
          if (resolution != Resolution.TEN_SECONDS && open != null && open >= start && open < to.toEpochMilli()) {
            SeriesAggregate current = tens.fetch(kv.key, open);
            if (current != null) {
              long bucket = open - Math.floorMod(open - start, stepMs);
              buckets.computeIfAbsent(bucket, b -> new Aggregate()).merge(current);
            }
          }
          List<Point> points = new ArrayList<>(buckets.size());
          buckets.forEach((t, a) -> points.add(new Point(Instant.ofEpochMilli(t), a.count(), a.sum(), a.min(), a.max(),
              a.stat(stat))));
          out.add(new SeriesPoints(new TreeMap<>(kv.value.getLabels()), kv.value.getUnit(), points));
        }
      }
      Long late = counters.get(LighthouseProcessor.lateKey(service));
      return new MetricsAnswer(out, resolution, late == null ? 0 : late);
    });
  }

  /** The judgements of a service, one per environment. */
  public QueryResult<List<HealthEvent>> health(String service) {
    QueryResult<List<KeyValue<String, HealthEvent>>> raw = queries.prefix(LighthouseTopology.HEALTH_STORE, service,
        Series.prefix(service), 1000);
    return map(raw, list -> list.stream().map(kv -> kv.value).toList());
  }

  /** Log lines of a service per step, by level (of one environment, or all when null). */
  public QueryResult<List<LogPoint>> logCounts(String service, Instant from, Instant to, Duration step,
      String environment) {
    long stepMs = step.toMillis();
    long start = from.toEpochMilli() - Math.floorMod(from.toEpochMilli(), stepMs);
    return queries.onPartitionOf(LighthouseTopology.LOG_COUNTS_STORE, service, partition -> {
      ReadOnlyWindowStore<String, LogCounts> windows = partition.window(LighthouseTopology.LOG_COUNTS_STORE);
      TreeMap<Long, Map<String, Long>> buckets = new TreeMap<>();
      try (WindowStoreIterator<LogCounts> w = windows.fetch(service, Instant.ofEpochMilli(start), to.minusMillis(1))) {
        w.forEachRemaining(e -> {
          long bucket = e.key - Math.floorMod(e.key - start, stepMs);
          Map<String, Long> counts = buckets.computeIfAbsent(bucket, b -> new TreeMap<>());
          e.value.getCounts().forEach((k, n) -> {
            int slash = k.lastIndexOf('/');
            if (environment == null || environment.equals(k.substring(0, slash))) {
              counts.merge(k.substring(slash + 1), n, Long::sum);
            }
          });
        });
      }
      List<LogPoint> points = new ArrayList<>();
      buckets.forEach((t, counts) -> {
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        long errors = counts.getOrDefault("ERROR", 0L) + counts.getOrDefault("FATAL", 0L);
        points.add(new LogPoint(Instant.ofEpochMilli(t), counts, total, errors));
      });
      return points;
    });
  }

  /** The last error lines of a service, newest first. */
  public QueryResult<List<RecentError>> recentErrors(String service) {
    QueryResult<Optional<RecentErrors>> raw = queries.get(LighthouseTopology.RECENT_ERRORS_STORE, service, service);
    return map(raw, kept -> kept.map(RecentErrors::getErrors).orElse(List.of()));
  }

  /** The alerts kept on this node's partitions (a gateway gathers every node's). */
  public QueryResult<List<AlertStatus>> localAlerts() {
    QueryResult<List<KeyValue<String, AlertStatus>>> raw = queries.localAll(LighthouseTopology.ALERT_STORE, MAX_ALERTS);
    return map(raw, list -> list.stream().map(kv -> kv.value).toList());
  }

  public List<HostInfo> alertHosts() {
    return queries.hostsOf(LighthouseTopology.ALERT_STORE);
  }

  public HostInfo self() {
    return queries.self();
  }

  public QueryResult<List<StoredRule>> rules() {
    QueryResult<List<KeyValue<String, AlertRuleEvent>>> raw = queries.globalAll(LighthouseTopology.RULES_STORE,
        MAX_RULES);
    return map(raw, list -> list.stream().map(kv -> new StoredRule((AlertRule) kv.value.getPayload(), kv.value))
        .toList());
  }

  public QueryResult<Optional<StoredRule>> rule(String ruleId) {
    QueryResult<Optional<AlertRuleEvent>> raw = queries.globalGet(LighthouseTopology.RULES_STORE, ruleId);
    return map(raw, e -> e.map(v -> new StoredRule((AlertRule) v.getPayload(), v)));
  }

  public QueryResult<Optional<StoredPolicy>> policy(String service) {
    QueryResult<Optional<HealthPolicyEvent>> raw = queries.globalGet(LighthouseTopology.POLICY_STORE, service);
    return map(raw, e -> e.map(v -> new StoredPolicy((HealthPolicy) v.getPayload(), v)));
  }

  @SuppressWarnings("unchecked")
  private static <A, B> QueryResult<B> map(QueryResult<A> result, java.util.function.Function<A, B> f) {
    if (result instanceof QueryResult.Local<A> local) {
      return new QueryResult.Local<>(f.apply(local.value()), local.partition());
    }
    return (QueryResult<B>) result;
  }
}
