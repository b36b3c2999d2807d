package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.InstanceHeartbeat;
import io.poseidon.topology.events.EventMetas;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The publisher's bounds: sends run off the event loop on a bounded queue, and a full queue refuses at once. */
@ExtendWith(VertxExtension.class)
class EventPublisherTest {

  private static InstanceEvent heartbeat() {
    return new InstanceEvent(EventMetas.first("depths.InstanceHeartbeat", "test", "ada", null, Clock.systemUTC()),
        InstanceHeartbeat.newBuilder().setService("payments").setInstanceId("i-1").build());
  }

  @Test
  void shouldCompleteWithTheRecordsPositionOnceKafkaAcknowledged(Vertx vertx) throws Exception {
    MockProducer<String, SpecificRecord> producer = new MockProducer<>(true, null, new StringSerializer(),
        (Serializer<SpecificRecord>) (t, v) -> new byte[1]);
    try (EventPublisher publisher = new EventPublisher(vertx, producer, 10)) {
      RecordMetadata md = publisher.publish(DepthsTopics.REGISTRATIONS, "payments", heartbeat())
          .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertEquals("depths.registrations", md.topic());
      assertEquals("payments", producer.history().get(0).key());
    }
  }

  @Test
  void shouldSendABatchInOneHandOffAndNameEachRecordsOutcome(Vertx vertx) throws Exception {
    // autoComplete off: the test decides which record Kafka acknowledges and which it refuses
    MockProducer<String, SpecificRecord> producer = new MockProducer<>(false, null, new StringSerializer(),
        (Serializer<SpecificRecord>) (t, v) -> new byte[1]);
    try (EventPublisher publisher = new EventPublisher(vertx, producer, 1)) {
      List<java.util.Map.Entry<String, SpecificRecord>> batch = List.of(java.util.Map.entry("a", heartbeat()),
          java.util.Map.entry("b", heartbeat()), java.util.Map.entry("c", heartbeat()));
      Future<List<Object>> sent = publisher.publishAll(DepthsTopics.REGISTRATIONS, batch);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (producer.history().size() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(List.of("a", "b", "c"), producer.history().stream().map(r -> r.key()).toList(),
          "a queue of one takes the whole batch: one hand-off");
      assertTrue(producer.completeNext());
      assertTrue(producer.errorNext(new org.apache.kafka.common.errors.TimeoutException("no broker")));
      assertTrue(producer.completeNext());
      List<Object> results = sent.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertInstanceOf(RecordMetadata.class, results.get(0));
      assertInstanceOf(org.apache.kafka.common.errors.TimeoutException.class, results.get(1));
      assertInstanceOf(RecordMetadata.class, results.get(2));
    }
  }

  @Test
  void shouldRefuseAtOnceWhenItsQueueIsFullInsteadOfGrowing(Vertx vertx) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch blocked = new CountDownLatch(1);
    Serializer<SpecificRecord> slow = (topic, value) -> {
      blocked.countDown();
      try {
        release.await(10, TimeUnit.SECONDS); // Kafka cannot take more: the sender threads wait
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new byte[1];
    };
    MockProducer<String, SpecificRecord> producer = new MockProducer<>(true, null, new StringSerializer(), slow);
    try (EventPublisher publisher = new EventPublisher(vertx, producer, 2)) {
      Future<RecordMetadata> first = publisher.publish(DepthsTopics.REGISTRATIONS, "payments", heartbeat());
      assertTrue(blocked.await(5, TimeUnit.SECONDS));
      List<Future<RecordMetadata>> accepted = new ArrayList<>(List.of(first));
      int refused = 0;
      for (int i = 0; i < 10; i++) {
        Future<RecordMetadata> f = publisher.publish(DepthsTopics.REGISTRATIONS, "payments", heartbeat());
        if (f.failed()) {
          assertInstanceOf(OffLoop.OverloadedException.class, f.cause(), "refused without waiting");
          refused++;
        } else {
          accepted.add(f);
        }
      }
      // two sender threads (one waiting for Kafka, one perhaps waiting behind it) and a queue of two
      assertTrue(accepted.size() >= 3 && accepted.size() <= 4, "accepted " + accepted.size());
      assertEquals(11 - accepted.size(), refused);
      release.countDown();
      for (Future<RecordMetadata> f : accepted) {
        f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      }
      assertEquals(accepted.size(), producer.history().size(), "everything accepted was sent");
    }
  }
}
