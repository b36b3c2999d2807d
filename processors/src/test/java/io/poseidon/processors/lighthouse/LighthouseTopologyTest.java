package io.poseidon.processors.lighthouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.harbor.HarborTopics;
import io.poseidon.processors.testing.MutableClock;
import io.poseidon.processors.testing.TopologyHarness;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.harbor.StepAction;
import io.poseidon.schemas.harbor.StepStatus;
import io.poseidon.schemas.lighthouse.AlertEvent;
import io.poseidon.schemas.lighthouse.AlertOp;
import io.poseidon.schemas.lighthouse.AlertRaised;
import io.poseidon.schemas.lighthouse.AlertResolved;
import io.poseidon.schemas.lighthouse.AlertRule;
import io.poseidon.schemas.lighthouse.AlertRuleEvent;
import io.poseidon.schemas.lighthouse.AlertState;
import io.poseidon.schemas.lighthouse.AlertStatus;
import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.schemas.lighthouse.HealthState;
import io.poseidon.schemas.lighthouse.LogCounts;
import io.poseidon.schemas.lighthouse.LogEvent;
import io.poseidon.schemas.lighthouse.LogLevel;
import io.poseidon.schemas.lighthouse.LogRecord;
import io.poseidon.schemas.lighthouse.MetricBatch;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.schemas.lighthouse.MetricPoint;
import io.poseidon.schemas.lighthouse.NotificationEvent;
import io.poseidon.schemas.lighthouse.NotificationRequested;
import io.poseidon.schemas.lighthouse.RecentErrors;
import io.poseidon.schemas.lighthouse.SeriesAggregate;
import io.poseidon.schemas.lighthouse.ServiceHealthReported;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LighthouseTopologyTest {

  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final String LATENCY = "http.server.duration";
  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(T0);
  private TopologyHarness harness;
  private TestInputTopic<String, MetricEvent> metrics;
  private TestInputTopic<String, LogEvent> logs;
  private TestInputTopic<String, AlertRuleEvent> rules;
  private TestInputTopic<String, DeploymentEvent> deployments;
  private TestOutputTopic<String, AlertEvent> alerts;
  private TestOutputTopic<String, HealthEvent> health;
  private TestOutputTopic<String, NotificationEvent> notifications;

  private void start(Map<String, String> settings) {
    Map<String, String> all = new HashMap<>(Map.of(LighthouseConfig.EVALUATION_INTERVAL, "1s"));
    all.putAll(settings);
    LighthouseConfig config = LighthouseConfig.of(all);
    harness = new TopologyHarness(LighthouseModule.NAME, () -> LighthouseTopology.build(serdes, config, clock), clock);
    openTopics();
  }

  private void openTopics() {
    metrics = harness.input(LighthouseTopics.METRICS, MetricEvent.class);
    logs = harness.input(LighthouseTopics.LOGS, LogEvent.class);
    rules = harness.input(LighthouseTopics.ALERT_RULES, AlertRuleEvent.class);
    deployments = harness.input(HarborTopics.DEPLOYMENT_EVENTS, DeploymentEvent.class);
    alerts = harness.output(LighthouseTopics.ALERTS, AlertEvent.class);
    health = harness.output(LighthouseTopics.SERVICE_HEALTH, HealthEvent.class);
    notifications = harness.output(LighthouseTopics.NOTIFICATIONS, NotificationEvent.class);
  }

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  // --- windows ---------------------------------------------------------------------------------

  @Test
  void shouldAggregateABatchIntoTenSecondWindowsWithQuantilesWithinTheSketchError() {
    start(Map.of());
    List<MetricPoint> points = new ArrayList<>();
    for (int v = 1; v <= 1000; v++) {
      points.add(point(LATENCY, T0.plusMillis(v), v, Map.of("route", "/pay")));
    }
    send("payments", "prod", points);

    String key = Series.key("payments", LATENCY, Map.of("route", "/pay", "environment", "prod"));
    Aggregate a = Aggregate.of(window(Resolution.TEN_SECONDS).fetch(key, T0.toEpochMilli()));
    assertEquals(1000, a.count());
    assertEquals(500_500, a.sum());
    assertEquals(1, a.min());
    assertEquals(1000, a.max());
    assertEquals(500.5, a.stat(Stat.AVG));
    // exact p99 of 1..1000 is 990; the sketch promises 1% relative error
    assertEquals(990, a.stat(Stat.P99), 990 * 0.01);
    assertEquals(500, a.stat(Stat.P50), 500 * 0.01);
    assertTrue(harness.deadLetters().isEmpty());
  }

  @Test
  void shouldWriteEachChangedWindowToItsChangelogInTheCommitOfTheBatchesThatChangedIt() {
    start(Map.of());
    String key = Series.key("payments", LATENCY, Map.of("environment", "prod"));
    var changelog = harness.changelog("test-lighthouse", Resolution.TEN_SECONDS.store);
    send("payments", "prod", values(T0, 1, 10)); // TopologyTestDriver commits after every record
    assertEquals(1, changelog.readRecordsToList().size(), "the batch's window, written by its commit");
    send("payments", "prod", values(T0.plusSeconds(1), 11, 20));
    var records = changelog.readRecordsToList();
    assertEquals(1, records.size(), "the same window again, once: " + records);
    SeriesAggregate logged = harness.serdes().valueSerde(SeriesAggregate.class).deserializer()
        .deserialize("changelog", records.get(0).value());
    assertEquals(20, logged.getCount(), "what the changelog holds is the window after both batches");
    assertEquals(20, window(Resolution.TEN_SECONDS).fetch(key, T0.toEpochMilli()).getCount());
  }

  @Test
  void shouldRollTenSecondWindowsUpIntoMinutesAndHoursByMergingSketches() {
    start(Map.of());
    List<MetricPoint> points = new ArrayList<>();
    for (int i = 0; i < 600; i++) { // one point every 100 ms for a minute, values 1..600
      points.add(point(LATENCY, T0.plusMillis(100L * i), i + 1, Map.of()));
    }
    send("payments", "prod", points.subList(0, 300));
    send("payments", "prod", points.subList(300, 600));

    String key = Series.key("payments", LATENCY, Map.of("environment", "prod"));
    long tens = 0;
    for (int w = 0; w < 6; w++) {
      tens += window(Resolution.TEN_SECONDS).fetch(key, T0.plusSeconds(10L * w).toEpochMilli()).getCount();
    }
    assertEquals(600, tens);
    // the window the series is in, [50 s, 60 s), is rolled up when the series leaves it
    assertEquals(500, window(Resolution.ONE_MINUTE).fetch(key, T0.toEpochMilli()).getCount());
    send("payments", "prod", List.of(point(LATENCY, T0.plusSeconds(61), 1, Map.of())));
    Aggregate minute = Aggregate.of(window(Resolution.ONE_MINUTE).fetch(key, T0.toEpochMilli()));
    for (Aggregate a : List.of(minute, Aggregate.of(window(Resolution.ONE_HOUR).fetch(key, T0.toEpochMilli())))) {
      assertEquals(600, a.count());
      assertEquals(1, a.min());
      assertEquals(600, a.max());
      assertEquals(594, a.stat(Stat.P99), 594 * 0.01);
    }
    assertNull(window(Resolution.ONE_MINUTE).fetch(key, T0.plusSeconds(60).toEpochMilli()), "the new window is open");

    // a late point of a window already rolled up goes into the coarse windows directly
    send("payments", "prod", List.of(point(LATENCY, T0.plusSeconds(5), 1000, Map.of())));
    assertEquals(601, window(Resolution.ONE_MINUTE).fetch(key, T0.toEpochMilli()).getCount());
    assertEquals(1000, window(Resolution.ONE_MINUTE).fetch(key, T0.toEpochMilli()).getMax());
    assertEquals(101, window(Resolution.TEN_SECONDS).fetch(key, T0.toEpochMilli()).getCount());

    // every change of the minute, flat, on lighthouse.rollups keyed by series and minute: the last one is the final state
    var rollups = harness.output(LighthouseTopics.ROLLUPS, io.poseidon.schemas.lighthouse.MetricRollup.class)
        .readRecordsToList();
    String id = "payments|" + LATENCY + "|environment=prod@" + T0.toEpochMilli();
    assertTrue(rollups.stream().allMatch(r -> r.key().equals(id)), "only the first minute was rolled up: " + rollups);
    List<Long> counts = rollups.stream().map(r -> r.value().getCount()).toList();
    assertEquals(List.of(100L, 200L, 300L, 400L, 500L, 600L, 601L), counts, "one per 10 s window left, then the late point");
    var last = rollups.get(rollups.size() - 1).value();
    assertEquals("payments", last.getService());
    assertEquals(LATENCY, last.getMetric());
    assertEquals("environment=prod", last.getLabels());
    assertEquals("prod", last.getEnvironment());
    assertEquals(T0, last.getWindowStart());
    assertEquals(1, last.getMin());
    assertEquals(1000, last.getMax());
    assertEquals(minute.stat(Stat.P99), rollups.get(rollups.size() - 2).value().getP99(), "the sketch's p99 of the minute");
  }

  @Test
  void shouldCountPointsLaterThanTheGraceAndAggregateThoseWithinIt() {
    start(Map.of(LighthouseConfig.GRACE, "1m"));
    send("payments", "prod", List.of(point(LATENCY, T0.plusSeconds(300), 10, Map.of())), T0.plusSeconds(300));
    // window [4m30s, 4m40s) ends 20 s before the stream's time: within the grace
    send("payments", "prod", List.of(point(LATENCY, T0.plusSeconds(270), 20, Map.of())), T0.plusSeconds(301));
    // window [0, 10s) ended long before: late
    send("payments", "prod", List.of(point(LATENCY, T0, 30, Map.of()), point(LATENCY, T0.plusSeconds(1), 31, Map.of())),
        T0.plusSeconds(302));

    String key = Series.key("payments", LATENCY, Map.of("environment", "prod"));
    assertNotNull(window(Resolution.TEN_SECONDS).fetch(key, T0.plusSeconds(270).toEpochMilli()));
    assertNull(window(Resolution.TEN_SECONDS).fetch(key, T0.toEpochMilli()), "late points are not aggregated");
    assertEquals(2L, harness.<Long>store(LighthouseTopology.COUNTER_STORE).get(LighthouseProcessor.lateKey("payments")));
  }

  // --- logs ------------------------------------------------------------------------------------

  @Test
  void shouldCountLogsByLevelPerMinuteAndKeepTheLastErrors() {
    start(Map.of(LighthouseConfig.RECENT_ERRORS, "2"));
    log("payments", "prod", LogLevel.INFO, "ok", T0);
    log("payments", "prod", LogLevel.ERROR, "card declined", T0.plusSeconds(1));
    log("payments", "prod", LogLevel.ERROR, "timeout", T0.plusSeconds(2));
    log("payments", "prod", LogLevel.FATAL, "out of memory", T0.plusSeconds(3));
    log("payments", "dev", LogLevel.WARN, "slow", T0.plusSeconds(4));

    WindowStore<String, LogCounts> counts = harness.driver().getWindowStore(LighthouseTopology.LOG_COUNTS_STORE);
    assertEquals(Map.of("prod/INFO", 1L, "prod/ERROR", 2L, "prod/FATAL", 1L, "dev/WARN", 1L),
        counts.fetch("payments", T0.toEpochMilli()).getCounts());
    RecentErrors errors = harness.<RecentErrors>store(LighthouseTopology.RECENT_ERRORS_STORE).get("payments");
    assertEquals(List.of("out of memory", "timeout"), errors.getErrors().stream().map(e -> e.getMessage()).toList());
  }

  // --- alerts ----------------------------------------------------------------------------------

  @Test
  void shouldFireAtOnceWithForZeroAndResolveWhenTheSeriesGoesQuiet() {
    start(Map.of());
    rule("p99-high", "payments", Stat.P99, "1m", AlertOp.GT, 500, "0s", Map.of());
    send("payments", "prod", values(T0, 1, 1000));
    harness.advance(Duration.ofSeconds(1));

    AlertRaised raised = assertInstanceOf(AlertRaised.class, alerts.readValue().getPayload());
    assertEquals("p99-high", raised.getRuleId());
    assertEquals("prod", raised.getEnvironment());
    assertEquals(990, raised.getValue(), 10);
    AlertStatus status = alertStatus("p99-high");
    assertEquals(AlertState.FIRING, status.getState());

    harness.advance(Duration.ofSeconds(5));
    assertTrue(alerts.isEmpty(), "FIRING stays FIRING without a second AlertRaised");
    harness.advance(Duration.ofSeconds(70)); // the window has no points any more
    AlertResolved resolved = assertInstanceOf(AlertResolved.class, alerts.readValue().getPayload());
    assertEquals("p99-high", resolved.getRuleId());
    assertEquals(raised.getActiveSince(), resolved.getFiringSince(), "when it became active, not when it resolved");
    assertEquals(AlertState.RESOLVED, alertStatus("p99-high").getState());

    // and each transition, flat, on lighthouse.alert-states keyed by the alert id (what the SQL sink keeps)
    var states = harness.output(LighthouseTopics.ALERT_STATES, io.poseidon.schemas.lighthouse.AlertSnapshot.class)
        .readRecordsToList();
    assertEquals(List.of(raised.getAlertId(), raised.getAlertId()), states.stream().map(r -> r.key()).toList());
    var firing = states.get(0).value();
    var gone = states.get(1).value();
    assertEquals(List.of("FIRING", "RESOLVED"), List.of(firing.getState(), gone.getState()));
    assertEquals("environment=prod", firing.getLabels());
    assertEquals(">", firing.getOp());
    assertEquals(500, firing.getThreshold());
    assertEquals(raised.getValue(), firing.getValue());
    assertEquals(raised.getActiveSince(), firing.getFiringSince());
    assertNull(firing.getResolvedAt());
    assertEquals(firing.getFiringSince(), gone.getFiringSince());
    assertNotNull(gone.getResolvedAt());
    assertEquals(resolved.getReason(), gone.getReason());
  }

  @Test
  void shouldStayPendingUntilTheConditionHeldForItsFor() {
    start(Map.of());
    rule("slow", "payments", Stat.AVG, "1m", AlertOp.GE, 100, "30s", Map.of("environment", "prod"));
    send("payments", "prod", values(T0, 200, 200));
    send("payments", "dev", values(T0, 900, 900));
    harness.advance(Duration.ofSeconds(1));
    assertEquals(AlertState.PENDING, alertStatus("slow").getState());
    assertTrue(alerts.isEmpty());
    for (int i = 1; i <= 3; i++) {
      send("payments", "prod", values(T0.plusSeconds(10L * i), 200, 200));
      harness.advance(Duration.ofSeconds(10));
    }
    AlertRaised raised = assertInstanceOf(AlertRaised.class, alerts.readValue().getPayload());
    assertEquals(Map.of("environment", "prod"), raised.getLabels(), "the dev series does not match the rule's labels");
    assertEquals(T0.plusSeconds(1), raised.getActiveSince());
    assertTrue(alerts.isEmpty());
  }

  @Test
  void shouldDropAPendingAlertWhoseConditionStopsHolding() {
    start(Map.of());
    rule("slow", "payments", Stat.MAX, "10s", AlertOp.GT, 100, "1m", Map.of());
    send("payments", "prod", values(T0, 500, 500));
    harness.advance(Duration.ofSeconds(1));
    assertEquals(AlertState.PENDING, alertStatus("slow").getState());
    harness.advance(Duration.ofSeconds(20));
    assertNull(alertStatus("slow"), "PENDING → INACTIVE is not kept");
    assertTrue(alerts.isEmpty());
  }

  @Test
  void shouldResolveTheAlertsOfADeletedRule() {
    start(Map.of());
    rule("p99-high", "payments", Stat.P99, "1m", AlertOp.GT, 500, "0s", Map.of());
    send("payments", "prod", values(T0, 1, 1000));
    harness.advance(Duration.ofSeconds(1));
    assertInstanceOf(AlertRaised.class, alerts.readValue().getPayload());
    rules.pipeInput("p99-high", null);
    harness.advance(Duration.ofSeconds(1));
    AlertResolved resolved = assertInstanceOf(AlertResolved.class, alerts.readValue().getPayload());
    assertEquals("rule deleted", resolved.getReason());
  }

  @Test
  void shouldGroupNotificationsAndNotNotifyAFlappingAlertEveryTime() {
    start(Map.of(LighthouseConfig.GROUP_WAIT, "10s", LighthouseConfig.GROUP_INTERVAL, "5m",
        LighthouseConfig.REPEAT_INTERVAL, "1h"));
    rule("p99-high", "payments", Stat.MAX, "10s", AlertOp.GT, 500, "0s", Map.of());
    rule("errors", "payments", Stat.COUNT, "10s", AlertOp.GT, 1, "0s", Map.of());
    send("payments", "prod", values(clock.instant(), 600, 605));
    harness.advance(Duration.ofSeconds(1));
    assertEquals(2, alerts.readValuesToList().size());
    harness.advance(Duration.ofSeconds(5));
    assertTrue(notifications.isEmpty(), "group_wait");
    send("payments", "prod", values(clock.instant(), 600, 605));
    harness.advance(Duration.ofSeconds(6));
    NotificationRequested first = (NotificationRequested) notifications.readValue().getPayload();
    assertEquals("first", first.getReason());
    assertEquals("firing", first.getStatus());
    assertEquals(2, first.getAlerts().size(), "both alerts of the service in one notification");
    assertEquals("payments|prod|-", first.getGroupKey());

    // flapping for two and a half minutes: the series goes quiet (resolves) and comes back (fires) again and again
    int raisedAgain = 0;
    for (int i = 0; i < 6; i++) {
      harness.advance(Duration.ofSeconds(25));
      send("payments", "prod", values(clock.instant(), 600, 605));
      harness.advance(Duration.ofSeconds(1));
      raisedAgain += (int) alerts.readValuesToList().stream().filter(e -> e.getPayload() instanceof AlertRaised).count();
    }
    assertTrue(raisedAgain >= 6, "the alerts did flap: " + raisedAgain);
    assertTrue(notifications.isEmpty(), "changes wait for group_interval");
    harness.advance(Duration.ofMinutes(4));
    List<NotificationRequested> later = notifications.readValuesToList().stream()
        .map(e -> (NotificationRequested) e.getPayload()).toList();
    assertEquals(1, later.size(), "one notification per group_interval: " + later);
    assertEquals("changed", later.get(0).getReason());
  }

  // --- health ----------------------------------------------------------------------------------

  @Test
  void shouldJudgeHealthFromLatencyAndErrorsAndReportChanges() {
    start(Map.of());
    send("payments", "prod", values(clock.instant(), 20, 60));
    for (int i = 0; i < 20; i++) {
      log("payments", "prod", LogLevel.INFO, "ok", clock.instant());
    }
    harness.advance(Duration.ofSeconds(1));
    ServiceHealthReported healthy = report(health.readValue());
    assertEquals(HealthState.HEALTHY, healthy.getState());
    assertEquals("prod", healthy.getEnvironment());
    assertTrue(healthy.getHealthy());

    harness.advance(Duration.ofSeconds(1));
    assertTrue(health.isEmpty(), "unchanged: not reported again before lighthouse.health.repeat");

    send("payments", "prod", values(clock.instant(), 2000, 2100));
    harness.advance(Duration.ofSeconds(1));
    ServiceHealthReported bad = report(health.readValue());
    assertEquals(HealthState.UNHEALTHY, bad.getState());
    assertFalse(bad.getHealthy());
    assertTrue(bad.getReasons().get(0).startsWith("http.server.duration p99"), bad.getReasons().toString());

    for (int i = 0; i < 3; i++) {
      log("payments", "staging", LogLevel.ERROR, "boom", clock.instant());
    }
    harness.advance(Duration.ofSeconds(1));
    assertEquals(HealthState.UNKNOWN, report(health.readValue()).getState(),
        "3 lines say too little (lighthouse.health.min.log.lines): nothing to judge staging by");
    for (int i = 0; i < 20; i++) {
      log("payments", "staging", LogLevel.ERROR, "boom", clock.instant());
    }
    harness.advance(Duration.ofSeconds(1));
    ServiceHealthReported staging = report(health.readValue());
    assertEquals("staging", staging.getEnvironment());
    assertEquals(HealthState.UNHEALTHY, staging.getState());
    assertEquals(1.0, staging.getErrorRate());
  }

  @Test
  void shouldReportAgainWhenAHealthGateStartsAndTieAlertsToTheDeployment() {
    start(Map.of());
    rule("p99-high", "checkout", Stat.P99, "1m", AlertOp.GT, 500, "0s", Map.of());
    String deploymentTrace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"; // harbor's span of the step
    DeploymentEvent untraced = step("d-1", "checkout", "prod", StepAction.HEALTH_GATE, StepStatus.RUNNING);
    DeploymentEvent gate = DeploymentEvent.newBuilder(untraced).setMeta(io.poseidon.schemas.common.EventMeta
        .newBuilder(untraced.getMeta()).setTraceparent(deploymentTrace).build()).build();
    deployments.pipeInput("checkout", gate);
    send("checkout", "prod", values(clock.instant(), 900, 1000));
    harness.advance(Duration.ofSeconds(1));

    AlertRaised raised = assertInstanceOf(AlertRaised.class, alerts.readRecord().value().getPayload());
    assertEquals("d-1", raised.getDeploymentId());
    HealthEvent report = health.readValue();
    ServiceHealthReported judged = report(report);
    assertEquals(HealthState.UNHEALTHY, judged.getState());
    assertEquals("d-1", judged.getDeploymentId());
    assertEquals(gate.getMeta().getCorrelationId(), report.getMeta().getCorrelationId());
    // the report and the alert are in the deployment's trace, under harbor's span of the step (not in the
    // trace of a metric batch): harbor's health gate, and a rollback it decides, stay in that trace
    assertEquals(deploymentTrace, report.getMeta().getTraceparent());
    assertTrue(judged.getReasons().stream().anyMatch(r -> r.startsWith("critical alert firing: p99-high")),
        judged.getReasons().toString());

    deployments.pipeInput("checkout", step("d-2", "checkout", "prod", StepAction.HEALTH_GATE, StepStatus.RUNNING));
    send("checkout", "prod", values(clock.instant(), 900, 1000));
    harness.advance(Duration.ofSeconds(1));
    assertEquals("d-2", report(health.readValue()).getDeploymentId(), "a new gate hears the judgement again");
  }

  @Test
  void shouldDeadLetterATombstoneAndGoOn() {
    start(Map.of());
    metrics.pipeInput("payments", null);
    send("payments", "prod", values(T0, 1, 10));
    assertEquals(1, harness.deadLetters().readRecordsToList().size());
    String key = Series.key("payments", LATENCY, Map.of("environment", "prod"));
    assertEquals(10, window(Resolution.TEN_SECONDS).fetch(key, T0.toEpochMilli()).getCount());
  }

  @Test
  void shouldKeepWindowsAcrossARestart() {
    start(Map.of());
    send("payments", "prod", values(T0, 1, 500));
    harness.restart(Resolution.TEN_SECONDS.store, Resolution.ONE_MINUTE.store, Resolution.ONE_HOUR.store,
        LighthouseTopology.SERIES_STORE);
    openTopics();
    send("payments", "prod", values(T0.plusSeconds(1), 501, 1000));
    String key = Series.key("payments", LATENCY, Map.of("environment", "prod"));
    Aggregate a = Aggregate.of(window(Resolution.TEN_SECONDS).fetch(key, T0.toEpochMilli()));
    assertEquals(1000, a.count());
    assertEquals(990, a.stat(Stat.P99), 10);
  }

  // --- helpers ---------------------------------------------------------------------------------

  private WindowStore<String, SeriesAggregate> window(Resolution r) {
    return harness.driver().getWindowStore(r.store);
  }

  private AlertStatus alertStatus(String ruleId) {
    return harness.<AlertStatus>entries(LighthouseTopology.ALERT_STORE).stream().map(kv -> kv.value)
        .filter(a -> a.getRuleId().equals(ruleId) && a.getLabels().getOrDefault("environment", "").equals("prod"))
        .findFirst().orElse(null);
  }

  private static ServiceHealthReported report(HealthEvent e) {
    return (ServiceHealthReported) e.getPayload();
  }

  private static MetricPoint point(String name, Instant time, double value, Map<String, String> labels) {
    return MetricPoint.newBuilder().setName(name).setTime(time).setValue(value).setLabels(labels).setUnit("ms").build();
  }

  private static List<MetricPoint> values(Instant time, int from, int to) {
    List<MetricPoint> points = new ArrayList<>();
    for (int v = from; v <= to; v++) {
      points.add(point(LATENCY, time, v, Map.of()));
    }
    return points;
  }

  private void send(String service, String env, List<MetricPoint> points) {
    send(service, env, points, clock.instant());
  }

  private void send(String service, String env, List<MetricPoint> points, Instant recordTime) {
    MetricBatch batch = MetricBatch.newBuilder().setService(service).setInstance(service + "-1").setPoints(points)
        .setAttributes(Map.of("environment", env)).build();
    metrics.pipeInput(service, new MetricEvent(EventMetas.first("lighthouse.MetricBatch", "test", "tester", null, clock),
        batch), recordTime);
  }

  private void log(String service, String env, LogLevel level, String message, Instant time) {
    LogRecord line = LogRecord.newBuilder().setService(service).setInstance(service + "-1").setLevel(level)
        .setMessage(message).setTime(time).setAttributes(Map.of("environment", env)).build();
    logs.pipeInput(service, new LogEvent(EventMetas.first("lighthouse.LogRecord", "test", "tester", null, clock), line),
        time);
  }

  private void rule(String id, String service, Stat stat, String window, AlertOp op, double threshold, String forD,
      Map<String, String> labels) {
    AlertRule rule = AlertRule.newBuilder().setRuleId(id).setService(service).setMetric(LATENCY)
        .setStat(stat.apiName()).setWindow(window).setOp(op).setThreshold(threshold).setForDuration(forD)
        .setSeverity("critical").setLabels(labels).build();
    rules.pipeInput(id, new AlertRuleEvent(EventMetas.first("lighthouse.AlertRule", "test", "tester", null, clock),
        rule));
  }

  private DeploymentEvent step(String deploymentId, String service, String env, StepAction action, StepStatus status) {
    EnvironmentStepChanged s = EnvironmentStepChanged.newBuilder().setDeploymentId(deploymentId).setService(service)
        .setEnvironment(env).setAction(action).setStatus(status).setAttempt(1).build();
    return new DeploymentEvent(EventMetas.first("harbor.EnvironmentStepChanged", "harbor", "harbor", null, clock), s);
  }
}
