package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.get;
import static io.poseidon.gateway.node.NodeFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node of two stops without leaving its consumer group (as a crash does: static members never leave):
 * the other node answers every key at once — the crashed node's keys from its standby replicas, marked
 * {@code Poseidon-Replica: standby} — and, once it removed the crashed node's members (it refuses
 * connections), takes the tasks over as active well before the 45 s session timeout.
 */
@ExtendWith(PoseidonStackExtension.class)
class FailoverIT {

  @Test
  void shouldAnswerFromStandbysAtOnceAndTakeOverWellBeforeTheSessionTimeout(TestStack stack) throws Exception {
    String cluster = stack.uniqueName("failover") + "-";
    Map<String, String> settings = Map.of(PoseidonConfig.STREAMS_NUM_STANDBY_REPLICAS, "1");
    Node a = NodeFixture.start(stack, stack.uniqueName("a"), cluster, settings);
    Node b = NodeFixture.start(stack, stack.uniqueName("b"), cluster, settings);
    try {
      until("both nodes ready", Duration.ofSeconds(120),
          () -> get(a, "/ready").statusCode() == 200 && get(b, "/ready").statusCode() == 200);
      List<String> paths = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String service = stack.uniqueName("svc" + i);
        HttpResponse<String> r = post(a, "/api/v1/services/" + service + "/instances",
            "{\"instanceId\":\"i-1\",\"host\":\"h" + i + "\",\"port\":80,\"ttlSeconds\":600}");
        assertEquals(202, r.statusCode(), r.body());
        paths.add("/api/v1/services/" + service + "/instances");
      }
      String bId = b.config().nodeId();
      until("every service listed, some owned by b, their standbys on a caught up", Duration.ofSeconds(60), () ->
          paths.stream().allMatch(p -> count(get(a, p)) == 1)
              && paths.stream().anyMatch(p -> bId.equals(get(a, p).headers().firstValue("Poseidon-Served-By").orElse("")))
              && paths.stream().allMatch(p -> count(get(b, p)) == 1));
      Thread.sleep(1_000); // the standby copy on a reads b's changelog writes

      b.close(); // its port closes; its static members stay in the groups, as after a kill -9
      long crashed = System.nanoTime();
      Map<String, Integer> statuses = new java.util.TreeMap<>();
      long lastFailure = -1;
      java.util.Set<String> failures = new java.util.LinkedHashSet<>();
      long firstAllAnswered = -1;
      long allActive = -1;
      while (System.nanoTime() - crashed < Duration.ofSeconds(30).toNanos() && allActive < 0) {
        boolean all200 = true;
        boolean active = true;
        for (String p : paths) {
          HttpResponse<String> r = raw(a, p);
          statuses.merge(r.statusCode() + (r.statusCode() == 200 ? " " + r.headers().firstValue("Poseidon-Replica")
              .orElse("") : " " + new JsonObject(r.body()).getString("code")), 1, Integer::sum);
          all200 &= r.statusCode() == 200 && count(r) == 1;
          active &= r.statusCode() == 200 && "active".equals(r.headers().firstValue("Poseidon-Replica").orElse(""));
          if (r.statusCode() != 200) {
            lastFailure = System.nanoTime();
            failures.add(r.body());
            assertTrue(r.headers().firstValue("Retry-After").isPresent(), "a failed read says when to retry: " + r.body());
          }
        }
        long now = System.nanoTime();
        if (all200 && firstAllAnswered < 0) {
          firstAllAnswered = now;
        }
        if (active) {
          allActive = now;
        }
        Thread.sleep(50);
      }
      System.out.printf("FailoverIT: every key answered %d ms after the crash, last failed answer at %d ms, all by actives "
          + "after %d ms; answers %s%n", (firstAllAnswered - crashed) / 1_000_000,
          lastFailure < 0 ? -1 : (lastFailure - crashed) / 1_000_000, (allActive - crashed) / 1_000_000, statuses);
      failures.stream().map(f -> new JsonObject(f).getString("message")).distinct().limit(5)
          .forEach(m -> System.out.println("FailoverIT: failed with " + m));
      assertTrue(firstAllAnswered > 0 && firstAllAnswered - crashed < Duration.ofSeconds(1).toNanos(),
          "every key answered (standbys for b's) within 1 s: " + statuses);
      assertTrue(lastFailure < 0 || lastFailure - crashed < Duration.ofSeconds(1).toNanos(),
          "no failed answer later than 1 s after the crash: " + statuses + " " + failures);
      assertTrue(allActive > 0 && allActive - crashed < Duration.ofSeconds(10).toNanos(),
          "b's tasks active on a long before the 45 s session timeout: " + statuses);
    } finally {
      a.close();
    }
  }

  /** One GET, no retries: what a client sees. */
  private static HttpResponse<String> raw(Node node, String path) throws Exception {
    return NodeFixture.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int count(HttpResponse<String> response) {
    return response.statusCode() == 200 ? new JsonObject(response.body()).getJsonArray("instances").size() : -1;
  }
}
