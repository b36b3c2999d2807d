package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.get;
import static io.poseidon.gateway.node.NodeFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.harbor.HarborConfig;
import io.poseidon.processors.sim.SimConfig;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The live stream as a user sees it, on a real node and broker: SSE and WebSocket clients of
 * {@code harbor.deployment-events} receive the events of a deployment started after they connected, all
 * from one consumer; resuming from the last id delivers exactly the later events; {@code from=earliest}
 * reads the history, then goes live.
 */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamIT {

  private static final String TOPIC = "harbor.deployment-events";
  private static final Duration SAGA = Duration.ofSeconds(60);
  private Node node;

  @BeforeAll
  void startNode(TestStack stack) throws Exception {
    node = NodeFixture.start(stack, stack.uniqueName("node"), stack.uniqueName("live") + "-", Map.of(
        PoseidonConfig.NODE_SERVICES, "harbor,sim",
        HarborConfig.DEFAULT_HEALTH_GATE_SECONDS, "1",
        HarborConfig.TIMER_SCAN_INTERVAL_MS, "100",
        SimConfig.DEPLOY_DURATION_MS, "100",
        PoseidonConfig.HTTP_STREAM_REPLAY_RECORDS, "4"));
    until("node ready", Duration.ofSeconds(90), () -> get(node, "/ready").statusCode() == 200);
  }

  @AfterAll
  void stopNode() {
    if (node != null) {
      node.close();
    }
  }

  /** One Server-Sent Event. */
  record Sse(String id, String event, JsonObject data) {}

  /** An SSE client reading on its own thread; {@link #close} drops the connection. */
  final class SseClient implements AutoCloseable {
    final BlockingQueue<Sse> events = new LinkedBlockingQueue<>();
    final List<String> comments = new java.util.concurrent.CopyOnWriteArrayList<>();
    final CompletableFuture<HttpResponse<Stream<String>>> response;
    private volatile Stream<String> lines;

    SseClient(String query, String lastEventId) {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort()
          + "/api/v1/stream?" + query)).header("Accept", "text/event-stream");
      if (lastEventId != null) {
        request.header("Last-Event-ID", lastEventId);
      }
      response = NodeFixture.HTTP.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines());
      response.thenAcceptAsync(r -> {
        lines = r.body();
        String id = null;
        String event = null;
        try {
          for (String line : (Iterable<String>) lines::iterator) {
            if (line.startsWith("id: ")) {
              id = line.substring(4);
            } else if (line.startsWith("event: ")) {
              event = line.substring(7);
            } else if (line.startsWith("data: ")) {
              events.add(new Sse(id, event, new JsonObject(line.substring(6))));
            } else if (line.startsWith(":")) {
              comments.add(line);
            }
          }
        } catch (RuntimeException e) {
          // closed
        }
      });
    }

    int status() throws Exception {
      return response.get(20, TimeUnit.SECONDS).statusCode();
    }

    /** Events until one of type {@code last} (included), at most {@code timeout}. */
    List<Sse> until(String last, Duration timeout) throws InterruptedException {
      List<Sse> out = new ArrayList<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        Sse e = events.poll(200, TimeUnit.MILLISECONDS);
        if (e != null) {
          out.add(e);
          if (e.event().equals(last)) {
            return out;
          }
        }
      }
      throw new AssertionError("no " + last + " within " + timeout + "; got " + out.stream().map(Sse::event).toList());
    }

    @Override
    public void close() {
      response.cancel(true);
      Stream<String> l = lines;
      if (l != null) {
        l.close();
      }
    }
  }

  private String deploy(String service) {
    HttpResponse<String> accepted = post(node, "/api/v1/deployments", "{\"service\":\"" + service
        + "\",\"version\":\"1.0.0\",\"environments\":[\"dev\",\"staging\"],\"strategy\":\"rolling\"}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    return new JsonObject(accepted.body()).getString("deploymentId");
  }

  @Test
  void shouldStreamADeploymentStartedAfterConnectingAndResumeAfterTheLastIdWithoutRepeats(TestStack stack)
      throws Exception {
    String service = stack.uniqueName("svc");
    try (SseClient first = new SseClient("topics=" + TOPIC + "&key=" + service, null)) {
      assertEquals(200, first.status());
      until("the stream is connected", Duration.ofSeconds(10), () -> !first.comments.isEmpty());
      String id = deploy(service);
      List<Sse> events = first.until("harbor.DeploymentFinished", SAGA);
      for (Sse e : events) {
        assertEquals(e.event(), e.data().getString("type"), "event: is the message's type");
        assertEquals(TOPIC, e.data().getString("topic"));
        assertEquals(service, e.data().getString("key"));
        assertEquals(e.id(), e.data().getString("position"), "the SSE id is the message's position");
        assertNotNull(e.data().getJsonObject("value"), e.data().encode());
        assertTrue(e.data().containsKey("offset") && e.data().containsKey("partition") && e.data().containsKey("time"));
      }
      assertTrue(events.stream().allMatch(e -> e.data().encode().contains(id)), "all of the one deployment");
      assertTrue(events.size() >= 6, "queued/started, steps per environment, finished: " + events.size());

      // resume after the third event: exactly the rest, in order, nothing twice
      Sse third = events.get(2);
      try (SseClient resumed = new SseClient("topics=" + TOPIC + "&key=" + service, third.id())) {
        assertEquals(200, resumed.status());
        List<Sse> rest = resumed.until("harbor.DeploymentFinished", Duration.ofSeconds(20));
        assertEquals(offsets(events.subList(3, events.size())), offsets(rest));
      }
      // history older than the replay buffer (4 events) is read with a consumer of its own, then live
      try (SseClient history = new SseClient("topics=" + TOPIC + "&key=" + service + "&from=earliest", null)) {
        List<Sse> all = history.until("harbor.DeploymentFinished", Duration.ofSeconds(20));
        assertEquals(offsets(events), offsets(all));
        String second = deploy(service);
        List<Sse> live = history.until("harbor.DeploymentFinished", SAGA);
        assertTrue(live.stream().allMatch(e -> e.data().encode().contains(second)));
        Set<String> seen = new HashSet<>(offsets(all));
        assertTrue(offsets(live).stream().noneMatch(seen::contains), "no event of the history repeated live");
      }
    }
  }

  private static List<String> offsets(List<Sse> events) {
    return events.stream().map(e -> e.data().getInteger("partition") + "@" + e.data().getLong("offset")).toList();
  }

  @Test
  void shouldFanOneConsumerOutToManySseAndWebSocketClients(TestStack stack) throws Exception {
    String service = stack.uniqueName("fan");
    List<SseClient> sse = new ArrayList<>();
    List<BlockingQueue<JsonObject>> ws = new ArrayList<>();
    List<WebSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        sse.add(new SseClient("topics=" + TOPIC + "&filter=payload.service:" + service, null));
        BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
        ws.add(received);
        sockets.add(NodeFixture.HTTP.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + node.httpPort()
            + "/api/v1/stream?topics=" + TOPIC + "&key=" + service), new WebSocket.Listener() {
              private final StringBuilder text = new StringBuilder();

              @Override
              public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                  received.add(new JsonObject(text.toString()));
                  text.setLength(0);
                }
                socket.request(1);
                return null;
              }
            }).get(20, TimeUnit.SECONDS));
      }
      for (SseClient c : sse) {
        assertEquals(200, c.status());
      }
      until("every client is connected", Duration.ofSeconds(10), () -> sse.stream().allMatch(c -> !c.comments.isEmpty()));
      String id = deploy(service);
      List<String> expected = offsets(sse.get(0).until("harbor.DeploymentFinished", SAGA));
      for (SseClient c : sse.subList(1, sse.size())) {
        assertEquals(expected, offsets(c.until("harbor.DeploymentFinished", Duration.ofSeconds(10))));
      }
      for (BlockingQueue<JsonObject> received : ws) {
        List<String> got = new ArrayList<>();
        while (got.size() < expected.size()) {
          JsonObject m = received.poll(10, TimeUnit.SECONDS);
          assertNotNull(m, "a WebSocket client got " + got.size() + " of " + expected.size() + " events");
          assertTrue(m.encode().contains(id));
          got.add(m.getInteger("partition") + "@" + m.getLong("offset"));
        }
        assertEquals(expected, got);
      }
      String metrics = get(node, "/metrics").body();
      assertTrue(metrics.lines().anyMatch(l -> l.startsWith("poseidon_live_clients{") && l.endsWith(" 40.0")),
          metrics.lines().filter(l -> l.startsWith("poseidon_live")).toList().toString());
      assertTrue(metrics.lines().anyMatch(l -> l.startsWith("poseidon_live_consumers{") && l.endsWith(" 1.0")),
          "one consumer for the topic, however many clients: "
              + metrics.lines().filter(l -> l.startsWith("poseidon_live")).toList());
    } finally {
      sse.forEach(SseClient::close);
      sockets.forEach(s -> s.sendClose(WebSocket.NORMAL_CLOSURE, "done"));
    }
    until("clients gone", Duration.ofSeconds(10), () -> get(node, "/metrics").body().lines()
        .anyMatch(l -> l.startsWith("poseidon_live_clients{") && l.endsWith(" 0.0")));
  }

  @Test
  void shouldReadItsOwnWriteWithThePositionOfThe202(TestStack stack) {
    for (int i = 0; i < 5; i++) {
      String service = stack.uniqueName("ryw");
      HttpResponse<String> accepted = post(node, "/api/v1/deployments", "{\"service\":\"" + service
          + "\",\"version\":\"1.0.0\",\"environments\":[\"dev\"],\"strategy\":\"rolling\"}");
      assertEquals(202, accepted.statusCode(), accepted.body());
      JsonObject body = new JsonObject(accepted.body());
      String token = accepted.headers().firstValue("Poseidon-Position").orElseThrow();
      assertEquals(body.getJsonObject("position").getString("token"), token);
      assertTrue(token.startsWith("harbor.deployment-commands:"), token);

      // at once, with the position: the store has processed the command, the deployment is there
      HttpResponse<String> read = get(node, "/api/v1/deployments/" + body.getString("deploymentId") + "?after=" + token);
      assertEquals(200, read.statusCode(), read.body());
      assertEquals(service, new JsonObject(read.body()).getString("service"));
      assertEquals(node.config().nodeId(), read.headers().firstValue("Poseidon-Served-By").orElseThrow());
      assertEquals("active", read.headers().firstValue("Poseidon-Replica").orElseThrow());
      assertTrue(Long.parseLong(read.headers().firstValue("Poseidon-Lag").orElse("0")) >= 0);

      HttpResponse<String> byHeader = NodeFixture.call(node, "GET", "/api/v1/services/" + service + "/versions",
          Map.of("Poseidon-Position", token), null);
      assertEquals(200, byHeader.statusCode(), byHeader.body());
    }
    String somewhere = "/api/v1/deployments/x.1?timeout=300ms&after=harbor.deployment-commands:0:";
    HttpResponse<String> future = NodeFixture.call(node, "GET", "/api/v1/services/nobody/versions?timeout=300ms&after="
        + "harbor.deployment-commands:0:999999999,harbor.deployment-commands:1:999999999,"
        + "harbor.deployment-commands:2:999999999", Map.of(), null);
    assertEquals(504, future.statusCode(), future.body());
    assertTrue(future.headers().firstValue("Retry-After").isPresent());
    assertTrue(future.body().contains("position_not_reached"), future.body());
    HttpResponse<String> bad = get(node, somewhere + "x");
    assertEquals(400, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("\"after\""), bad.body());
  }

  @Test
  void shouldPageDeploymentsWithoutRepeatsOrGapsWhileNewOnesArrive(TestStack stack) {
    String service = stack.uniqueName("pages");
    List<String> started = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      started.add(startDeployment(service));
    }
    String list = "/api/v1/deployments?limit=2&service=" + service;
    until("six deployments listed", Duration.ofSeconds(30), () ->
        new JsonObject(get(node, "/api/v1/deployments?service=" + service).body()).getJsonArray("deployments").size() == 6);
    List<String> expected = new JsonObject(get(node, "/api/v1/deployments?service=" + service).body())
        .getJsonArray("deployments").stream().map(d -> ((JsonObject) d).getString("deploymentId")).toList();
    assertEquals(new java.util.TreeSet<>(started), new java.util.TreeSet<>(expected));
    List<java.time.Instant> times = new JsonObject(get(node, "/api/v1/deployments?service=" + service).body())
        .getJsonArray("deployments").stream().map(d -> java.time.Instant.parse(((JsonObject) d).getString("requestedAt")))
        .toList();
    for (int i = 1; i < times.size(); i++) {
      assertFalse(times.get(i).isAfter(times.get(i - 1)), "newest first: " + times);
    }
    List<String> seen = new ArrayList<>();
    HttpResponse<String> page = get(node, list);
    for (int n = 0; n < 10; n++) {
      assertEquals(200, page.statusCode(), page.body());
      JsonObject body = new JsonObject(page.body());
      body.getJsonArray("deployments").forEach(d -> seen.add(((JsonObject) d).getString("deploymentId")));
      String cursor = body.getString("nextCursor");
      if (cursor == null) {
        break;
      }
      // a write between every two pages: newer than everything listed, so it sorts before the cursor
      String newer = startDeployment(service);
      until(newer + " listed", Duration.ofSeconds(30), () -> get(node, "/api/v1/deployments?service=" + service
          + "&limit=500").body().contains(newer));
      page = get(node, list + "&cursor=" + cursor);
    }
    assertEquals(expected, seen, "each of the six exactly once, in order, whatever was written meanwhile");
    assertEquals(8, new JsonObject(get(node, "/api/v1/deployments?service=" + service).body())
        .getJsonArray("deployments").size(), "the two written between the three pages are on a fresh first page");
  }

  private String startDeployment(String service) {
    HttpResponse<String> accepted = post(node, "/api/v1/deployments", "{\"service\":\"" + service
        + "\",\"version\":\"1.0.0\",\"environments\":[\"dev\"],\"strategy\":\"rolling\"}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    return new JsonObject(accepted.body()).getString("deploymentId");
  }

  @Test
  void shouldRefuseWhatItCannotStream() {
    HttpResponse<String> noAccept = get(node, "/api/v1/stream?topics=" + TOPIC);
    assertEquals(406, noAccept.statusCode(), noAccept.body());
    HttpResponse<String> unknown = NodeFixture.call(node, "GET", "/api/v1/stream?topics=nope.topic,harbor.dlq",
        Map.of("Accept", "text/event-stream"), null);
    assertEquals(400, unknown.statusCode(), unknown.body());
    assertTrue(unknown.body().contains("nope.topic") && unknown.body().contains("harbor.dlq"), unknown.body());
    HttpResponse<String> badFrom = NodeFixture.call(node, "GET", "/api/v1/stream?topics=" + TOPIC
        + "&from=forge.pipeline-events:0:1", Map.of("Accept", "text/event-stream"), null);
    assertEquals(400, badFrom.statusCode(), badFrom.body());
    assertTrue(badFrom.body().contains("\"from\""), badFrom.body());
    HttpResponse<String> badFilter = NodeFixture.call(node, "GET", "/api/v1/stream?topics=" + TOPIC
        + "&filter=service", Map.of("Accept", "text/event-stream"), null);
    assertEquals(400, badFilter.statusCode(), badFilter.body());
    HttpResponse<String> anchor = NodeFixture.call(node, "GET", "/api/v1/stream?topics=anchor.audit",
        Map.of("Accept", "text/event-stream"), null);
    assertEquals(403, anchor.statusCode(), "anchor's topics are for admins: " + anchor.body());
    assertFalse(anchor.body().isEmpty());
  }
}
