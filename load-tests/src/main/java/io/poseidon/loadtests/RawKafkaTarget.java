package io.poseidon.loadtests;

import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.gateway.http.EventPublisher;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.topology.catalog.TopicProvisioner;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Baseline A, raw Kafka: the registration event the gateway would produce (same Avro
 * {@link InstanceEvent}, same Apicurio serializer, same key), sent by a plain KafkaProducer with the
 * gateway's own settings ({@link EventPublisher#createProducer}: acks=all, idempotence, linger 5 ms,
 * lz4) to a topic shaped like {@code depths.registrations} that nothing consumes. Success = the
 * broker acknowledged the record.
 */
public final class RawKafkaTarget implements LoadTarget, AutoCloseable {

  public static final TopicSpec TOPIC = new TopicSpec("bench.raw-registrations",
      DepthsTopics.REGISTRATIONS.partitions(), "delete", Duration.ofHours(1), "service name (string)",
      InstanceEvent.class, "load-tests", "Raw-Kafka baseline of the registration benchmark (nothing consumes it).");

  private final Producer<String, SpecificRecord> producer;
  private final RegistrationWorkload workload;
  private final Clock clock = Clock.systemUTC();

  private RawKafkaTarget(Producer<String, SpecificRecord> producer, RegistrationWorkload workload) {
    this.producer = producer;
    this.workload = workload;
  }

  /** Creates the baseline topic (waiting until it is visible) and the producer. */
  public static RawKafkaTarget create(Admin admin, String bootstrapServers, String registryUrl,
      RegistrationWorkload workload) {
    new TopicProvisioner(admin, (short) 1, 0).ensure(List.of(TOPIC), Duration.ofSeconds(30));
    return new RawKafkaTarget(EventPublisher.createProducer(bootstrapServers, Map.of(),
        SerdeFactory.apicurio(registryUrl).anyValueSerializer(), "bench-raw-kafka",
        (Long) PoseidonConfig.CONFIG.defaultValues().get(PoseidonConfig.HTTP_PUBLISH_MAX_BLOCK_MS)), workload);
  }

  @Override
  public CompletionStage<Outcome> fire(Request request) {
    String service = workload.service(request.index());
    InstanceEvent event = new InstanceEvent(
        EventMetas.first("depths.ServiceRegistered", "bench-raw-kafka", "anonymous", null, clock),
        RegistrationWorkload.registered(service, workload.instanceId(request.index())));
    CompletableFuture<Outcome> acked = new CompletableFuture<>();
    producer.send(new ProducerRecord<>(TOPIC.name(), service, event),
        (metadata, error) -> acked.complete(error == null ? Outcome.ok("ack") : Outcome.of(error)));
    return acked;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
