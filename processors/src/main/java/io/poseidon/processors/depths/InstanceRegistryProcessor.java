package io.poseidon.processors.depths;

import io.poseidon.topology.validation.Ids;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.InstanceExpired;
import io.poseidon.schemas.depths.InstanceHeartbeat;
import io.poseidon.schemas.depths.ServiceDeregistered;
import io.poseidon.schemas.depths.ServiceInstance;
import io.poseidon.schemas.depths.ServiceRegistered;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies registrations, heartbeats and deregistrations to the instance store and expires
 * instances whose TTL elapsed. Idempotent: an event applied once (same eventId as the instance's
 * last event) is not applied again; an older heartbeat never moves the expiry backwards.
 */
final class InstanceRegistryProcessor implements Processor<String, InstanceEvent, String, InstanceEvent> {

  private static final Logger log = LoggerFactory.getLogger(InstanceRegistryProcessor.class);
  static final int EXPIRIES_PER_SCAN = 10_000;

  private final DepthsConfig config;
  private final Clock clock;
  private ProcessorContext<String, InstanceEvent> context;
  private KeyValueStore<String, ServiceInstance> instances;
  private TimerIndex expiries;

  InstanceRegistryProcessor(DepthsConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  @Override
  public void init(ProcessorContext<String, InstanceEvent> context) {
    this.context = context;
    this.instances = context.getStateStore(DepthsTopology.INSTANCE_STORE);
    this.expiries = new TimerIndex(context.getStateStore(DepthsTopology.EXPIRY_STORE));
    context.schedule(config.expiryScanInterval(), PunctuationType.WALL_CLOCK_TIME, this::expire);
  }

  @Override
  public void process(Record<String, InstanceEvent> record) {
    InstanceEvent event = record.value();
    if (event == null) {
      throw new RejectedRecordException("empty value: depths.registrations carries InstanceEvent records");
    }
    Object payload = event.getPayload();
    if (payload instanceof ServiceRegistered registered) {
      onRegistered(record.key(), event.getMeta(), registered);
    } else if (payload instanceof InstanceHeartbeat heartbeat) {
      onHeartbeat(record.key(), event.getMeta(), heartbeat);
    } else if (payload instanceof ServiceDeregistered deregistered) {
      onDeregistered(record.key(), event.getMeta(), deregistered);
    } else {
      throw new RejectedRecordException(event.getMeta().getType()
          + " is decided by depths and not accepted on depths.registrations");
    }
  }

  private void onRegistered(String key, EventMeta meta, ServiceRegistered r) {
    checkKey(key, r.getService());
    Map<String, String> problems = DepthsValidation.check(r, config.maxTtlSeconds());
    require(problems.isEmpty(), Ids.describe(problems));

    String id = DepthsTopology.instanceKey(r.getService(), r.getInstanceId());
    ServiceInstance before = instances.get(id);
    if (before != null && before.getLastEventId().equals(meta.getEventId())) {
      return; // redelivered
    }
    Instant seen = meta.getTime();
    Instant expiresAt = seen.plusSeconds(r.getTtlSeconds());
    ServiceInstance after = ServiceInstance.newBuilder()
        .setService(r.getService())
        .setInstanceId(r.getInstanceId())
        .setHost(r.getHost())
        .setPort(r.getPort())
        .setVersion(r.getVersion())
        .setMetadata(r.getMetadata())
        .setTtlSeconds(r.getTtlSeconds())
        .setRegisteredAt(seen)
        .setLastSeenAt(seen)
        .setExpiresAt(expiresAt)
        .setLastEventId(meta.getEventId())
        .build();
    instances.put(id, after);
    expiries.reschedule(id, before == null ? null : before.getExpiresAt().toEpochMilli(), expiresAt.toEpochMilli());
    if (before == null || !sameDetails(before, after)) {
      emit(key, meta, "depths.ServiceRegistered", r);
    }
  }

  private void onHeartbeat(String key, EventMeta meta, InstanceHeartbeat h) {
    checkKey(key, h.getService());
    String id = DepthsTopology.instanceKey(h.getService(), h.getInstanceId());
    ServiceInstance current = instances.get(id);
    if (current == null) {
      log.debug("Heartbeat for unknown instance {} ignored (never registered, deregistered or expired)", id);
      return;
    }
    if (current.getLastEventId().equals(meta.getEventId()) || !meta.getTime().isAfter(current.getLastSeenAt())) {
      return; // redelivered or older than what we know
    }
    Instant expiresAt = meta.getTime().plusSeconds(current.getTtlSeconds());
    long oldDue = current.getExpiresAt().toEpochMilli();
    instances.put(id, ServiceInstance.newBuilder(current)
        .setLastSeenAt(meta.getTime())
        .setExpiresAt(expiresAt)
        .setLastEventId(meta.getEventId())
        .build());
    expiries.reschedule(id, oldDue, expiresAt.toEpochMilli());
  }

  private void onDeregistered(String key, EventMeta meta, ServiceDeregistered d) {
    checkKey(key, d.getService());
    String id = DepthsTopology.instanceKey(d.getService(), d.getInstanceId());
    ServiceInstance current = instances.get(id);
    if (current == null) {
      return; // already gone: deregistration is idempotent
    }
    instances.delete(id);
    expiries.cancel(id, current.getExpiresAt().toEpochMilli());
    emit(key, meta, "depths.ServiceDeregistered", d);
  }

  /** Punctuator: removes every instance whose expiry time has passed and announces it. */
  void expire(long wallClockMillis) {
    for (TimerIndex.Timer timer : expiries.due(wallClockMillis, EXPIRIES_PER_SCAN)) {
      expiries.cancel(timer.id(), timer.dueAt());
      ServiceInstance instance = instances.get(timer.id());
      if (instance == null || instance.getExpiresAt().toEpochMilli() != timer.dueAt()) {
        continue; // stale timer: deregistered, or a heartbeat moved the expiry
      }
      instances.delete(timer.id());
      InstanceExpired expired = InstanceExpired.newBuilder()
          .setService(instance.getService())
          .setInstanceId(instance.getInstanceId())
          .setLastSeenAt(instance.getLastSeenAt())
          .setTtlSeconds(instance.getTtlSeconds())
          .build();
      EventMeta meta = EventMetas.decided("depths.InstanceExpired", "depths", instance.getLastEventId(), clock);
      log.info("Instance {} expired (last seen {}, ttl {}s)", timer.id(), instance.getLastSeenAt(),
          instance.getTtlSeconds());
      context.forward(new Record<>(instance.getService(), new InstanceEvent(meta, expired), wallClockMillis));
    }
  }

  private void emit(String key, EventMeta cause, String type, Object payload) {
    EventMeta meta = EventMetas.causedBy(cause, type, "depths", clock);
    context.forward(new Record<>(key, new InstanceEvent(meta, payload), meta.getTime().toEpochMilli()));
  }

  private static void checkKey(String key, String service) {
    require(Objects.equals(key, service),
        "record key '" + key + "' must be the service name '" + service + "' (keeps a service's events in one partition)");
  }

  private static void require(boolean ok, String reason) {
    if (!ok) {
      throw new RejectedRecordException(reason);
    }
  }

  private static boolean sameDetails(ServiceInstance a, ServiceInstance b) {
    return a.getHost().equals(b.getHost()) && a.getPort() == b.getPort()
        && Objects.equals(a.getVersion(), b.getVersion()) && a.getMetadata().equals(b.getMetadata())
        && a.getTtlSeconds() == b.getTtlSeconds();
  }
}
