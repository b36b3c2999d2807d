package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.call;
import static io.poseidon.gateway.node.NodeFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.anchor.AnchorConfig;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * anchor on two nodes of one cluster: a config put sent to the node that does not own the service is
 * forwarded with its If-Match and credentials and decided by the owner (202 with the version, then 412
 * for a stale If-Match), read back through either node; a secret put on one node is revealed through the
 * other; a master key rotation is done only once both nodes' partitions are re-wrapped.
 */
@ExtendWith(PoseidonStackExtension.class)
class AnchorClusterIT {

  @Test
  void shouldDecideOnTheOwnerWhicheverNodeIsAskedAndRotateAcrossTheCluster(TestStack stack) throws Exception {
    Path keys = NodeFixture.MASTER_KEYS_FILE; // what every anchor test node has: the active key is the cluster's
    Map<String, String> settings = Map.of(PoseidonConfig.NODE_SERVICES, "anchor", AnchorConfig.MASTER_KEYS_FILE,
        keys.toString(), AnchorConfig.MASTER_KEY_ID, "k1", AnchorConfig.ROTATION_INTERVAL, "200ms",
        PoseidonConfig.HTTP_AUTH_ANONYMOUS_ROLE, "none");
    String cluster = stack.uniqueName("anchor-cluster") + "-";
    Map<String, String> admin = Map.of("X-API-Key", NodeFixture.ADMIN_KEY);
    try (Node a = NodeFixture.start(stack, stack.uniqueName("a"), cluster, settings);
         Node b = NodeFixture.start(stack, stack.uniqueName("b"), cluster, settings)) {
      until("both nodes ready", Duration.ofSeconds(120),
          () -> get(a, "/ready").statusCode() == 200 && get(b, "/ready").statusCode() == 200);
      Set<String> servedBy = new HashSet<>();
      for (int i = 0; i < 30 && servedBy.size() < 2; i++) {
        String service = stack.uniqueName("svc" + i);
        Node asked = i % 2 == 0 ? a : b;
        Node other = asked == a ? b : a;
        String config = "/api/v1/config/" + service + "/staging";
        HttpResponse<String> put = call(asked, "PUT", config, NodeFixture.with(admin, "If-Match", "0"),
            "{\"values\": {\"pool\": \"" + i + "\"}}");
        assertEquals(202, put.statusCode(), put.body());
        assertEquals(1, new JsonObject(put.body()).getInteger("version"), put.body());
        HttpResponse<String> stale = call(other, "PUT", config, NodeFixture.with(admin, "If-Match", "0"),
            "{\"values\": {\"pool\": \"x\"}}");
        assertEquals(412, stale.statusCode(), "the stale If-Match reached the owner through either node: "
            + stale.body());
        HttpResponse<String> read = call(other, "GET", config, admin, null);
        assertEquals(200, read.statusCode(), read.body());
        assertEquals(Integer.toString(i), new JsonObject(read.body()).getJsonObject("values").getString("pool"));
        servedBy.add(new JsonObject(read.body()).getString("servedBy"));

        String secret = "/api/v1/secrets/" + service + "/staging/token";
        String value = "v-" + java.util.UUID.randomUUID();
        assertEquals(202, call(asked, "PUT", secret, admin, "{\"value\": \"" + value + "\"}").statusCode());
        until("revealed through the other node", Duration.ofSeconds(15), () -> {
          HttpResponse<String> r = call(other, "POST", secret + "/reveal", admin, null);
          return r.statusCode() == 200 && value.equals(new JsonObject(r.body()).getString("value"));
        });
      }
      assertEquals(2, servedBy.size(), "services owned by each node were written through the other: " + servedBy);

      String from = new JsonObject(call(a, "GET", "/api/v1/secrets/rotation", admin, null).body()).getString("activeKeyId");
      String to = from.equals("k1") ? "k2" : "k1";
      HttpResponse<String> rotate = call(a, "POST", "/api/v1/secrets/rotate-master-key", admin,
          "{\"keyId\": \"" + to + "\"}");
      assertEquals(202, rotate.statusCode(), rotate.body());
      until("rotation done on both nodes' partitions", Duration.ofSeconds(60), () -> {
        HttpResponse<String> r = call(b, "GET", "/api/v1/secrets/rotation", admin, null);
        JsonObject progress = r.statusCode() == 200 ? new JsonObject(r.body()) : new JsonObject();
        return progress.getBoolean("done", false) && to.equals(progress.getString("activeKeyId"))
            && progress.getInteger("nodes", 0) == 2;
      });
      JsonObject done = new JsonObject(call(a, "GET", "/api/v1/secrets/rotation", admin, null).body());
      assertEquals(0, done.getInteger("remaining"), done.encode());
      assertTrue(done.getJsonArray("unreachable").isEmpty(), done.encode());
    }
  }

}
