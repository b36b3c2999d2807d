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
