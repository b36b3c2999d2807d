package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.delete;
import static io.poseidon.gateway.node.NodeFixture.get;
import static io.poseidon.gateway.node.NodeFixture.put;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * oracle on two nodes of one cluster, over HTTP as a user would: documents put on either node, a burst
 * of puts indexed once, keyword and paraphrased searches answered by both nodes' partitions with
 * citations that cut the passage out of the body, an extractive answer (then from the cache), a delete,
 * and one node leaving: its partitions' indexes are rebuilt on the other from the changelogs.
 */
@ExtendWith(PoseidonStackExtension.class)
class OracleGatewayIT {

  static final Path EVAL = Path.of("../processors/src/test/resources/oracle-eval/documents");

  @Test
  void documentsAreSearchableOnEveryNodeWithCitations(TestStack stack) throws Exception {
    String cluster = stack.uniqueName("oracle") + "-";
    Map<String, String> settings = Map.of(PoseidonConfig.NODE_SERVICES, "oracle", "oracle.debounce", "1s");
    String prefix = stack.uniqueName("d");
    String rollback = prefix + "-payments-rollback";
    String checkout = prefix + "-checkout-rollback";
    String outage = prefix + "-checkout-outage";
    Map<String, String> bodies = Map.of(
        rollback, Files.readString(EVAL.resolve("runbook-payments-rollback.md")),
        checkout, Files.readString(EVAL.resolve("runbook-checkout-rollback.md")),
        outage, Files.readString(EVAL.resolve("incident-2024-03-03-checkout-pool-exhaustion.md")));
    Node a = NodeFixture.start(stack, stack.uniqueName("a"), cluster, settings);
    Node b = NodeFixture.start(stack, stack.uniqueName("b"), cluster, settings);
    boolean bRunning = true;
    try (a) {
      until("both nodes ready", Duration.ofSeconds(120),
          () -> get(a, "/ready").statusCode() == 200 && get(b, "/ready").statusCode() == 200);
      assertEquals(202, put(a, "/api/v1/documents/" + rollback, doc("Rolling back a payments deployment", "runbook",
          "payments", bodies.get(rollback))).statusCode());
      assertEquals(202, put(b, "/api/v1/documents/" + checkout, doc("Rolling back checkout", "runbook", "checkout",
          bodies.get(checkout))).statusCode());
      HttpResponse<String> bad = put(a, "/api/v1/documents/" + outage, "{\"title\":\"x\",\"kind\":\"memo\",\"body\":\"\"}");
      assertEquals(400, bad.statusCode(), bad.body());
      // five quick puts of one document: one indexing, of the last version
      for (int i = 1; i <= 5; i++) {
        HttpResponse<String> r = put(i % 2 == 0 ? a : b, "/api/v1/documents/" + outage,
            doc("Checkout outage on 3 March 2024", "incident", "checkout", bodies.get(outage) + "\n\nRevision " + i + ".\n"));
        assertEquals(202, r.statusCode(), r.body());
      }
      until("the outage's last version indexed", Duration.ofSeconds(60), () -> {
        HttpResponse<String> r = get(b, "/api/v1/documents/" + outage);
        return r.statusCode() == 200 && "INDEXED".equals(new JsonObject(r.body()).getString("status"));
      });
      JsonObject state = new JsonObject(get(a, "/api/v1/documents/" + outage).body());
      assertEquals(5L, state.getLong("version"));
      assertEquals(5L, state.getLong("indexedVersion"), "the burst was indexed as its last version: " + state);
      until("all indexed", Duration.ofSeconds(60), () -> List.of(rollback, checkout).stream().allMatch(id ->
          "INDEXED".equals(new JsonObject(get(a, "/api/v1/documents/" + id).body()).getString("status"))));

      JsonObject keyword = search(a, "harbor rollback to the previous release id", "keyword");
      assertFalse(keyword.getBoolean("partial"), keyword.encode());
      assertEquals(2, keyword.getJsonArray("servedBy").size(), "both nodes' partitions searched: " + keyword.encode());
      assertCitation(keyword, rollback, bodies, "harbor rollback payments");
      JsonObject paraphrased = search(b, "how do I undo a bad payments release", "hybrid");
      assertCitation(paraphrased, rollback, bodies, null);
      JsonObject outageHit = search(a, "why did customers fail to place orders in March", "hybrid");
      assertEquals(outage, first(outageHit).getString("docId"), outageHit.encode());

      HttpResponse<String> answer = get(b, "/api/v1/answer?q=" + enc("how do I roll back a payments deployment"));
      assertEquals(200, answer.statusCode(), answer.body());
      JsonObject ans = new JsonObject(answer.body());
      assertFalse(ans.getJsonArray("sentences").isEmpty(), ans.encode());
      for (Object o : ans.getJsonArray("sentences")) {
        JsonObject s = (JsonObject) o;
        JsonObject c = s.getJsonObject("citation");
        assertEquals(s.getString("text"), bodies.get(s.getString("docId")).substring(c.getInteger("start"),
            c.getInteger("end")), "an answer's sentence is the cited span");
      }
      assertFalse(ans.getBoolean("cached"));
      JsonObject again = new JsonObject(get(b, "/api/v1/answer?q=" + enc("how do I roll back a payments deployment")).body());
      assertTrue(again.getBoolean("cached"), "the same question again comes from the cache");
      assertEquals(ans.getString("answer"), again.getString("answer"));

      assertEquals(202, delete(b, "/api/v1/documents/" + checkout).statusCode());
      until("the deleted document is no longer found", Duration.ofSeconds(60), () -> {
        JsonObject r = search(a, "blue-green slot switch checkout", "hybrid");
        return r.getJsonArray("results").stream().noneMatch(h -> checkout.equals(((JsonObject) h).getString("docId")));
      });
      assertEquals(404, get(a, "/api/v1/documents/" + checkout).statusCode());
      assertEquals(404, delete(a, "/api/v1/documents/" + checkout).statusCode());

      // b leaves: a takes its partitions, restores their chunk stores and rebuilds their indexes
      b.close();
      bRunning = false;
      Set<String> seen = new HashSet<>();
      until("every document found on a alone", Duration.ofSeconds(120), () -> {
        JsonObject r = search(a, "checkout outage connection pool payments rollback", "keyword");
        if (r.getBoolean("partial")) {
          assertFalse(r.getJsonArray("missingPartitions").isEmpty(), "partial names what is missing: " + r.encode());
        }
        r.getJsonArray("results").forEach(h -> seen.add(((JsonObject) h).getString("docId")));
        return !r.getBoolean("partial") && r.getJsonArray("servedBy").size() == 1 && seen.containsAll(List.of(rollback, outage))
            && search(a, "checkout outage connection pool payments rollback", "keyword").getJsonArray("results").stream()
                .map(h -> ((JsonObject) h).getString("docId")).toList().containsAll(List.of(rollback, outage));
      });
    } finally {
      if (bRunning) {
        b.close();
      }
    }
  }

  private static void assertCitation(JsonObject result, String docId, Map<String, String> bodies, String contains) {
    JsonObject hit = first(result);
    assertEquals(docId, hit.getString("docId"), result.encode());
    JsonObject c = hit.getJsonObject("citation");
    String cited = bodies.get(docId).substring(c.getInteger("start"), c.getInteger("end"));
    assertFalse(cited.isBlank());
    if (contains != null) {
      assertTrue(cited.contains(contains), "the citation cuts the answering passage out: " + cited);
    }
  }

  private static JsonObject first(JsonObject result) {
    JsonArray results = result.getJsonArray("results");
    assertFalse(results.isEmpty(), result.encode());
    return results.getJsonObject(0);
  }

  private static JsonObject search(Node node, String q, String mode) {
    HttpResponse<String> r = get(node, "/api/v1/search?mode=" + mode + "&q=" + enc(q));
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }

  private static String doc(String title, String kind, String service, String body) {
    return new JsonObject().put("title", title).put("kind", kind).put("service", service)
        .put("tags", new JsonArray().add("eval")).put("body", body).encode();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
