package io.poseidon.gateway.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The live hub against Kafka's MockConsumer: one feed consumer per topic whatever the number of clients,
 * resume from the replay buffer or through a catch-up consumer without a gap or a duplicate, and a slow
 * client evicted instead of buffered without bound.
 */
class LiveHubTest {

  private static final String TOPIC = "harbor.deployment-events";
  private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

  private Vertx vertx;
  private LiveHub hub;
  private final List<MockConsumer<byte[], byte[]>> feeds = new CopyOnWriteArrayList<>();
  private final AtomicInteger catchUps = new AtomicInteger();
  /** What the topic holds: offsets 0..history-1 before the test, more appended by {@link #produce}. */
  private final List<ConsumerRecord<byte[], byte[]>> log = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    for (int i = 0; i < 10; i++) {
      log.add(record(i));
    }
    hub = new LiveHub(new LiveHub.Kafka() {
      @Override
      public Consumer<byte[], byte[]> consumer(String clientId, boolean earliest) {
        MockConsumer<byte[], byte[]> c = new MockConsumer<>(earliest ? "earliest" : "latest");
        c.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
        c.updateBeginningOffsets(Map.of(P0, 0L));
        c.updateEndOffsets(Map.of(P0, (long) log.size()));
        if (clientId.contains("catch-up")) {
          catchUps.incrementAndGet();
          c.schedulePollTask(() -> log.forEach(c::addRecord)); // the history as it is now
        } else if (!clientId.contains("offsets")) {
          feeds.add(c);
        }
        return c;
      }

      @Override
      public Function<ConsumerRecord<byte[], byte[]>, LiveMessage> renderer(String topic) {
        return r -> {
          String key = new String(r.key());
          JsonObject value = new JsonObject().put("service", key);
          String json = new JsonObject().put("topic", r.topic()).put("partition", r.partition())
              .put("offset", r.offset()).put("key", key).put("type", "harbor.DeploymentStarted").put("value", value)
              .encode();
          return new LiveMessage(r.topic(), r.partition(), r.offset(), key, "harbor.DeploymentStarted", "", value, json);
        };
      }
    }, "n1", 3, 1 << 20, 100, 2, new SimpleMeterRegistry());
  }

  @AfterEach
  void stop() {
    hub.close();
    vertx.close();
  }

  private static ConsumerRecord<byte[], byte[]> record(long offset) {
    return new ConsumerRecord<>(TOPIC, 0, offset, ("svc-" + (offset % 2)).getBytes(), new byte[0]);
  }

  /** Appends {@code n} records to the topic; the feed consumer reads them. */
  private void produce(int n) {
    for (int i = 0; i < n; i++) {
      ConsumerRecord<byte[], byte[]> r = record(log.size());
      log.add(r);
      feeds.forEach(f -> f.schedulePollTask(() -> f.addRecord(r)));
    }
  }

  /** A sink that records what it was given, on the client's context. */
  static final class Recording implements LiveClient.Sink {
    final List<Long> offsets = new CopyOnWriteArrayList<>();
    final List<String> positions = new CopyOnWriteArrayList<>();
    final AtomicBoolean full = new AtomicBoolean();
    volatile String evicted;

    @Override
    public void write(LiveMessage message, String position) {
      offsets.add(message.offset());
      positions.add(position);
    }

    @Override
    public void flush() {
    }

    @Override
    public boolean writeQueueFull() {
      return full.get();
    }

    @Override
    public void onDrain(Runnable drained) {
    }

    @Override
    public void heartbeat() {
    }

    @Override
    public void evict(String reason) {
      evicted = reason;
    }
  }

  private LiveClient client(Recording sink, StreamFilter filter, int buffer) {
    return new LiveClient(vertx.getOrCreateContext(), sink, filter, buffer, Set.of(TOPIC));
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  private static List<Long> range(long from, long toExclusive) {
    List<Long> out = new ArrayList<>();
    for (long i = from; i < toExclusive; i++) {
      out.add(i);
    }
    return out;
  }

  @Test
  void shouldFeedEveryClientOfATopicFromOneConsumerFromTheEnd() throws Exception {
    List<Recording> sinks = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Recording sink = new Recording();
      sinks.add(sink);
      hub.subscribe(client(sink, StreamFilter.ALL, 100), new LiveHub.Start.Latest());
    }
    assertEquals(1, feeds.size(), "one consumer for 50 clients");
    assertEquals(Map.of(TOPIC, 1), hub.consumers());
    produce(5);
    for (Recording sink : sinks) {
      await("5 events", () -> sink.offsets.size() == 5);
      assertEquals(range(10, 15), sink.offsets, "only what came after it connected");
    }
    assertEquals(TOPIC + ":0:15", sinks.get(0).positions.get(4), "the position is the next offset per partition");
    assertEquals(0, catchUps.get());
  }

  @Test
  void shouldResumeFromTheReplayBufferWithoutAConsumerOfItsOwn() throws Exception {
    Recording first = new Recording();
    hub.subscribe(client(first, StreamFilter.ALL, 100), new LiveHub.Start.Latest());
    produce(5); // offsets 10..14; the buffer keeps the last 3 (12..14)
    await("5 events", () -> first.offsets.size() == 5);

    Recording resumed = new Recording();
    hub.subscribe(client(resumed, StreamFilter.ALL, 100),
        new LiveHub.Start.From(StreamPosition.parse(first.positions.get(2)))); // after offset 12
    await("the rest", () -> resumed.offsets.size() == 2);
    produce(1);
    await("the live one", () -> resumed.offsets.size() == 3);
    assertEquals(List.of(13L, 14L, 15L), resumed.offsets);
    assertEquals(0, catchUps.get(), "served from the buffer");
  }

  @Test
  void shouldCatchUpFromFurtherBackThenJoinTheFeedWithoutAGapOrADuplicate() throws Exception {
    Recording warm = new Recording();
    hub.subscribe(client(warm, StreamFilter.ALL, 100), new LiveHub.Start.Latest());
    produce(6); // 10..15
    await("6 events", () -> warm.offsets.size() == 6);

    Recording history = new Recording();
    hub.subscribe(client(history, StreamFilter.ALL, 1000), new LiveHub.Start.Earliest());
    await("the history", () -> history.offsets.size() == 16);
    produce(2);
    await("then live", () -> history.offsets.size() == 18);
    assertEquals(range(0, 18), history.offsets);
    assertEquals(1, catchUps.get(), "one catch-up consumer, closed once the buffer covered the client");
    await("caught up", () -> hub.clients() == 2);

    Recording behind = new Recording();
    hub.subscribe(client(behind, StreamFilter.ALL, 1000),
        new LiveHub.Start.From(StreamPosition.parse(TOPIC + ":0:4")));
    await("from 4 on", () -> behind.offsets.size() == 14);
    assertEquals(range(4, 18), behind.offsets);
  }

  @Test
  void shouldDeliverOnlyWhatTheFilterTakes() throws Exception {
    Recording odd = new Recording();
    hub.subscribe(client(odd, new StreamFilter(Set.of(), Set.of(), StreamFilter.fields(List.of("service:svc-1"))), 100),
        new LiveHub.Start.Latest());
    Recording byKey = new Recording();
    hub.subscribe(client(byKey, new StreamFilter(Set.of("svc-0"), Set.of("harbor.DeploymentStarted"), List.of()), 100),
        new LiveHub.Start.Latest());
    produce(6);
    await("odd ones", () -> odd.offsets.size() == 3);
    await("even ones", () -> byKey.offsets.size() == 3);
    assertEquals(List.of(11L, 13L, 15L), odd.offsets);
    assertEquals(List.of(10L, 12L, 14L), byKey.offsets);
  }

  @Test
  void shouldEvictASlowClientWithAReasonInsteadOfBufferingWithoutBound() throws Exception {
    Recording slow = new Recording();
    slow.full.set(true); // its connection takes nothing
    LiveClient client = client(slow, StreamFilter.ALL, 3);
    hub.subscribe(client, new LiveHub.Start.Latest());
    Recording fine = new Recording();
    hub.subscribe(client(fine, StreamFilter.ALL, 100), new LiveHub.Start.Latest()); // may get all 5 at once
    produce(5);
    await("evicted", () -> slow.evicted != null);
    assertTrue(slow.evicted.contains("slow consumer"), slow.evicted);
    assertTrue(client.closed());
    assertTrue(slow.offsets.isEmpty());
    await("the others go on", () -> fine.offsets.size() == 5);
    hub.unsubscribe(client, true);
    assertEquals(1, hub.clients());
    assertFalse(fine.evicted != null);
  }

  @Test
  void shouldRefuseMoreClientsThanTheNodeServes() {
    for (int i = 0; i < 100; i++) {
      hub.subscribe(client(new Recording(), StreamFilter.ALL, 10), new LiveHub.Start.Latest());
    }
    org.junit.jupiter.api.Assertions.assertThrows(LiveHub.BusyException.class,
        () -> hub.subscribe(client(new Recording(), StreamFilter.ALL, 10), new LiveHub.Start.Latest()));
  }
}
