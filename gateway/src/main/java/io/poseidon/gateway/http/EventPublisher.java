package io.poseidon.gateway.http;

import io.poseidon.topology.catalog.TopicSpec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces the gateway's events. Kafka I/O stays off the event loop: {@code send} (serialization,
 * and possibly a wait for metadata or buffer space of at most {@code http.publish.max.block.ms}) runs
 * on a small bounded pool ({@link OffLoop}); when its queue is full the command fails at once with
 * {@link OffLoop.OverloadedException} (503, Retry-After) instead of queueing without bound. The
 * acknowledgement completes the returned future back on the caller's Vert.x context.
 * {@code acks=all} with idempotence: a 202 means the event is durably in Kafka.
 */
public final class EventPublisher implements AutoCloseable {

  private final Producer<String, SpecificRecord> producer;
  private final OffLoop sender;

  public EventPublisher(Vertx vertx, Producer<String, SpecificRecord> producer, int queueCapacity) {
    this.producer = producer;
    this.sender = new OffLoop(vertx, "gateway-producer", 2, queueCapacity);
  }

  /**
   * The gateway's producer: acks=all, idempotent, lz4, linger 5 ms.
   *
   * @param maxBlockMs longest a send waits for metadata or buffer space before it fails (then 503)
   */
  public static Producer<String, SpecificRecord> createProducer(String bootstrapServers,
      Map<String, Object> clientOverrides, Serializer<SpecificRecord> values, String clientId, long maxBlockMs) {
    Map<String, Object> props = new HashMap<>(clientOverrides);
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    // the largest command is a knowledge document (a 1 MiB body); topics that carry them take 4 MiB
    // records, the others answer RecordTooLargeException (413) from the broker
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * 1024 * 1024);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, maxBlockMs);
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
    return new KafkaProducer<>(props, new StringSerializer(), values);
  }

  /** One record (a null value is a tombstone): {@link #publishAll} of one. */
  public Future<RecordMetadata> publish(TopicSpec topic, String key, SpecificRecord value) {
    return publishAll(topic, List.of(new java.util.AbstractMap.SimpleImmutableEntry<>(key, value)))
        .compose(results -> results.get(0) instanceof Throwable error ? Future.failedFuture(error)
            : Future.succeededFuture((RecordMetadata) results.get(0)));
  }

  /**
   * Produces a batch in one hand-off to the sender pool (not one per record) and completes once, back on
   * the caller's context, when every record is acknowledged or failed: each element of the result is
   * the record's metadata or its error. Keys and values may be null (entries such as
   * {@code AbstractMap.SimpleImmutableEntry}); a full sender queue fails the whole batch at once.
   */
  public Future<List<Object>> publishAll(TopicSpec topic, List<Map.Entry<String, SpecificRecord>> records) {
    Context context = Vertx.currentContext();
    Promise<List<Object>> promise = Promise.promise();
    Object[] results = new Object[records.size()];
    java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(records.size());
    Runnable sendAll = () -> {
      for (int i = 0; i < records.size(); i++) {
        int index = i;
        org.apache.kafka.clients.producer.Callback done = (metadata, error) -> {
          results[index] = error != null ? error : metadata;
          if (left.decrementAndGet() == 0) {
            onContext(context, () -> promise.complete(java.util.Arrays.asList(results)));
          }
        };
        try {
          producer.send(new ProducerRecord<>(topic.name(), records.get(i).getKey(), records.get(i).getValue()), done);
        } catch (RuntimeException e) {
          done.onCompletion(null, e);
        }
      }
    };
    if (records.isEmpty()) {
      promise.complete(List.of());
      return promise.future();
    }
    try {
      sender.execute(sendAll);
    } catch (RuntimeException e) {
      promise.fail(e);
    }
    return promise.future();
  }

  private static void onContext(Context context, Runnable action) {
    if (context == null) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }

  @Override
  public void close() {
    sender.close();
    producer.close(Duration.ofSeconds(10));
  }
}
