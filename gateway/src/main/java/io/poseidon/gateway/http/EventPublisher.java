package io.poseidon.gateway.http;

import io.poseidon.topology.catalog.TopicSpec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces the gateway's events. Kafka I/O stays off the event loop: {@code send} runs on a small
 * executor (it can block on metadata or on the first schema registration), and the acknowledgement
 * completes the returned future back on the caller's Vert.x context. {@code acks=all} with
 * idempotence: a 202 means the event is durably in Kafka.
 */
public final class EventPublisher implements AutoCloseable {

  private final Vertx vertx;
  private final Producer<String, SpecificRecord> producer;
  private final ExecutorService sender;

  public EventPublisher(Vertx vertx, Producer<String, SpecificRecord> producer) {
    this.vertx = vertx;
    this.producer = producer;
    AtomicInteger n = new AtomicInteger();
    this.sender = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "gateway-producer-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  public static Producer<String, SpecificRecord> createProducer(String bootstrapServers,
      Map<String, Object> clientOverrides, Serializer<SpecificRecord> values, String clientId) {
    Map<String, Object> props = new HashMap<>(clientOverrides);
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    return new KafkaProducer<>(props, new StringSerializer(), values);
  }

  public Future<RecordMetadata> publish(TopicSpec topic, String key, SpecificRecord value) {
    Context context = vertx.getOrCreateContext();
    Promise<RecordMetadata> promise = Promise.promise();
    ProducerRecord<String, SpecificRecord> record = new ProducerRecord<>(topic.name(), key, value);
    try {
      sender.execute(() -> {
        try {
          producer.send(record, (metadata, error) -> context.runOnContext(v -> {
            if (error != null) {
              promise.fail(error);
            } else {
              promise.complete(metadata);
            }
          }));
        } catch (RuntimeException e) {
          context.runOnContext(v -> promise.fail(e));
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      promise.fail(new IllegalStateException("gateway is shutting down"));
    }
    return promise.future();
  }

  @Override
  public void close() {
    sender.shutdown();
    producer.close(Duration.ofSeconds(10));
  }
}
