package io.poseidon.processors.lighthouse;

import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.processors.depths.InstanceDirectory;
import io.poseidon.processors.harbor.HarborTopics;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.lighthouse.AlertRuleEvent;
import io.poseidon.schemas.lighthouse.AlertStatus;
import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.schemas.lighthouse.HealthPolicyEvent;
import io.poseidon.schemas.lighthouse.LogCounts;
import io.poseidon.schemas.lighthouse.LogEvent;
import io.poseidon.schemas.lighthouse.MetricEvent;
import io.poseidon.schemas.lighthouse.NotificationEvent;
import io.poseidon.schemas.lighthouse.NotificationGroup;
import io.poseidon.schemas.lighthouse.PendingDelivery;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.schemas.lighthouse.RecentErrors;
import io.poseidon.schemas.lighthouse.SeriesAggregate;
import io.poseidon.schemas.lighthouse.SeriesInfo;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.tracing.TracedProcessor;
import java.time.Clock;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * lighthouse — metrics aggregation, logs, health, alerts and anomalies. One sub-topology reads
 * {@code lighthouse.metrics} and {@code lighthouse.logs} (co-partitioned by service) into
 * {@link LighthouseProcessor}; its stores:
 * <ul>
 *   <li>{@code lighthouse-10s-store}, {@code lighthouse-1m-store}, {@code lighthouse-1h-store}: windows of
 *       every series (count, sum, min, max, DDSketch), retention {@code lighthouse.retention.*};</li>
 *   <li>{@code lighthouse-series-store}: the series of each service (labels, unit, last window, anomaly
 *       baseline);</li>
 *   <li>{@code lighthouse-log-counts-store} (1 min windows) and {@code lighthouse-recent-errors-store};</li>
 *   <li>{@code lighthouse-alert-store}, {@code lighthouse-group-store}, {@code lighthouse-health-store}:
 *       where each alert, alert group and service judgement stands;</li>
 *   <li>{@code lighthouse-counter-store}: late points per service.</li>
 * </ul>
 * Global stores (on every node): {@code lighthouse-rules-store} (alert rules), {@code
 * lighthouse-policy-store} (health policies), {@code lighthouse-instance-store} (depths' live instances),
 * {@code lighthouse-deployment-store} (harbor's latest step per service and environment). It writes
 * {@code lighthouse.alerts}, {@code lighthouse.service-health} and {@code lighthouse.notifications}. A second
 * sub-topology, the webhook participant ({@link WebhookDelivery}, {@code lighthouse-delivery-store}),
 * delivers the notifications to {@code lighthouse.webhook.url} and dead-letters what it cannot.
 */
public final class LighthouseTopology {

  public static final String METRICS_SOURCE = "lighthouse-metrics-source";
  public static final String LOGS_SOURCE = "lighthouse-logs-source";
  public static final String RULES_SOURCE = "lighthouse-rules-source";
  public static final String POLICIES_SOURCE = "lighthouse-policies-source";
  public static final String INSTANCES_SOURCE = "lighthouse-instances-source";
  public static final String DEPLOYMENTS_SOURCE = "lighthouse-deployments-source";
  public static final String PROCESSOR = "lighthouse-processor";
  public static final String ALERTS_SINK = "lighthouse-alerts-sink";
  public static final String ALERT_STATES_SINK = "lighthouse-alert-states-sink";
  public static final String ROLLUPS_SINK = "lighthouse-rollups-sink";
  public static final String HEALTH_SINK = "lighthouse-health-sink";
  public static final String NOTIFICATIONS_SINK = "lighthouse-notifications-sink";
  public static final String SERIES_STORE = "lighthouse-series-store";
  public static final String LOG_COUNTS_STORE = "lighthouse-log-counts-store";
  public static final String RECENT_ERRORS_STORE = "lighthouse-recent-errors-store";
  public static final String COUNTER_STORE = "lighthouse-counter-store";
  public static final String ALERT_STORE = "lighthouse-alert-store";
  public static final String GROUP_STORE = "lighthouse-group-store";
  public static final String HEALTH_STORE = "lighthouse-health-store";
  public static final String RULES_STORE = "lighthouse-rules-store";
  public static final String POLICY_STORE = "lighthouse-policy-store";
  public static final String INSTANCE_STORE = "lighthouse-instance-store";
  public static final String DEPLOYMENT_STORE = "lighthouse-deployment-store";
  public static final String NOTIFICATIONS_SOURCE = "lighthouse-notifications-source";
  public static final String DELIVERY = "lighthouse-webhook-delivery";
  public static final String DELIVERY_STORE = "lighthouse-delivery-store";
  public static final String DELIVERY_DLQ_SINK = "lighthouse-delivery-dlq-sink";

  private LighthouseTopology() {}

  public static Topology build(SerdeFactory serdes, LighthouseConfig config, Clock clock) {
    Serde<String> keys = Serdes.String();
    Serializer<SpecificRecord> values = serdes.anyValueSerializer();
    Topology topology = new Topology();

    topology.addGlobalStore(global(RULES_STORE, serdes.valueSerde(AlertRuleEvent.class)), RULES_SOURCE,
        keys.deserializer(), serdes.valueDeserializer(AlertRuleEvent.class), LighthouseTopics.ALERT_RULES.name(),
        "lighthouse-rules-updater", LighthouseGlobals::rules);
    topology.addGlobalStore(global(POLICY_STORE, serdes.valueSerde(HealthPolicyEvent.class)), POLICIES_SOURCE,
        keys.deserializer(), serdes.valueDeserializer(HealthPolicyEvent.class), LighthouseTopics.HEALTH_POLICIES.name(),
        "lighthouse-policies-updater", LighthouseGlobals::policies);
    topology.addGlobalStore(global(INSTANCE_STORE, serdes.valueSerde(InstanceEvent.class)), INSTANCES_SOURCE,
        keys.deserializer(), serdes.valueDeserializer(InstanceEvent.class), DepthsTopics.INSTANCE_CHANGES.name(),
        "lighthouse-instances-updater", () -> new InstanceDirectory(INSTANCE_STORE));
    topology.addGlobalStore(global(DEPLOYMENT_STORE, serdes.valueSerde(DeploymentEvent.class)), DEPLOYMENTS_SOURCE,
        keys.deserializer(), serdes.valueDeserializer(DeploymentEvent.class), HarborTopics.DEPLOYMENT_EVENTS.name(),
        "lighthouse-deployments-updater", LighthouseGlobals.Deployments::new);

    topology.addSource(METRICS_SOURCE, keys.deserializer(), serdes.valueDeserializer(MetricEvent.class),
        LighthouseTopics.METRICS.name());
    topology.addSource(LOGS_SOURCE, keys.deserializer(), serdes.valueDeserializer(LogEvent.class),
        LighthouseTopics.LOGS.name());
    topology.addProcessor(PROCESSOR, TracedProcessor.of(LighthouseModule.NAME, () -> new LighthouseProcessor(config, clock)),
        METRICS_SOURCE, LOGS_SOURCE);

    Serde<SeriesAggregate> aggregates = serdes.valueSerde(SeriesAggregate.class);
    for (Resolution r : Resolution.values()) {
      // a hot series' window is changed by every batch: its object is, and the store gets it (its sketch
      // encoded) once per commit (SketchWindowStore)
      topology.addStateStore(SketchWindowStore.builder(r.store, r.retention(config).plus(r.size), r.size, aggregates),
          PROCESSOR);
    }
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERIES_STORE), keys,
        serdes.valueSerde(SeriesInfo.class)).withCachingEnabled(), PROCESSOR);
    topology.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(LOG_COUNTS_STORE,
        config.retention1m(), Duration.ofMinutes(1), false), keys, serdes.valueSerde(LogCounts.class))
        .withCachingEnabled(), PROCESSOR);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RECENT_ERRORS_STORE), keys,
        serdes.valueSerde(RecentErrors.class)).withCachingEnabled(), PROCESSOR);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COUNTER_STORE), keys,
        Serdes.Long()).withCachingEnabled(), PROCESSOR);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERT_STORE), keys,
        serdes.valueSerde(AlertStatus.class)), PROCESSOR);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(GROUP_STORE), keys,
        serdes.valueSerde(NotificationGroup.class)), PROCESSOR);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HEALTH_STORE), keys,
        serdes.valueSerde(HealthEvent.class)), PROCESSOR);

    topology.addSink(ALERTS_SINK, LighthouseTopics.ALERTS.name(), keys.serializer(), values, PROCESSOR);
    topology.addSink(ALERT_STATES_SINK, LighthouseTopics.ALERT_STATES.name(), keys.serializer(), values, PROCESSOR);
    topology.addSink(ROLLUPS_SINK, LighthouseTopics.ROLLUPS.name(), keys.serializer(), values, PROCESSOR);
    topology.addSink(HEALTH_SINK, LighthouseTopics.SERVICE_HEALTH.name(), keys.serializer(), values, PROCESSOR);
    topology.addSink(NOTIFICATIONS_SINK, LighthouseTopics.NOTIFICATIONS.name(), keys.serializer(), values, PROCESSOR);

    // the webhook participant: its own sub-topology over the notifications (WebhookDelivery)
    Serde<NotificationEvent> notifications = serdes.valueSerde(NotificationEvent.class);
    topology.addSource(NOTIFICATIONS_SOURCE, keys.deserializer(), notifications.deserializer(),
        LighthouseTopics.NOTIFICATIONS.name());
    topology.addProcessor(DELIVERY, () -> new WebhookDelivery(config, clock), NOTIFICATIONS_SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DELIVERY_STORE), keys,
        serdes.valueSerde(PendingDelivery.class)), DELIVERY);
    topology.addSink(DELIVERY_DLQ_SINK, TopicSpec.deadLetterName(LighthouseModule.NAME), keys.serializer(),
        notifications.serializer(), DELIVERY);
    return topology;
  }

  private static <V> StoreBuilder<org.apache.kafka.streams.state.KeyValueStore<String, V>> global(String name,
      Serde<V> values) {
    return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), values)
        .withLoggingDisabled();
  }
}
