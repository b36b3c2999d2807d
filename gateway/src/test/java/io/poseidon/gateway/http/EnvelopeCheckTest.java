package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.gateway.node.Services;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link EnvelopeCheck} says what the contract's IngestEnvelope says, item for item. */
class EnvelopeCheckTest {

  private static Vertx vertx;
  private static ContractValidation contract;

  @BeforeAll
  static void resolve() throws Exception {
    vertx = Vertx.vertx();
    ApiContract api = Services.contract();
    contract = new ContractValidation(api.resolve(vertx).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS), api);
  }

  @AfterAll
  static void close() {
    vertx.close();
  }

  private static final List<String> CORPUS = List.of(
      "{\"source\":\"s\",\"kind\":\"log\"}",
      "{\"source\":\"s\",\"kind\":\"metric\",\"id\":\"1\",\"time\":\"2026-12-01T10:00:00Z\",\"attributes\":{\"service\":\"p\"},\"payload\":{\"a\":1}}",
      "{\"source\":\"s\",\"kind\":\"log\",\"id\":null,\"time\":null}",
      "{}",
      "{\"kind\":\"log\"}",
      "{\"source\":\"s\"}",
      "{\"source\":\"\",\"kind\":\"log\"}",
      "{\"source\":\"" + "x".repeat(257) + "\",\"kind\":\"log\"}",
      "{\"source\":7,\"kind\":\"log\"}",
      "{\"source\":null,\"kind\":\"log\"}",
      "{\"source\":\"s\",\"kind\":\"LOG\"}",
      "{\"source\":\"s\",\"kind\":3}",
      "{\"source\":\"s\",\"kind\":\"log\",\"id\":\"\"}",
      "{\"source\":\"s\",\"kind\":\"log\",\"id\":5}",
      "{\"source\":\"s\",\"kind\":\"log\",\"time\":5}",
      "{\"source\":\"s\",\"kind\":\"log\",\"attributes\":[]}",
      "{\"source\":\"s\",\"kind\":\"log\",\"attributes\":{\"a\":1}}",
      "{\"source\":\"s\",\"kind\":\"log\",\"attributes\":{\"a\":\"" + "y".repeat(1025) + "\"}}",
      "{\"source\":\"s\",\"kind\":\"log\",\"payload\":\"text\"}",
      "{\"source\":\"s\",\"kind\":\"log\",\"payload\":[1]}",
      "{\"source\":\"s\",\"kind\":\"log\",\"extra\":true}",
      "{\"kind\":\"gossip\",\"extra\":1,\"payload\":3}");

  @Test
  void shouldNameTheSameFieldsAsTheContractForEveryItem() {
    for (String text : CORPUS) {
      Object item = new JsonObject(text);
      Set<String> byContract = fields(contract.checkBody(TideRoutes.INGEST, Bodies.NDJSON, item));
      Set<String> byCheck = fields(EnvelopeCheck.check(item));
      assertEquals(byContract, byCheck, text + " contract: " + contract.checkBody(TideRoutes.INGEST, Bodies.NDJSON, item));
    }
    JsonObject many = new JsonObject();
    for (int i = 0; i < 65; i++) {
      many.put("k" + i, "v");
    }
    Object tooMany = new JsonObject().put("source", "s").put("kind", "log").put("attributes", many);
    assertEquals(fields(contract.checkBody(TideRoutes.INGEST, Bodies.NDJSON, tooMany)),
        fields(EnvelopeCheck.check(tooMany)));
    for (Object notAnObject : List.of("text", 5, new JsonArray())) {
      assertEquals(fields(contract.checkBody(TideRoutes.INGEST, Bodies.NDJSON, notAnObject)),
          fields(EnvelopeCheck.check(notAnObject)), String.valueOf(notAnObject));
    }
  }

  @Test
  void shouldAcceptAValidEnvelopeAndExplainAnInvalidOne() {
    assertTrue(EnvelopeCheck.check(new JsonObject(CORPUS.get(1))).isEmpty());
    assertEquals(List.of(new FieldError("kind", "must be one of [metric,log,event,document,config]")),
        EnvelopeCheck.check(new JsonObject(CORPUS.get(10))));
  }

  private static Set<String> fields(List<FieldError> errors) {
    return errors.stream().map(FieldError::field).collect(Collectors.toCollection(TreeSet::new));
  }
}
