package io.poseidon.processors.lighthouse;

import io.poseidon.schemas.lighthouse.AlertEvent;
import io.poseidon.schemas.lighthouse.AlertRuleEvent;
import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.schemas.lighthouse.HealthPolicyEvent;
import io.poseidon.schemas.lighthouse.LogEvent;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.schemas.lighthouse.NotificationEvent;
import io.poseidon.topology.catalog.TopicSpec;
import java.time.Duration;
import java.util.List;

/**
 * The topics lighthouse owns (its dead-letter topic {@code lighthouse.dlq} comes with its module). tide
 * routes metrics and logs to {@code lighthouse.metrics} and {@code lighthouse.logs}; harbor's health gates
 * read {@code lighthouse.service-health}. Metrics and logs have the same partition count and key
 * (service), so one task holds every series, log counter, alert and health judgement of a service.
 */
public final class LighthouseTopics {

  private LighthouseTopics() {}

  public static final String OWNER = LighthouseModule.NAME;

  public static final TopicSpec METRICS = new TopicSpec(
      "lighthouse.metrics", 6, "delete", Duration.ofDays(3),
      "service name (string)", MetricEvent.class, OWNER,
      "Metric batches (many points of one service instance per record), routed by tide or posted to "
          + "POST /api/v1/metrics.");

  public static final TopicSpec LOGS = new TopicSpec(
      "lighthouse.logs", 6, "delete", Duration.ofDays(7),
      "service name (string)", LogEvent.class, OWNER,
      "Log lines of the services, routed by tide.");

  public static final TopicSpec SERVICE_HEALTH = new TopicSpec(
      "lighthouse.service-health", 3, "delete", Duration.ofDays(3),
      "service name (string)", HealthEvent.class, OWNER,
      "lighthouse's judgement of each service per environment (ServiceHealthReported: HEALTHY | DEGRADED | "
          + "UNHEALTHY | UNKNOWN), on every change and again while a deployment's step changes; harbor's health "
          + "gates read it.");

  public static final TopicSpec HEALTH_POLICIES = new TopicSpec(
      "lighthouse.health-policies", 1, "compact", null,
      "service name (string)", HealthPolicyEvent.class, OWNER,
      "Health thresholds per service (compacted; a tombstone restores the lighthouse.health.* defaults); every "
          + "node reads them all as a global table.");

  public static final TopicSpec ALERT_RULES = new TopicSpec(
      "lighthouse.alert-rules", 1, "compact", null,
      "ruleId (string)", AlertRuleEvent.class, OWNER,
      "Alert rules, the latest per rule (compacted; a tombstone deletes the rule); every node reads them all as "
          + "a global table.");

  public static final TopicSpec ALERTS = new TopicSpec(
      "lighthouse.alerts", 3, "delete", Duration.ofDays(30),
      "service name (string)", AlertEvent.class, OWNER,
      "Alerts that fire and resolve (AlertRaised | AlertResolved) and anomalies (AnomalyDetected); while a "
          + "deployment runs, their correlation id is the deployment's, so workflows' timelines show them.");

  /** The 1 min roll-ups, flat, for sinks and outside readers (compacted per series and minute, kept a week). */
  public static final TopicSpec ROLLUPS = new TopicSpec(
      "lighthouse.rollups", 6, "compact,delete", Duration.ofDays(7),
      "<service>|<metric>|<labels>@<window start ms> (string)", io.poseidon.schemas.lighthouse.MetricRollup.class, OWNER,
      "Each series' 1 min roll-up (MetricRollup: count, sum, min, max, avg, p50-p99), republished whenever a closed "
          + "10 s window or late points are merged into it; what the JDBC sink upserts into lighthouse_metric_rollups.");

  /** What a sink needs of the alerts: flat, the latest per alert (compacted). */
  public static final TopicSpec ALERT_STATES = new TopicSpec(
      "lighthouse.alert-states", 3, "compact", null,
      "alertId (string)", io.poseidon.schemas.lighthouse.AlertSnapshot.class, OWNER,
      "The latest notified state of each alert (AlertSnapshot, flat: FIRING or RESOLVED), one record per "
          + "transition; what the JDBC sink upserts into lighthouse_alerts.");

  public static final TopicSpec NOTIFICATIONS = new TopicSpec(
      "lighthouse.notifications", 3, "delete", Duration.ofDays(7),
      "group key <service>|<environment>|<deploymentId> (string)", NotificationEvent.class, OWNER,
      "Notifications of alert groups (group_wait / group_interval / repeat_interval applied); the webhook "
          + "participant delivers them.");

  static final List<TopicSpec> OWNED = List.of(METRICS, LOGS, SERVICE_HEALTH, HEALTH_POLICIES, ALERT_RULES, ALERTS,
      ALERT_STATES, ROLLUPS, NOTIFICATIONS);
}
