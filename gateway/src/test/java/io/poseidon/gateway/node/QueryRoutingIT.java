package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.get;
import static io.poseidon.gateway.node.NodeFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two nodes of one cluster split depths' partitions; a query sent to either node gets the same
 * answer, served by the node that owns the service's partition (forwarded when it is the other one).
 */
@ExtendWith(PoseidonStackExtension.class)
class QueryRoutingIT {

  @Test
  void shouldAnswerEveryServiceFromEitherNodeViaTheOwner(TestStack stack) throws Exception {
    String cluster = stack.uniqueName("cluster") + "-";
    String idA = stack.uniqueName("a");
    String idB = stack.uniqueName("b");
    try (Node a = NodeFixture.start(stack, idA, cluster); Node b = NodeFixture.start(stack, idB, cluster)) {
      until("both nodes ready", Duration.ofSeconds(120),
          () -> get(a, "/ready").statusCode() == 200 && get(b, "/ready").statusCode() == 200);

      List<String> services = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String service = stack.uniqueName("svc" + i);
        services.add(service);
        HttpResponse<String> r = post(i % 2 == 0 ? a : b, "/api/v1/services/" + service + "/instances",
            "{\"instanceId\":\"i-1\",\"host\":\"h" + i + "\",\"port\":80,\"ttlSeconds\":300}");
        assertEquals(202, r.statusCode(), r.body());
      }

      Set<String> servedBy = new HashSet<>();
      for (String service : services) {
        String path = "/api/v1/services/" + service + "/instances";
        until(service + " listed on both nodes", Duration.ofSeconds(60),
            () -> count(get(a, path)) == 1 && count(get(b, path)) == 1);
        String viaA = new JsonObject(get(a, path).body()).getString("servedBy");
        String viaB = new JsonObject(get(b, path).body()).getString("servedBy");
        assertEquals(viaA, viaB, "both nodes name the same owner of " + service);
        servedBy.add(viaA);
      }
      assertEquals(Set.of(idA, idB), servedBy, "each node owns some services; the other forwards to it");
      assertTrue(get(a, "/ready").statusCode() == 200);
    }
  }

  private static int count(HttpResponse<String> response) {
    return response.statusCode() == 200 ? new JsonObject(response.body()).getJsonArray("instances").size() : -1;
  }
}
