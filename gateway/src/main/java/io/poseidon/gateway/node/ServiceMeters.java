package io.poseidon.gateway.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.saga.SagaStates;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The platform's own meters of the services a node runs (docs/observability.md, "The platform's own
 * metrics"), beside Kafka Streams' (KIP-613 end-to-end latency, consumer lag, ...):
 *
 * <ul>
 *   <li>{@code poseidon_dead_letters_total{service, stage}}: dead letters sent, by stage
 *       (deserialization, processing, production, delivery);
 *   <li>{@code poseidon_saga_in_flight{service, entity, state}}: saga entities in flight on this node by
 *       state ({@link SagaStates}: counted on transitions, no store scan on a scrape);
 *   <li>{@code poseidon_saga_finished_total{service, entity, state}}: entities that finished, by how.
 * </ul>
 *
 * The hooks reach Kafka Streams as objects in each service's properties ({@link #streamsConfig}); the
 * Streams client's own metrics are bound per service ({@link #bindStreams}), re-read every
 * {@link #KAFKA_METRICS_REFRESH} on one scheduler so a task's metrics appear soon after it is assigned.
 */
final class ServiceMeters implements AutoCloseable {

  /** How often the Kafka Streams metrics are looked at for meters that appeared or went (tasks move). */
  static final Duration KAFKA_METRICS_REFRESH = Duration.ofSeconds(10);
  static final List<String> DEAD_LETTER_STAGES = List.of("deserialization", "processing", "production", "delivery");

  private final MeterRegistry registry;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "poseidon-kafka-metrics");
    t.setDaemon(true);
    return t;
  });

  ServiceMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /** What a service's Streams properties carry so its handlers and processors count: dead letters, saga states. */
  Map<String, Object> streamsConfig(String service) {
    Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    DEAD_LETTER_STAGES.forEach(stage -> deadLetters.put(stage, deadLetterCounter(service, stage)));
    DeadLetters.Counter counter = stage -> deadLetters.computeIfAbsent(stage, s -> deadLetterCounter(service, s))
        .increment();
    SagaStates states = new SagaStates(new SagaStates.Listener() {
      @Override
      public void inFlightAppeared(SagaStates.Key key, AtomicLong count) {
        Gauge.builder("poseidon.saga.in.flight", count, AtomicLong::get)
            .description("Saga entities in flight on this node, by the state they are in")
            .tags(sagaTags(service, key)).strongReference(true).register(registry);
      }

      @Override
      public void finishedDeclared(SagaStates.Key key) {
        finishedCounter(service, key);
      }

      @Override
      public void finished(SagaStates.Key key) {
        finishedCounter(service, key).increment();
      }
    });
    return Map.of(DeadLetters.COUNTER_CONFIG, counter, SagaStates.CONFIG, states);
  }

  /** Kafka Streams' metrics of one service's client, tagged {@code service}. */
  AutoCloseable bindStreams(KafkaStreams streams, String service) {
    KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(streams, Tags.of("service", service), scheduler,
        KAFKA_METRICS_REFRESH);
    metrics.bindTo(registry);
    return metrics;
  }

  private Counter deadLetterCounter(String service, String stage) {
    return Counter.builder("poseidon.dead.letters").description("Records sent to a dead-letter topic, by stage")
        .tag("service", service).tag("stage", stage).register(registry);
  }

  private Counter finishedCounter(String service, SagaStates.Key key) {
    return Counter.builder("poseidon.saga.finished").description("Saga entities that finished, by their final state")
        .tags(sagaTags(service, key)).register(registry);
  }

  private static Tags sagaTags(String service, SagaStates.Key key) {
    return Tags.of("service", service, "entity", key.entity(), "state", key.state());
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
