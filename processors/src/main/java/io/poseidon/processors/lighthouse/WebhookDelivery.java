package io.poseidon.processors.lighthouse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.poseidon.schemas.lighthouse.NotificationEvent;
import io.poseidon.schemas.lighthouse.NotificationRequested;
import io.poseidon.schemas.lighthouse.PendingDelivery;
import io.poseidon.topology.errors.DeadLetters;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook participant: delivers every notification of {@code lighthouse.notifications} as a JSON POST
 * to {@code lighthouse.webhook.url}. A notification waits in {@code lighthouse-delivery-store} until it is
 * delivered (a 2xx answer), so a restart loses none; the HTTP calls run asynchronously (the stream thread
 * never waits on a receiver) and their outcomes are applied at the next tick. A failed attempt is tried
 * again after {@code lighthouse.webhook.backoff} × 2^(attempts − 1) (at most 1 min); after
 * {@code lighthouse.webhook.attempts} attempts the notification goes to {@code lighthouse.dlq} with the
 * last error as its reason. Delivery is at least once: receivers de-duplicate by the
 * {@code X-Poseidon-Notification-Id} header (= {@code notificationId}).
 */
final class WebhookDelivery implements Processor<String, NotificationEvent, String, NotificationEvent> {

  private static final Logger log = LoggerFactory.getLogger(WebhookDelivery.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  static final Duration TICK = Duration.ofMillis(200);
  static final int MAX_IN_FLIGHT = 16;
  static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  private final LighthouseConfig config;
  private final Clock clock;
  private final URI url;
  private final HttpClient http;
  private ProcessorContext<String, NotificationEvent> context;
  private KeyValueStore<String, PendingDelivery> pending;
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();

  private record Outcome(String id, String error) {}

  WebhookDelivery(LighthouseConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    String target = config.getString(LighthouseConfig.WEBHOOK_URL);
    this.url = target == null || target.isBlank() ? null : URI.create(target.trim());
    this.http = url == null ? null : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  @Override
  public void init(ProcessorContext<String, NotificationEvent> context) {
    this.context = context;
    this.pending = context.getStateStore(LighthouseTopology.DELIVERY_STORE);
    inFlight.clear();
    outcomes.clear();
    if (url != null) {
      context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, this::tick);
    }
  }

  @Override
  public void process(Record<String, NotificationEvent> record) {
    if (url == null || record.value() == null || !(record.value().getPayload() instanceof NotificationRequested n)) {
      return; // no receiver configured: notifications stay on their topic for whoever consumes them
    }
    if (pending.get(n.getNotificationId()) == null) {
      pending.put(n.getNotificationId(), new PendingDelivery(record.key(), record.value(), 0, clock.instant(), null));
    }
  }

  void tick(long now) {
    Outcome outcome;
    while ((outcome = outcomes.poll()) != null) {
      inFlight.remove(outcome.id());
      PendingDelivery p = pending.get(outcome.id());
      if (p == null) {
        continue;
      }
      if (outcome.error() == null) {
        pending.delete(outcome.id());
        continue;
      }
      int attempts = p.getAttempts() + 1;
      if (attempts >= config.getInt(LighthouseConfig.WEBHOOK_ATTEMPTS)) {
        String reason = "webhook delivery to " + url + " failed " + attempts + " times; last: " + outcome.error();
        log.warn("Notification {} dead-lettered: {}", outcome.id(), reason);
        Record<String, NotificationEvent> dead = new Record<>(p.getKey(), p.getNotification(), now,
            DeadLetters.headers("delivery", reason, LighthouseModule.NAME));
        context.forward(dead, LighthouseTopology.DELIVERY_DLQ_SINK);
        DeadLetters.counter(context.appConfigs()).deadLettered("delivery");
        pending.delete(outcome.id());
      } else {
        pending.put(outcome.id(), PendingDelivery.newBuilder(p).setAttempts(attempts).setLastError(outcome.error())
            .setDueAt(Instant.ofEpochMilli(now).plus(backoff(attempts))).build());
      }
    }
    List<KeyValue<String, PendingDelivery>> due = new ArrayList<>();
    try (KeyValueIterator<String, PendingDelivery> it = pending.all()) {
      while (it.hasNext() && inFlight.size() + due.size() < MAX_IN_FLIGHT) {
        KeyValue<String, PendingDelivery> kv = it.next();
        if (!inFlight.contains(kv.key) && kv.value.getDueAt().toEpochMilli() <= now) {
          due.add(kv);
        }
      }
    }
    due.forEach(kv -> send(kv.key, kv.value));
  }

  Duration backoff(int attempts) {
    Duration first = config.duration(LighthouseConfig.WEBHOOK_BACKOFF);
    Duration d = first.multipliedBy(1L << Math.min(attempts - 1, 20));
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }

  private void send(String id, PendingDelivery p) {
    inFlight.add(id);
    HttpRequest request = HttpRequest.newBuilder(url)
        .timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/json")
        .header("X-Poseidon-Notification-Id", id)
        .POST(HttpRequest.BodyPublishers.ofString(body((NotificationRequested) p.getNotification().getPayload())))
        .build();
    http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
      if (error != null) {
        outcomes.add(new Outcome(id, error.getClass().getSimpleName() + ": " + error.getMessage()));
      } else if (response.statusCode() / 100 != 2) {
        outcomes.add(new Outcome(id, "HTTP " + response.statusCode()));
      } else {
        outcomes.add(new Outcome(id, null));
      }
    });
  }

  /** What a receiver gets: the notification as JSON (Alertmanager-like: status, group, alerts). */
  static String body(NotificationRequested n) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("notificationId", n.getNotificationId());
    json.put("status", n.getStatus());
    json.put("reason", n.getReason());
    json.put("groupKey", n.getGroupKey());
    json.put("service", n.getService());
    json.put("environment", n.getEnvironment());
    json.put("deploymentId", n.getDeploymentId());
    List<Map<String, Object>> alerts = new ArrayList<>();
    n.getAlerts().forEach(a -> {
      Map<String, Object> alert = new LinkedHashMap<>();
      alert.put("alertId", a.getAlertId());
      alert.put("ruleId", a.getRuleId());
      alert.put("state", a.getState().name());
      alert.put("severity", a.getSeverity());
      alert.put("value", a.getValue());
      alert.put("since", a.getSince().toString());
      alert.put("labels", a.getLabels());
      alerts.add(alert);
    });
    json.put("alerts", alerts);
    try {
      return JSON.writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
