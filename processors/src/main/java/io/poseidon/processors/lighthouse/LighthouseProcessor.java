package io.poseidon.processors.lighthouse;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.lighthouse.AlertEvent;
import io.poseidon.schemas.lighthouse.AlertRaised;
import io.poseidon.schemas.lighthouse.AlertResolved;
import io.poseidon.schemas.lighthouse.AlertRule;
import io.poseidon.schemas.lighthouse.AlertRuleEvent;
import io.poseidon.schemas.lighthouse.AlertState;
import io.poseidon.schemas.lighthouse.AlertStatus;
import io.poseidon.schemas.lighthouse.AnomalyDetected;
import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.schemas.lighthouse.HealthPolicy;
import io.poseidon.schemas.lighthouse.HealthPolicyEvent;
import io.poseidon.schemas.lighthouse.LogCounts;
import io.poseidon.schemas.lighthouse.LogEvent;
import io.poseidon.schemas.lighthouse.LogLevel;
import io.poseidon.schemas.lighthouse.LogRecord;
import io.poseidon.schemas.lighthouse.MetricBatch;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.schemas.lighthouse.MetricPoint;
import io.poseidon.schemas.lighthouse.NotificationEvent;
import io.poseidon.schemas.lighthouse.NotificationGroup;
import io.poseidon.schemas.lighthouse.NotificationRequested;
import io.poseidon.schemas.lighthouse.NotifiedAlert;
import io.poseidon.schemas.lighthouse.RecentError;
import io.poseidon.schemas.lighthouse.RecentErrors;
import io.poseidon.schemas.lighthouse.SeriesAggregate;
import io.poseidon.schemas.lighthouse.SeriesInfo;
import io.poseidon.schemas.lighthouse.ServiceHealthReported;
import io.poseidon.topology.config.DurationValidator;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.events.EventMetas;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * lighthouse's one stateful processor, per partition of {@code lighthouse.metrics} and
 * {@code lighthouse.logs} (both keyed by service, so a task holds everything of its services):
 * <ul>
 *   <li>a metric batch is first aggregated in memory per series and 10 s window, then merged into the
 *       window's object in the 10 s {@link SketchWindowStore} (which writes each changed window to RocksDB
 *       and its changelog once per commit, not once per batch); when a series leaves a 10 s window, that window is rolled up into the
 *       1 min and 1 h stores by merging sketches (never points); points whose window closed more than
 *       {@code lighthouse.grace} before the task's event time (the newest point it aggregated) are counted
 *       as late, not aggregated;</li>
 *   <li>a log line counts by level and environment per minute; ERROR and FATAL lines are kept (the last N
 *       per service);</li>
 *   <li>when a series starts a new 10 s window, the window before it is judged by the
 *       {@link AnomalyDetector};</li>
 *   <li>every {@code lighthouse.evaluation.interval} (wall clock) the alert rules of this task's services
 *       are evaluated, the services are judged ({@link HealthJudge}) and the alert groups notified.</li>
 * </ul>
 */
final class LighthouseProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {

  private static final StringSerializer KEYS = new StringSerializer();
  private static final String LATE = "late|";
  private static final String LATE_LOGS = "late-logs|";
  private static final long MINUTE = 60_000;
  private static final String WATERMARK = "watermark";
  /** A point more than this ahead of the wall clock is counted as late (a client's clock is wrong). */
  static final long MAX_AHEAD_MS = 5 * 60_000;
  /** The newest point time this task aggregated: a window closed {@code grace} before it is closed for good. */
  private long watermark = Long.MIN_VALUE;

  private final LighthouseConfig config;
  private final Clock clock;
  private final AnomalyDetector detector;
  private final HealthJudge.Evidence evidence;
  private final long graceMs;
  private ProcessorContext<String, SpecificRecord> context;
  private final Map<Resolution, SketchWindowStore> windows = new LinkedHashMap<>();
  private KeyValueStore<String, SeriesInfo> series;
  private WindowStore<String, LogCounts> logCounts;
  private KeyValueStore<String, RecentErrors> recentErrors;
  private KeyValueStore<String, Long> counters;
  private KeyValueStore<String, AlertStatus> alerts;
  private KeyValueStore<String, NotificationGroup> groups;
  private KeyValueStore<String, HealthEvent> health;
  private KeyValueStore<String, AlertRuleEvent> rules;
  private KeyValueStore<String, HealthPolicyEvent> policies;
  private KeyValueStore<String, InstanceEvent> instances;
  private KeyValueStore<String, DeploymentEvent> deployments;
  /** Series seen by this task (a read cache of the series store: the store is the truth). */
  private final Map<String, SeriesInfo> known = new HashMap<>();
  /** Services this task has seen data of. */
  private final Set<String> services = new TreeSet<>();
  /** Deployment step events health was last reported for, per service and environment (a re-report trigger). */
  private final Map<String, String> reportedSteps = new HashMap<>();

  LighthouseProcessor(LighthouseConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.detector = new AnomalyDetector(config.anomalySensitivity(), config.anomalyWarmup());
    this.evidence = HealthJudge.Evidence.of(config);
    this.graceMs = config.grace().toMillis();
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    for (Resolution r : Resolution.values()) {
      windows.put(r, SketchWindowStore.of(context, r.store));
    }
    series = context.getStateStore(LighthouseTopology.SERIES_STORE);
    logCounts = context.getStateStore(LighthouseTopology.LOG_COUNTS_STORE);
    recentErrors = context.getStateStore(LighthouseTopology.RECENT_ERRORS_STORE);
    counters = context.getStateStore(LighthouseTopology.COUNTER_STORE);
    alerts = context.getStateStore(LighthouseTopology.ALERT_STORE);
    groups = context.getStateStore(LighthouseTopology.GROUP_STORE);
    health = context.getStateStore(LighthouseTopology.HEALTH_STORE);
    rules = context.getStateStore(LighthouseTopology.RULES_STORE);
    policies = context.getStateStore(LighthouseTopology.POLICY_STORE);
    instances = context.getStateStore(LighthouseTopology.INSTANCE_STORE);
    deployments = context.getStateStore(LighthouseTopology.DEPLOYMENT_STORE);
    known.clear();
    watermark = Objects.requireNonNullElse(counters.get(WATERMARK), Long.MIN_VALUE);
    services.clear();
    reportedSteps.clear();
    try (KeyValueIterator<String, SeriesInfo> it = series.all()) {
      it.forEachRemaining(kv -> services.add(kv.value.getService()));
    }
    try (KeyValueIterator<String, HealthEvent> it = health.all()) {
      it.forEachRemaining(kv -> services.add(((ServiceHealthReported) kv.value.getPayload()).getService()));
    }
    context.schedule(config.evaluationInterval(), PunctuationType.WALL_CLOCK_TIME, this::evaluate);
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    SpecificRecord value = record.value();
    if (value instanceof MetricEvent event && event.getPayload() instanceof MetricBatch batch) {
      onBatch(event.getMeta(), batch);
    } else if (value instanceof LogEvent event && event.getPayload() instanceof LogRecord line) {
      onLog(line);
    } else if (value == null) {
      throw new RejectedRecordException("empty value: lighthouse reads metric batches and log lines, never tombstones");
    } else {
      throw new RejectedRecordException("lighthouse cannot read " + value.getSchema().getFullName());
    }
  }

  // --- metrics -----------------------------------------------------------------------------------

  /** One series' points of one batch, per 10 s window. */
  private static final class SeriesPart {
    final String key;
    final MetricPoint first;
    final Map<String, String> labels;
    final TreeMap<Long, Aggregate> byWindow = new TreeMap<>();

    private long lastWindow = Long.MIN_VALUE;
    private Aggregate last;

    SeriesPart(String key, MetricPoint first, Map<String, String> labels) {
      this.key = key;
      this.first = first;
      this.labels = labels;
    }

    /** A point: most points of a part fall into the window of the one before. */
    void add(long window, double value) {
      if (window != lastWindow) {
        last = byWindow.computeIfAbsent(window, x -> new Aggregate());
        lastWindow = window;
      }
      last.add(value);
    }
  }

  private void onBatch(EventMeta meta, MetricBatch batch) {
    String service = batch.getService();
    if (service == null || service.isBlank()) {
      throw new RejectedRecordException("a metric batch needs a service");
    }
    services.add(service);
    String environment = batch.getAttributes().get(Series.ENVIRONMENT);
    long watermark = this.watermark;
    long newest = Long.MIN_VALUE;
    long late = 0;
    // points of one series share their name and labels: find the series by those (a hash lookup) and build
    // its key (sorted labels, one string) once per batch, not once per point
    Map<String, Map<Map<String, String>, SeriesPart>> byName = new HashMap<>();
    List<SeriesPart> parts = new ArrayList<>();
    long futureLimit = clock.millis() + MAX_AHEAD_MS;
    for (MetricPoint p : batch.getPoints()) {
      double v = p.getValue();
      if (!Double.isFinite(v)) {
        late++; // not a number: counted with the points not aggregated
        continue;
      }
      long t = p.getTime().toEpochMilli();
      long w = Resolution.TEN_SECONDS.windowStart(t);
      if (w + Resolution.TEN_SECONDS.sizeMs + graceMs <= watermark || t > futureLimit) {
        late++;
        continue;
      }
      newest = Math.max(newest, t);
      Map<Map<String, String>, SeriesPart> ofName = byName.computeIfAbsent(p.getName(), n -> new HashMap<>());
      SeriesPart part = ofName.get(p.getLabels());
      if (part == null) {
        Map<String, String> labels = p.getLabels();
        if (environment != null && !labels.containsKey(Series.ENVIRONMENT)) {
          labels = new TreeMap<>(labels);
          labels.put(Series.ENVIRONMENT, environment);
        }
        part = new SeriesPart(Series.key(service, p.getName(), labels), p, labels);
        ofName.put(p.getLabels(), part);
        parts.add(part);
      }
      part.add(w, v);
    }
    if (late > 0) {
      counters.put(LATE + service, Objects.requireNonNullElse(counters.get(LATE + service), 0L) + late);
    }
    advance(newest);
    for (SeriesPart part : parts) {
      aggregate(service, part, meta);
    }
  }

  /**
   * One series' part of a batch: merged into its 10 s windows (one write per window touched); the 10 s
   * windows the series has left are rolled up into their 1 min and 1 h windows once, when it leaves them
   * (so the coarse windows are written once per 10 s per series, not once per batch); a late part of an
   * already rolled-up window is merged into them directly. The window the series is in stays open (its
   * 10 s window is what queries of 1 min and 1 h add to the coarse windows).
   */
  private void aggregate(String service, SeriesPart part, EventMeta meta) {
    SeriesInfo info = known.get(part.key);
    if (info == null) {
      info = series.get(part.key);
    }
    Long open = info == null ? null : info.getLastWindowStart();
    long newest = part.byWindow.lastKey();
    for (Map.Entry<Long, Aggregate> e : part.byWindow.entrySet()) {
      Aggregate window = window(Resolution.TEN_SECONDS, part.key, e.getKey());
      window.merge(e.getValue());
      write(Resolution.TEN_SECONDS, part.key, e.getKey(), window);
    }
    for (Map.Entry<Long, Aggregate> e : part.byWindow.entrySet()) {
      long w = e.getKey();
      if (open != null && w < open) {
        rollUp(service, part, w, e.getValue()); // rolled up when the series left it: add what came late
      } else if (w < newest && (open == null || w != open)) {
        rollUp(service, part, w, window(Resolution.TEN_SECONDS, part.key, w)); // left within this batch
      }
    }
    if (open != null && newest > open) {
      rollUp(service, part, open, window(Resolution.TEN_SECONDS, part.key, open)); // the window it was in is closed
    }
    if (info != null && open != null && newest <= open) {
      known.put(part.key, info);
      return; // still in its window (or late): the index does not change
    }
    SeriesInfo.Builder b = info == null
        ? SeriesInfo.newBuilder().setService(service).setMetric(part.first.getName()).setLabels(part.labels)
        : SeriesInfo.newBuilder(info);
    b.setUnit(part.first.getUnit()).setLastSeen(Instant.ofEpochMilli(newest)).setLastWindowStart(newest);
    if (open != null) {
      judgeAnomaly(b, info, part.key, meta);
    }
    SeriesInfo updated = b.build();
    series.put(part.key, updated);
    known.put(part.key, updated);
  }

  private void rollUp(String service, SeriesPart part, long tenSecondWindow, Aggregate aggregate) {
    for (Resolution r : List.of(Resolution.ONE_MINUTE, Resolution.ONE_HOUR)) {
      long start = r.windowStart(tenSecondWindow);
      Aggregate coarse = window(r, part.key, start);
      coarse.merge(aggregate);
      write(r, part.key, start, coarse);
      if (r == Resolution.ONE_MINUTE) {
        publishRollup(service, part, start, coarse);
      }
    }
  }

  /** Labels as the flat records carry them: name=value pairs, sorted by name, comma-separated. */
  static String labelsText(java.util.Map<String, String> labels) {
    StringBuilder text = new StringBuilder();
    new java.util.TreeMap<>(labels).forEach((k, v) -> text.append(text.length() == 0 ? "" : ",").append(k).append('=')
        .append(v));
    return text.toString();
  }

  /** The minute as it now is, flat, to lighthouse.rollups (what the JDBC sink keeps as one row per series and minute). */
  private void publishRollup(String service, SeriesPart part, long start, Aggregate minute) {
    if (minute.isEmpty()) {
      return;
    }
    String labels = labelsText(part.labels);
    // readable and NUL-free (the series key separates its parts with NULs, which PostgreSQL's text refuses)
    String id = service + "|" + part.first.getName() + "|" + labels + "@" + start;
    io.poseidon.schemas.lighthouse.MetricRollup rollup = io.poseidon.schemas.lighthouse.MetricRollup.newBuilder()
        .setRollupId(id)
        .setService(service)
        .setMetric(part.first.getName())
        .setLabels(labels)
        .setEnvironment(part.labels.get(Series.ENVIRONMENT))
        .setUnit(part.first.getUnit())
        .setWindowStart(Instant.ofEpochMilli(start))
        .setCount(minute.count())
        .setSum(minute.sum())
        .setMin(minute.min())
        .setMax(minute.max())
        .setAvg(minute.stat(Stat.AVG))
        .setP50(minute.stat(Stat.P50))
        .setP90(minute.stat(Stat.P90))
        .setP95(minute.stat(Stat.P95))
        .setP99(minute.stat(Stat.P99))
        .setUpdatedAt(Instant.ofEpochMilli(clock.millis()))
        .build();
    context.forward(new Record<String, SpecificRecord>(id, rollup, clock.millis()), LighthouseTopology.ROLLUPS_SINK);
  }

  /** A window as this task last left it (an object of its {@link SketchWindowStore}), else empty. */
  private Aggregate window(Resolution r, String key, long start) {
    return windows.get(r).window(key, start);
  }

  /** {@code aggregate} (a window from {@link #window}, changed) is written with the next commit. */
  private void write(Resolution r, String key, long start, Aggregate aggregate) {
    windows.get(r).changed(key, start, aggregate);
  }

  private void judgeAnomaly(SeriesInfo.Builder b, SeriesInfo info, String key, EventMeta meta) {
    long window = info.getLastWindowStart();
    Aggregate closed = window(Resolution.TEN_SECONDS, key, window);
    if (closed.isEmpty()) {
      return;
    }
    double mean = closed.sum() / closed.count();
    AnomalyDetector.State state = new AnomalyDetector.State(
        Objects.requireNonNullElse(info.getBaselineMean(), 0.0),
        Objects.requireNonNullElse(info.getBaselineDeviation(), 0.0), info.getBaselineWindows(),
        info.getDriftUp(), info.getDriftDown(), info.getLastAnomalySign());
    AnomalyDetector.Step step = detector.next(state, mean);
    AnomalyDetector.State s = step.state();
    b.setBaselineMean(s.mean()).setBaselineDeviation(s.deviation()).setBaselineWindows(s.windows())
        .setDriftUp(s.driftUp()).setDriftDown(s.driftDown()).setLastAnomalySign(s.lastSign());
    if (step.finding() != null) {
      AnomalyDetected anomaly = AnomalyDetected.newBuilder()
          .setService(info.getService())
          .setMetric(info.getMetric())
          .setLabels(info.getLabels())
          .setWindowStart(Instant.ofEpochMilli(window))
          .setValue(mean)
          .setBaseline(step.finding().baseline())
          .setScore(step.finding().score())
          .setSensitivity(config.anomalySensitivity())
          .setKind(step.finding().kind())
          .build();
      EventMeta m = EventMetas.causedBy(meta, "lighthouse.AnomalyDetected", LighthouseModule.NAME, clock);
      context.forward(new Record<String, SpecificRecord>(info.getService(), new AlertEvent(m, anomaly),
          clock.millis()), LighthouseTopology.ALERTS_SINK);
    }
  }

  /** The task's event time moves to the newest point or line it aggregated (kept in the counter store). */
  private void advance(long time) {
    if (time > watermark) {
      watermark = time;
      counters.put(WATERMARK, time);
    }
  }

  // --- logs --------------------------------------------------------------------------------------

  private void onLog(LogRecord line) {
    String service = line.getService();
    if (service == null || service.isBlank()) {
      throw new RejectedRecordException("a log line needs a service");
    }
    services.add(service);
    long t = line.getTime().toEpochMilli();
    long minute = t - Math.floorMod(t, MINUTE);
    if (minute + MINUTE + graceMs <= watermark || t > clock.millis() + MAX_AHEAD_MS) {
      counters.put(LATE_LOGS + service, Objects.requireNonNullElse(counters.get(LATE_LOGS + service), 0L) + 1);
      return;
    }
    advance(t);
    String env = Objects.requireNonNullElse(line.getAttributes().get(Series.ENVIRONMENT), Series.DEFAULT_ENVIRONMENT);
    LogCounts counts = logCounts.fetch(service, minute);
    Map<String, Long> byLevel = counts == null ? new HashMap<>() : new HashMap<>(counts.getCounts());
    byLevel.merge(env + "/" + line.getLevel().name(), 1L, Long::sum);
    logCounts.put(service, new LogCounts(byLevel), minute);
    if (line.getLevel() == LogLevel.ERROR || line.getLevel() == LogLevel.FATAL) {
      RecentErrors kept = recentErrors.get(service);
      List<RecentError> errors = new ArrayList<>(config.recentErrors());
      errors.add(new RecentError(line.getTime(), line.getLevel(), line.getMessage(), line.getInstance(),
          line.getTraceId(), env));
      if (kept != null) {
        for (RecentError e : kept.getErrors()) {
          if (errors.size() >= config.recentErrors()) {
            break;
          }
          errors.add(e);
        }
      }
      errors.sort((a, b) -> b.getTime().compareTo(a.getTime()));
      recentErrors.put(service, new RecentErrors(errors));
    }
  }

  // --- evaluation --------------------------------------------------------------------------------

  void evaluate(long nowMs) {
    // rules read ranges of windows from the stores: write the windows changed since the last commit first
    windows.values().forEach(SketchWindowStore::writeChanged);
    Instant now = Instant.ofEpochMilli(nowMs);
    Set<String> evaluated = new HashSet<>();
    Map<String, AlertRule> ruleById = new HashMap<>();
    try (KeyValueIterator<String, AlertRuleEvent> it = rules.all()) {
      while (it.hasNext()) {
        KeyValue<String, AlertRuleEvent> kv = it.next();
        if (kv.value != null && kv.value.getPayload() instanceof AlertRule rule) {
          ruleById.put(kv.key, rule);
        }
      }
    }
    // a rule finds its series in the series store of the task that owns its service (on other tasks: none)
    for (AlertRule rule : ruleById.values()) {
      evaluateRule(rule, now, evaluated);
    }
    // alerts not evaluated above: their rule is gone, or their series has no data any more
    List<KeyValue<String, AlertStatus>> rest = new ArrayList<>();
    try (KeyValueIterator<String, AlertStatus> it = alerts.all()) {
      it.forEachRemaining(kv -> {
        if (!evaluated.contains(kv.key)) {
          rest.add(kv);
        }
      });
    }
    long resolvedRetention = config.duration(LighthouseConfig.RESOLVED_RETENTION).toMillis();
    for (KeyValue<String, AlertStatus> kv : rest) {
      AlertStatus a = kv.value;
      AlertRule rule = ruleById.get(a.getRuleId());
      if (rule == null) {
        if (a.getState() == AlertState.FIRING) {
          resolved(a, a, now, null, "rule deleted");
          alerts.put(kv.key, AlertStatus.newBuilder(a).setState(AlertState.RESOLVED).setSince(now).build());
        } else if (a.getState() != AlertState.RESOLVED || nowMs - a.getSince().toEpochMilli() >= resolvedRetention) {
          alerts.delete(kv.key);
        }
        continue;
      }
      Alerts.Step step = Alerts.evaluate(rule, kv.key, a.getLabels(), a, null, now, a.getDeploymentId());
      apply(kv.key, step, now, "no data in the last " + rule.getWindow());
    }
    judgeServices(now);
    notifyGroups(now);
  }

  private void evaluateRule(AlertRule rule, Instant now, Set<String> evaluated) {
    long from = now.toEpochMilli() - DurationValidator.parse(rule.getWindow()).toMillis();
    io.poseidon.processors.lighthouse.Stat stat = io.poseidon.processors.lighthouse.Stat.parse(rule.getStat())
        .orElse(io.poseidon.processors.lighthouse.Stat.AVG);
    try (KeyValueIterator<String, SeriesInfo> it = series.prefixScan(Series.prefix(rule.getService(), rule.getMetric()),
        KEYS)) {
      while (it.hasNext()) {
        KeyValue<String, SeriesInfo> kv = it.next();
        SeriesInfo info = kv.value;
        if (!Series.matches(info.getLabels(), rule.getLabels())) {
          continue;
        }
        String alertId = alertId(rule.getRuleId(), info.getLabels());
        evaluated.add(alertId);
        Aggregate window = window(kv.key, from, now.toEpochMilli());
        Double value = window.isEmpty() ? null : window.stat(stat);
        AlertStatus current = alerts.get(alertId);
        String env = Series.environmentOf(info.getLabels());
        DeploymentEvent deployment = deployments.get(deploymentKey(rule.getService(), env));
        String deploymentId = deployment == null ? null
            : ((EnvironmentStepChanged) deployment.getPayload()).getDeploymentId();
        Alerts.Step step = Alerts.evaluate(rule, alertId, info.getLabels(), current, value, now, deploymentId);
        apply(alertId, step, now, "condition no longer holds");
      }
    }
  }

  private void apply(String alertId, Alerts.Step step, Instant now, String resolvedReason) {
    if (step.status() == null) {
      alerts.delete(alertId);
      return;
    }
    AlertStatus a = step.status();
    // the FIRING state being left (when it started firing); read only for that transition, not every evaluation
    AlertStatus before = step.transition() == Alerts.Transition.RESOLVED ? alerts.get(alertId) : null;
    alerts.put(alertId, a);
    if (step.transition() == Alerts.Transition.RAISED) {
      AlertRule rule = ((AlertRule) rules.get(a.getRuleId()).getPayload());
      AlertRaised raised = AlertRaised.newBuilder()
          .setAlertId(a.getAlertId())
          .setRuleId(a.getRuleId())
          .setService(a.getService())
          .setEnvironment(a.getEnvironment())
          .setMetric(a.getMetric())
          .setLabels(a.getLabels())
          .setSeverity(a.getSeverity())
          .setStat(a.getStat())
          .setOp(a.getOp())
          .setThreshold(a.getThreshold())
          .setValue(a.getValue() == null ? Double.NaN : a.getValue())
          .setActiveSince(a.getActiveSince() != null ? a.getActiveSince() : now)
          .setDeploymentId(a.getDeploymentId())
          .setDescription(rule.getDescription())
          .build();
      context.forward(new Record<String, SpecificRecord>(a.getService(),
          new AlertEvent(alertMeta("lighthouse.AlertRaised", a), raised), now.toEpochMilli()),
          LighthouseTopology.ALERTS_SINK);
      snapshot(a, raised.getActiveSince(), raised.getValue(), "FIRING", null, null, now);
    } else if (step.transition() == Alerts.Transition.RESOLVED) {
      resolved(a, before == null ? a : before, now, a.getValue(), resolvedReason);
    }
  }

  /** @param firing the alert as it was while FIRING: when it became active is {@code firingSince} */
  private void resolved(AlertStatus a, AlertStatus firing, Instant now, Double value, String reason) {
    AlertResolved resolved = AlertResolved.newBuilder()
        .setAlertId(a.getAlertId())
        .setRuleId(a.getRuleId())
        .setService(a.getService())
        .setEnvironment(a.getEnvironment())
        .setMetric(a.getMetric())
        .setLabels(a.getLabels())
        .setSeverity(a.getSeverity())
        .setValue(value)
        .setFiringSince(firing.getActiveSince() != null ? firing.getActiveSince() : firing.getSince())
        .setReason(reason)
        .setDeploymentId(a.getDeploymentId())
        .build();
    context.forward(new Record<String, SpecificRecord>(a.getService(),
        new AlertEvent(alertMeta("lighthouse.AlertResolved", a), resolved), now.toEpochMilli()),
        LighthouseTopology.ALERTS_SINK);
    snapshot(a, resolved.getFiringSince(), value, "RESOLVED", now, reason, now);
  }

  /** The alert's new state, flat, to lighthouse.alert-states (what the JDBC sink keeps as one row per alert). */
  private void snapshot(AlertStatus a, Instant firingSince, Double value, String state, Instant resolvedAt,
      String reason, Instant now) {
    String labels = labelsText(a.getLabels());
    io.poseidon.schemas.lighthouse.AlertSnapshot snapshot = io.poseidon.schemas.lighthouse.AlertSnapshot.newBuilder()
        .setAlertId(a.getAlertId())
        .setRuleId(a.getRuleId())
        .setService(a.getService())
        .setEnvironment(a.getEnvironment())
        .setMetric(a.getMetric())
        .setLabels(labels)
        .setSeverity(a.getSeverity())
        .setStat(String.valueOf(a.getStat()))
        .setOp(Alerts.symbol(a.getOp()))
        .setThreshold(a.getThreshold())
        .setValue(value)
        .setState(state)
        .setFiringSince(firingSince)
        .setResolvedAt(resolvedAt)
        .setReason(reason)
        .setDeploymentId(a.getDeploymentId())
        .setUpdatedAt(now)
        .build();
    context.forward(new Record<String, SpecificRecord>(a.getAlertId(), snapshot, now.toEpochMilli()),
        LighthouseTopology.ALERT_STATES_SINK);
  }

  /** An alert's metadata: caused by the deployment step running in its environment, when there is one. */
  private EventMeta alertMeta(String type, AlertStatus a) {
    DeploymentEvent deployment = a.getEnvironment() == null ? null
        : deployments.get(deploymentKey(a.getService(), a.getEnvironment()));
    if (deployment != null && a.getDeploymentId() != null
        && a.getDeploymentId().equals(((EnvironmentStepChanged) deployment.getPayload()).getDeploymentId())) {
      return EventMetas.causedBy(deployment.getMeta(), type, LighthouseModule.NAME, clock);
    }
    return EventMetas.decided(type, LighthouseModule.NAME, null, clock);
  }

  /** An alert is a rule and a series: {@code <ruleId>{k=v,k2=v2}} (labels in name order, Prometheus style). */
  static String alertId(String ruleId, Map<String, String> labels) {
    StringBuilder b = new StringBuilder(ruleId).append('{');
    new TreeMap<>(labels).forEach((k, v) -> b.append(b.charAt(b.length() - 1) == '{' ? "" : ",").append(k).append('=')
        .append(v));
    return b.append('}').toString();
  }

  static String deploymentKey(String service, String environment) {
    return service + "/" + environment;
  }

  /** The 10 s windows of a series starting in [from, to], merged. */
  private Aggregate window(String key, long from, long to) {
    Aggregate merged = new Aggregate();
    try (WindowStoreIterator<SeriesAggregate> it = windows.get(Resolution.TEN_SECONDS).fetch(key,
        Instant.ofEpochMilli(Resolution.TEN_SECONDS.windowStart(from)), Instant.ofEpochMilli(to))) {
      it.forEachRemaining(kv -> merged.merge(kv.value));
    }
    return merged;
  }

  // --- health ------------------------------------------------------------------------------------

  /** Judges the services this task has data of (their metrics and logs are on its partition). */
  private void judgeServices(Instant now) {
    Map<String, List<AlertStatus>> firing = new HashMap<>();
    try (KeyValueIterator<String, AlertStatus> it = alerts.all()) {
      it.forEachRemaining(kv -> {
        if (kv.value.getState() == AlertState.FIRING) {
          String env = kv.value.getEnvironment() == null ? Series.DEFAULT_ENVIRONMENT : kv.value.getEnvironment();
          firing.computeIfAbsent(Series.serviceEnvironment(kv.value.getService(), env), k -> new ArrayList<>())
              .add(kv.value);
        }
      });
    }
    for (String service : services) {
      judgeService(service, now, firing);
    }
  }

  private void judgeService(String service, Instant now, Map<String, List<AlertStatus>> firing) {
    HealthPolicyEvent policyEvent = policies.get(service);
    HealthPolicy policy = policyEvent != null && policyEvent.getPayload() instanceof HealthPolicy p ? p
        : HealthJudge.defaults(service, config);
    long windowMs = DurationValidator.parse(policy.getWindow()).toMillis();
    long from = now.toEpochMilli() - windowMs;
    Stat stat = Stat.parse(policy.getLatencyStat()).orElse(Stat.P99);

    Map<String, Aggregate> latency = new TreeMap<>();
    Set<String> envs = new TreeSet<>();
    try (KeyValueIterator<String, SeriesInfo> it = series.prefixScan(Series.prefix(service, policy.getLatencyMetric()),
        KEYS)) {
      while (it.hasNext()) {
        KeyValue<String, SeriesInfo> kv = it.next();
        String env = Series.environmentOf(kv.value.getLabels());
        envs.add(env);
        latency.computeIfAbsent(env, e -> new Aggregate()).merge(window(kv.key, from, now.toEpochMilli()));
      }
    }
    Map<String, long[]> lines = new TreeMap<>(); // env → {all, errors}
    try (WindowStoreIterator<LogCounts> it = logCounts.fetch(service, Instant.ofEpochMilli(from - MINUTE + 1),
        now)) {
      it.forEachRemaining(kv -> kv.value.getCounts().forEach((k, n) -> {
        int slash = k.lastIndexOf('/');
        String env = k.substring(0, slash);
        String level = k.substring(slash + 1);
        long[] c = lines.computeIfAbsent(env, e -> new long[2]);
        c[0] += n;
        if (level.equals("ERROR") || level.equals("FATAL")) {
          c[1] += n;
        }
      }));
    }
    envs.addAll(lines.keySet());
    Map<String, Integer> live = new TreeMap<>();
    try (KeyValueIterator<String, InstanceEvent> it = instances.prefixScan(service + "/", KEYS)) {
      it.forEachRemaining(kv -> {
        if (kv.value != null && kv.value.getPayload() instanceof ServiceRegistered r) {
          String env = Objects.requireNonNullElse(r.getMetadata().get(Series.ENVIRONMENT), Series.DEFAULT_ENVIRONMENT);
          live.merge(env, 1, Integer::sum);
        }
      });
    }
    envs.addAll(live.keySet());
    try (KeyValueIterator<String, HealthEvent> it = health.prefixScan(Series.prefix(service), KEYS)) {
      it.forEachRemaining(kv -> envs.add(((ServiceHealthReported) kv.value.getPayload()).getEnvironment()));
    }
    try (KeyValueIterator<String, DeploymentEvent> it = deployments.prefixScan(service + "/", KEYS)) {
      it.forEachRemaining(kv -> envs.add(((EnvironmentStepChanged) kv.value.getPayload()).getEnvironment()));
    }
    firing.keySet().stream().filter(k -> k.startsWith(Series.prefix(service)))
        .forEach(k -> envs.add(k.substring(Series.prefix(service).length())));
    for (String env : envs) {
      String key = Series.serviceEnvironment(service, env);
      HealthEvent previous = health.get(key);
      ServiceHealthReported before = previous == null ? null : (ServiceHealthReported) previous.getPayload();
      List<String> critical = new ArrayList<>();
      List<String> other = new ArrayList<>();
      for (AlertStatus a : firing.getOrDefault(key, List.of())) {
        String text = a.getRuleId() + " (" + a.getStat() + " " + a.getMetric() + " " + format(a.getValue()) + " "
            + Alerts.symbol(a.getOp()) + " " + format(a.getThreshold()) + ")";
        ("critical".equals(a.getSeverity()) ? critical : other).add(text);
      }
      Aggregate lat = latency.get(env);
      long[] c = lines.get(env);
      HealthJudge.Measured m = new HealthJudge.Measured(
          lat == null || lat.isEmpty() ? null : lat.stat(stat), lat == null ? 0 : lat.count(),
          c == null || c[0] == 0 ? null : (double) c[1] / c[0], c == null ? 0 : c[0],
          live.isEmpty() && (before == null || before.getLiveInstances() == null) ? null : live.getOrDefault(env, 0),
          before == null ? null : before.getLiveInstances(), critical, other);
      DeploymentEvent deployment = deployments.get(deploymentKey(service, env));
      String deploymentId = deployment == null ? null
          : ((EnvironmentStepChanged) deployment.getPayload()).getDeploymentId();
      ServiceHealthReported judged = HealthJudge.judge(service, env, policy, m, evidence, deploymentId);
      String step = deployment == null ? null : deployment.getMeta().getEventId();
      // a change of state, of the deployment, or a new step of it (a health gate starting) is reported at
      // once; the numbers of the same findings move every evaluation and are reported every HEALTH_REPEAT
      boolean changed = before == null || before.getState() != judged.getState()
          || !Objects.equals(before.getDeploymentId(), judged.getDeploymentId())
          || !Objects.equals(reportedSteps.get(key), step);
      boolean due = previous != null && now.toEpochMilli() - previous.getMeta().getTime().toEpochMilli()
          >= config.duration(LighthouseConfig.HEALTH_REPEAT).toMillis();
      if (!changed && !due) {
        continue;
      }
      EventMeta meta = deployment != null && Objects.equals(deploymentId, judged.getDeploymentId())
          ? EventMetas.causedBy(deployment.getMeta(), "lighthouse.ServiceHealthReported", LighthouseModule.NAME, clock)
          : EventMetas.decided("lighthouse.ServiceHealthReported", LighthouseModule.NAME, null, clock);
      HealthEvent event = new HealthEvent(meta, judged);
      health.put(key, event);
      reportedSteps.put(key, step);
      context.forward(new Record<String, SpecificRecord>(service, event, now.toEpochMilli()),
          LighthouseTopology.HEALTH_SINK);
    }
  }

  private static String format(Double v) {
    if (v == null) {
      return "-";
    }
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString(v.longValue()) : String.format(java.util.Locale.ROOT,
        "%.2f", v);
  }

  // --- notifications -----------------------------------------------------------------------------

  private void notifyGroups(Instant now) {
    Map<String, List<AlertStatus>> byGroup = new TreeMap<>();
    try (KeyValueIterator<String, AlertStatus> it = alerts.all()) {
      it.forEachRemaining(kv -> {
        AlertStatus a = kv.value;
        if (a.getState() == AlertState.FIRING || a.getState() == AlertState.RESOLVED) {
          byGroup.computeIfAbsent(groupKey(a), k -> new ArrayList<>()).add(a);
        }
      });
    }
    Set<String> keys = new TreeSet<>(byGroup.keySet());
    try (KeyValueIterator<String, NotificationGroup> it = groups.all()) {
      it.forEachRemaining(kv -> keys.add(kv.key));
    }
    long wait = config.duration(LighthouseConfig.GROUP_WAIT).toMillis();
    long interval = config.duration(LighthouseConfig.GROUP_INTERVAL).toMillis();
    long repeat = config.duration(LighthouseConfig.REPEAT_INTERVAL).toMillis();
    for (String key : keys) {
      NotificationGroup group = groups.get(key);
      String notified = group == null || group.getNotifiedFingerprint() == null ? "" : group.getNotifiedFingerprint();
      List<NotifiedAlert> current = new ArrayList<>();
      AlertStatus any = null;
      for (AlertStatus a : byGroup.getOrDefault(key, List.of())) {
        boolean include = a.getState() == AlertState.FIRING
            || notified.contains(a.getAlertId() + ":" + AlertState.FIRING.name() + ";");
        if (include) {
          current.add(new NotifiedAlert(a.getAlertId(), a.getRuleId(), a.getState(), a.getSeverity(), a.getValue(),
              a.getSince(), a.getLabels()));
          any = a;
        }
      }
      if (current.isEmpty()) {
        if (group != null) {
          groups.delete(key);
        }
        continue;
      }
      current.sort((x, y) -> x.getAlertId().compareTo(y.getAlertId()));
      StringBuilder fp = new StringBuilder();
      current.forEach(a -> fp.append(a.getAlertId()).append(':').append(a.getState().name()).append(';'));
      String fingerprint = fp.toString();
      if (group == null) {
        group = NotificationGroup.newBuilder().setGroupKey(key).setService(any.getService())
            .setEnvironment(any.getEnvironment()).setDeploymentId(any.getDeploymentId()).setFirstSeen(now)
            .setAlerts(current).build();
      }
      boolean firingNow = current.stream().anyMatch(a -> a.getState() == AlertState.FIRING);
      String reason = null;
      long nowMs = now.toEpochMilli();
      if (group.getLastNotifiedAt() == null) {
        if (firingNow && nowMs - group.getFirstSeen().toEpochMilli() >= wait) {
          reason = "first";
        }
      } else if (!fingerprint.equals(notified)) {
        if (nowMs - group.getLastNotifiedAt().toEpochMilli() >= interval) {
          reason = "changed";
        }
      } else if (firingNow && nowMs - group.getLastNotifiedAt().toEpochMilli() >= repeat) {
        reason = "repeat";
      }
      NotificationGroup.Builder next = NotificationGroup.newBuilder(group).setAlerts(current);
      if (reason != null) {
        NotificationRequested n = NotificationRequested.newBuilder()
            .setNotificationId(EventMetas.newId())
            .setGroupKey(key)
            .setService(group.getService())
            .setEnvironment(group.getEnvironment())
            .setDeploymentId(group.getDeploymentId())
            .setStatus(firingNow ? "firing" : "resolved")
            .setReason(reason)
            .setAlerts(current)
            .build();
        context.forward(new Record<String, SpecificRecord>(key, new NotificationEvent(
            EventMetas.decided("lighthouse.NotificationRequested", LighthouseModule.NAME, null, clock), n), nowMs),
            LighthouseTopology.NOTIFICATIONS_SINK);
        next.setLastNotifiedAt(now).setNotifiedFingerprint(fingerprint);
      }
      groups.put(key, next.build());
    }
  }

  static String groupKey(AlertStatus a) {
    return a.getService() + "|" + (a.getEnvironment() == null ? "-" : a.getEnvironment()) + "|"
        + (a.getDeploymentId() == null ? "-" : a.getDeploymentId());
  }

  /** Points (and non-numbers) of a service not aggregated because they came too late. */
  static String lateKey(String service) {
    return LATE + service;
  }
}
