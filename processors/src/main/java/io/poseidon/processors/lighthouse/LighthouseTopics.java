package io.poseidon.processors.lighthouse;

import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.schemas.lighthouse.LogEvent;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.topology.catalog.TopicSpec;
import java.time.Duration;

/**
 * Topics of lighthouse that other services use before lighthouse itself is built: harbor's health
 * gates read {@code lighthouse.service-health}, which the simulated agent writes today, and tide routes
 * metrics and logs to {@code lighthouse.metrics} and {@code lighthouse.logs}. The lighthouse module will
 * own them (and add its own).
 */
public final class LighthouseTopics {

  private LighthouseTopics() {}

  public static final String OWNER = "lighthouse";

  public static final TopicSpec SERVICE_HEALTH = new TopicSpec(
      "lighthouse.service-health", 3, "delete", Duration.ofDays(3),
      "service name (string)", HealthEvent.class, OWNER,
      "Health of each service per environment (ServiceHealthReported); harbor's health gates read it.");

  public static final TopicSpec METRICS = new TopicSpec(
      "lighthouse.metrics", 6, "delete", Duration.ofDays(3),
      "service name (string)", MetricEvent.class, OWNER,
      "Metric batches (many points of one service instance per record), routed by tide.");

  public static final TopicSpec LOGS = new TopicSpec(
      "lighthouse.logs", 6, "delete", Duration.ofDays(7),
      "service name (string)", LogEvent.class, OWNER,
      "Log lines of the services, routed by tide.");
}
