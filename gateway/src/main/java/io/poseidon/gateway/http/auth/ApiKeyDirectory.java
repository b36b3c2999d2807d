package io.poseidon.gateway.http.auth;

import io.poseidon.schemas.access.ApiKey;
import io.poseidon.topology.catalog.TopicSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@link ApiKeys} equal to the topic {@value #TOPIC}: one consumer per node (no group: it
 * reads every partition from the beginning), on its own thread, polling every 100 ms, so a key created
 * or revoked on any node is known here within a second. The node starts serving only once the
 * directory has read up to the end it saw at start-up.
 */
public final class ApiKeyDirectory implements AutoCloseable {

  public static final String TOPIC = "poseidon.api-keys";

  /** The node's own topic (not a service's: every node reads it whatever it runs; never publishable). */
  public static final TopicSpec SPEC = new TopicSpec(TOPIC, 1, "compact", null, "key id (string)", ApiKey.class,
      "gateway", "API keys of the gateway: hash, role, services and revocation; read by every node (docs/security.md).");

  private static final Logger log = LoggerFactory.getLogger(ApiKeyDirectory.class);

  private final ApiKeys keys;
  private final KafkaConsumer<String, ApiKey> consumer;
  private final Thread thread;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private volatile boolean running = true;

  public ApiKeyDirectory(ApiKeys keys, String bootstrapServers, Map<String, Object> clientOverrides,
      Deserializer<ApiKey> values, String nodeId) {
    this.keys = keys;
    Map<String, Object> props = new HashMap<>(clientOverrides);
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "poseidon-api-keys-" + nodeId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), values);
    this.thread = new Thread(this::run, "api-keys-" + nodeId);
    this.thread.setDaemon(true);
  }

  public ApiKeys keys() {
    return keys;
  }

  /** Starts reading; returns once everything written before now was read, or after {@code timeout}. */
  public void start(Duration timeout) {
    List<TopicPartition> partitions = consumer.partitionsFor(TOPIC, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
    thread.start();
    try {
      if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("could not read " + TOPIC + " to its end within " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading " + TOPIC, e);
    }
  }

  /** The end offsets seen at start (set before the thread starts, which makes it visible there). */
  private Map<TopicPartition, Long> end;

  private void run() {
    try {
      while (running) {
        try {
          for (ConsumerRecord<String, ApiKey> record : consumer.poll(Duration.ofMillis(100))) {
            keys.apply(record.key(), record.value());
          }
        } catch (org.apache.kafka.common.errors.RecordDeserializationException e) {
          log.warn("Skipping an unreadable record of {} at offset {}: {}", TOPIC, e.offset(), e.getMessage());
          consumer.seek(e.topicPartition(), e.offset() + 1);
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          log.warn("Reading {} failed ({}); retrying in 1 s", TOPIC, e.toString());
          Thread.sleep(1_000);
        }
        if (caughtUp.getCount() > 0) {
          if (end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
            caughtUp.countDown();
          }
        }
      }
    } catch (WakeupException | InterruptedException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
