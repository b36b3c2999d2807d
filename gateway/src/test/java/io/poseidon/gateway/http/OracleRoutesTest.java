package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.gateway.SearchCommands;
import io.poseidon.schemas.oracle.DocumentChanged;
import io.poseidon.schemas.oracle.DocumentEvent;
import io.poseidon.schemas.oracle.DocumentKind;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * oracle's routes over real HTTP against the real contract, with a MockProducer and no Streams client:
 * what a put produces, the field errors of a bad document (nothing produced), the search parameters the
 * contract refuses, and the CLI's answers when nothing is indexed.
 */
@ExtendWith(VertxExtension.class)
class OracleRoutesTest {

  private static final Map<String, String> JSON = Map.of("Content-Type", "application/json");
  private GatewayFixture gateway;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    gateway = new GatewayFixture(vertx).start();
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  private GatewayFixture.Reply put(String path, String body) {
    return gateway.call(HttpMethod.PUT, path, JSON, body);
  }

  @Test
  void aDocumentIsProducedKeyedByItsId() {
    GatewayFixture.Reply reply = put("/api/v1/documents/runbook-payments", new JsonObject().put("title", "Rollback")
        .put("kind", "runbook").put("service", "payments").put("tags", List.of("rollback"))
        .put("body", "# Rollback\n\nRun it.").put("source", new JsonObject().put("uri", "https://git/x.md")).encode());
    assertEquals(202, reply.status(), reply.body());
    assertEquals("runbook-payments", reply.json().getString("docId"));
    assertEquals(1, gateway.producer.history().size());
    assertEquals("oracle.documents", gateway.producer.history().get(0).topic());
    assertEquals("runbook-payments", gateway.producer.history().get(0).key());
    DocumentChanged doc = (DocumentChanged) ((DocumentEvent) gateway.producer.history().get(0).value()).getPayload();
    assertEquals(DocumentKind.RUNBOOK, doc.getKind());
    assertEquals("https://git/x.md", doc.getSourceUri());
    assertEquals(List.of("rollback"), doc.getTags());
  }

  @Test
  void aBadDocumentIsRefusedFieldByFieldAndNothingIsProduced() {
    GatewayFixture.Reply badKind = put("/api/v1/documents/d1", "{\"title\":\"t\",\"kind\":\"memo\",\"body\":\"b\"}");
    assertEquals(400, badKind.status(), badKind.body());
    GatewayFixture.Reply blank = put("/api/v1/documents/d1", "{\"title\":\"t\",\"kind\":\"note\",\"body\":\"   \",\"service\":\"Pay Ments\"}");
    assertEquals(400, blank.status(), blank.body());
    String fields = blank.json().getJsonArray("details").stream().map(d -> ((JsonObject) d).getString("field"))
        .collect(Collectors.joining(","));
    assertTrue(fields.contains("service"), fields);
    GatewayFixture.Reply badId = put("/api/v1/documents/Bad%20Id", "{\"title\":\"t\",\"kind\":\"note\",\"body\":\"b\"}");
    assertEquals(400, badId.status(), badId.body());
    GatewayFixture.Reply unknownField = put("/api/v1/documents/d1", "{\"title\":\"t\",\"kind\":\"note\",\"body\":\"b\",\"x\":1}");
    assertEquals(400, unknownField.status(), unknownField.body());
    assertTrue(gateway.producer.history().isEmpty());
  }

  @Test
  void searchParametersAreCheckedAndAnEmptyIndexAnswersNothingFound() {
    assertEquals(400, gateway.get("/api/v1/search").status(), "q is required");
    assertEquals(400, gateway.get("/api/v1/search?q=x&mode=fuzzy").status());
    assertEquals(400, gateway.get("/api/v1/search?q=x&limit=0").status());
    assertEquals(400, gateway.get("/api/v1/search?q=x&kind=memo").status());
    gateway.servicesStarted(false);
    GatewayFixture.Reply starting = gateway.get("/api/v1/search?q=x");
    assertEquals(503, starting.status(), "oracle not running yet: " + starting.body());
    assertEquals("1", starting.header("Retry-After"));
    assertEquals(503, gateway.get("/api/v1/search?q=x&scope=local").status());
    gateway.servicesStarted(true);
    GatewayFixture.Reply empty = gateway.get("/api/v1/search?q=rollback&mode=keyword");
    assertEquals(200, empty.status(), empty.body());
    assertTrue(empty.json().getJsonArray("results").isEmpty());
    assertFalse(empty.json().getBoolean("partial"));
    for (String q : List.of("%22session+store%22+shipping", "12.5", "-5", "%5B1%5D", "rollback+-payments")) {
      GatewayFixture.Reply r = gateway.get("/api/v1/search?mode=keyword&q=" + q);
      assertEquals(200, r.status(), "free text is free: " + q + " → " + r.body());
    }

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String url = "http://127.0.0.1:" + gateway.port();
    int exit = SearchCommands.run(new String[] {"search", "rollback", "--url", url},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(1, exit, err.toString(StandardCharsets.UTF_8));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("nothing found for \"rollback\""));
    exit = SearchCommands.run(new String[] {"ask", "how", "do", "I", "roll", "back", "--url", url},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(1, exit);
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("no answer found for \"how do I roll back\""));
    exit = SearchCommands.run(new String[] {"search", "x", "--url", "http://127.0.0.1:1"},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(3, exit, "unreachable");
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot reach the gateway"));
  }
}
