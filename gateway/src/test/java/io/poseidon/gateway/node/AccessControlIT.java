package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.call;
import static io.poseidon.gateway.node.NodeFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Access control across a real two-node cluster: a key created on one node works on the other within
 * seconds, queries forwarded to the owning node carry the caller's credentials (the owner checks them
 * again), and a revocation on one node is refused by the other within seconds.
 */
@ExtendWith(PoseidonStackExtension.class)
class AccessControlIT {

  private static final Map<String, String> SECURED = Map.of(PoseidonConfig.HTTP_AUTH_ANONYMOUS_ROLE, "none",
      PoseidonConfig.NODE_SERVICES, "depths");

  @Test
  void shouldKnowKeysOnEveryNodeForwardCredentialsAndRevokeEverywhere(TestStack stack) throws Exception {
    String cluster = stack.uniqueName("auth") + "-";
    try (Node a = NodeFixture.start(stack, stack.uniqueName("a"), cluster, SECURED);
         Node b = NodeFixture.start(stack, stack.uniqueName("b"), cluster, SECURED)) {
      until("both nodes ready", Duration.ofSeconds(120),
          () -> get(a, "/ready").statusCode() == 200 && get(b, "/ready").statusCode() == 200);
      String registration = "{\"instanceId\":\"i-1\",\"host\":\"h\",\"port\":80,\"ttlSeconds\":300}";
      assertEquals(401, call(a, "POST", "/api/v1/services/s/instances", Map.of(), registration).statusCode());

      HttpResponse<String> created = call(a, "POST", "/api/v1/api-keys", Map.of("X-API-Key", NodeFixture.ADMIN_KEY),
          "{\"name\":\"ci-bot\",\"role\":\"developer\"}");
      assertEquals(201, created.statusCode(), created.body());
      JsonObject key = new JsonObject(created.body());
      assertTrue(key.getBoolean("applied"), "usable on the node that created it when it answers");
      Map<String, String> asBot = Map.of("X-API-Key", key.getString("key"));
      long known = System.nanoTime();
      until("the key known on the other node", Duration.ofSeconds(5),
          () -> call(b, "GET", "/api/v1/services/x/instances", asBot, null).statusCode() == 200);
      System.out.printf("key known on the other node after %d ms%n", (System.nanoTime() - known) / 1_000_000);

      Set<String> servedBy = new HashSet<>();
      for (int i = 0; i < 40 && servedBy.size() < 2; i++) { // until some service lives on each node
        String path = "/api/v1/services/" + stack.uniqueName("svc" + i) + "/instances";
        assertEquals(202, call(b, "POST", path, asBot, registration).statusCode());
        until("listed via a", Duration.ofSeconds(30), () -> {
          HttpResponse<String> r = call(a, "GET", path, asBot, null);
          return r.statusCode() == 200 && new JsonObject(r.body()).getJsonArray("instances").size() == 1;
        });
        HttpResponse<String> viaA = call(a, "GET", path, asBot, null);
        servedBy.add(new JsonObject(viaA.body()).getString("servedBy"));
        HttpResponse<String> anonymous = call(a, "GET", path, Map.of(), null);
        assertEquals(401, anonymous.statusCode(), "no credentials, no forwarding either");
      }
      assertEquals(2, servedBy.size(), "some answers came from the other node, forwarded with the key: " + servedBy);

      HttpResponse<String> revoked = call(b, "DELETE", "/api/v1/api-keys/" + key.getString("keyId"),
          Map.of("X-API-Key", NodeFixture.ADMIN_KEY), null);
      assertEquals(200, revoked.statusCode(), revoked.body());
      assertEquals(401, call(b, "GET", "/api/v1/services/x/instances", asBot, null).statusCode(),
          "refused on the revoking node at once");
      long revokedAt = System.nanoTime();
      until("refused on the other node", Duration.ofSeconds(5),
          () -> call(a, "GET", "/api/v1/services/x/instances", asBot, null).statusCode() == 401);
      System.out.printf("revocation effective on the other node after %d ms%n", (System.nanoTime() - revokedAt) / 1_000_000);
      HttpResponse<String> list = call(a, "GET", "/api/v1/api-keys", Map.of("X-API-Key", NodeFixture.ADMIN_KEY), null);
      assertTrue(list.body().contains("\"revokedAt\""), list.body());
      assertTrue(!list.body().contains(key.getString("key")), "a list never shows a key");
    }
  }
}
