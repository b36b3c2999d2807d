package io.poseidon.processors.lighthouse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.poseidon.processors.testing.MutableClock;
import io.poseidon.processors.testing.TopologyHarness;
import io.poseidon.schemas.lighthouse.AlertState;
import io.poseidon.schemas.lighthouse.NotificationEvent;
import io.poseidon.schemas.lighthouse.NotificationRequested;
import io.poseidon.schemas.lighthouse.NotifiedAlert;
import io.poseidon.topology.errors.DeadLetters;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.serde.SerdeFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The webhook participant against a real HTTP receiver on this machine (the JDK's HttpServer). */
class WebhookDeliveryTest {

  private final SerdeFactory serdes = SerdeFactory.forTopologyTests();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private final List<String> ids = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private HttpServer receiver;
  private TopologyHarness harness;
  private TestInputTopic<String, NotificationEvent> notifications;

  private void start(int failFirst, int attempts) throws IOException {
    failuresLeft.set(failFirst);
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      ids.add(exchange.getRequestHeaders().getFirst("X-Poseidon-Notification-Id"));
      int status = failuresLeft.getAndDecrement() > 0 ? 503 : 204;
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    receiver.start();
    LighthouseConfig config = LighthouseConfig.of(Map.of(
        LighthouseConfig.WEBHOOK_URL, "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
        LighthouseConfig.WEBHOOK_ATTEMPTS, Integer.toString(attempts),
        LighthouseConfig.WEBHOOK_BACKOFF, "1s"));
    harness = new TopologyHarness(LighthouseModule.NAME, () -> LighthouseTopology.build(serdes, config, clock), clock);
    notifications = harness.input(LighthouseTopics.NOTIFICATIONS, NotificationEvent.class);
  }

  @AfterEach
  void stop() {
    if (harness != null) {
      harness.close();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  @Test
  void shouldDeliverANotificationOnceAsJson() throws Exception {
    start(0, 3);
    NotificationRequested n = notification("n-1");
    notifications.pipeInput(n.getGroupKey(), event(n));
    tickUntil(() -> bodies.size() == 1);
    tickUntilDelivered(); // the outcome is applied (when the response reached the client's threads)
    tick();
    tick();
    assertEquals(1, bodies.size(), "delivered once");
    assertEquals(List.of("n-1"), ids);
    assertTrue(bodies.get(0).contains("\"status\":\"firing\"") && bodies.get(0).contains("\"alertId\":\"p99{}\""),
        bodies.get(0));
    assertTrue(harness.entries(LighthouseTopology.DELIVERY_STORE).isEmpty(), "nothing left to deliver");
  }

  @Test
  void shouldRetryWithBackoffUntilTheReceiverTakesIt() throws Exception {
    start(2, 5);
    notifications.pipeInput("g", event(notification("n-2")));
    tickUntil(() -> bodies.size() == 1);
    tick();
    harness.advance(Duration.ofMillis(500));
    assertEquals(1, bodies.size(), "not before its backoff (1 s)");
    harness.advance(Duration.ofMillis(600));
    tickUntil(() -> bodies.size() == 2);
    tick();
    harness.advance(Duration.ofMillis(1900));
    assertEquals(2, bodies.size(), "the second backoff is 2 s");
    harness.advance(Duration.ofMillis(200));
    tickUntil(() -> bodies.size() == 3);
    tickUntilDelivered();
    assertTrue(harness.entries(LighthouseTopology.DELIVERY_STORE).isEmpty());
    assertEquals(List.of("n-2", "n-2", "n-2"), ids, "the same id every time: receivers de-duplicate by it");
    assertTrue(harness.deadLetters().isEmpty());
  }

  @Test
  void shouldDeadLetterANotificationAfterTheLastAttempt() throws Exception {
    start(100, 2);
    notifications.pipeInput("g", event(notification("n-3")));
    tickUntil(() -> bodies.size() == 1);
    tick();
    harness.advance(Duration.ofMillis(1100));
    tickUntil(() -> bodies.size() == 2);
    tick();
    List<TestRecord<byte[], byte[]>> dead = harness.deadLetters().readRecordsToList();
    assertEquals(1, dead.size());
    String reason = DeadLetters.header(dead.get(0).headers(), DeadLetters.HEADER_REASON);
    assertTrue(reason.contains("failed 2 times; last: HTTP 503"), reason);
    assertEquals("delivery", DeadLetters.header(dead.get(0).headers(), DeadLetters.HEADER_STAGE));
    assertTrue(harness.entries(LighthouseTopology.DELIVERY_STORE).isEmpty());
  }

  private void tick() {
    harness.advance(WebhookDelivery.TICK);
  }

  /**
   * Ticks until nothing is left to deliver: the outcome of a call is applied on the tick after its response
   * reached the client, which on a busy machine can be later than the next tick or two.
   */
  private void tickUntilDelivered() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    do {
      tick();
      if (harness.entries(LighthouseTopology.DELIVERY_STORE).isEmpty()) {
        return;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("still to deliver after 10 s: " + harness.entries(LighthouseTopology.DELIVERY_STORE));
  }

  /** Ticks until the receiver saw what it should (the HTTP call completes on the client's own threads). */
  private void tickUntil(BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    tick();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the receiver got " + bodies.size() + " requests");
      }
      Thread.sleep(20);
    }
    Thread.sleep(100); // the response reaches the client
  }

  private NotificationRequested notification(String id) {
    NotifiedAlert alert = new NotifiedAlert("p99{}", "p99", AlertState.FIRING, "critical", 990.0, clock.instant(),
        Map.of());
    return NotificationRequested.newBuilder().setNotificationId(id).setGroupKey("payments|prod|-")
        .setService("payments").setEnvironment("prod").setStatus("firing").setReason("first")
        .setAlerts(List.of(alert)).build();
  }

  private NotificationEvent event(NotificationRequested n) {
    return new NotificationEvent(EventMetas.decided("lighthouse.NotificationRequested", "lighthouse", null, clock), n);
  }
}
