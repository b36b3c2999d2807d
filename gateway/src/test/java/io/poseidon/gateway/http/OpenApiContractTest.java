package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.gateway.node.GatewayService;
import io.poseidon.gateway.node.Services;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document is the contract: every operation of every service fragment is bound by exactly
 * one handler of that service's routes, and each operation documents the errors its kind of route can
 * answer ({@link GatewayRoutesTest} checks every status it saw answered is documented).
 */
class OpenApiContractTest {

  private final ApiContract contract = Services.contract();

  @Test
  void shouldBindEveryOperationOfEachServiceFragmentToThatServicesRoutes() {
    for (GatewayService<?> service : Services.ALL) {
      if (service.routes() == null) {
        continue;
      }
      List<String> bound = new ArrayList<>();
      service.routes().create(new RouteContext<>(null, null, () -> null,
          io.poseidon.topology.config.ConfigSource.of(Map.of()), null)).bind((operationId, handler) -> bound.add(operationId));

      assertEquals(new TreeSet<>(contract.operationsOf(service.contractFragment())), new TreeSet<>(bound),
          service.name() + " binds exactly the operations of " + service.contractFragment());
      assertEquals(bound.size(), new TreeSet<>(bound).size(), service.name() + " binds each operation once");
    }
  }

  /**
   * GETs whose answer holds an array that is not a pageable list of entities: time series bounded by
   * from/to/step, one entity's parts, ranked results with their own limit, a bounded "last N", and a
   * workflow's timeline (one entity, at most current.timeline.max.entries, re-ordered causally as late
   * causes arrive — no keyset cursor of it could be stable — so it is answered whole).
   */
  static final Set<String> NOT_LISTS = Set.of("queryMetrics", "getServiceHealth", "logCounts", "recentErrors",
      "getDeployment", "tideStats", "rotationStatus", "search", "answer", "getWorkflowTimeline");

  @Test
  void shouldPageEveryListWithLimitAndCursor() {
    JsonObject document = contract.document();
    Map<String, Paging.Spec> lists = contract.lists();
    List<String> unpaged = new ArrayList<>();
    document.getJsonObject("paths").forEach(path -> {
      JsonObject get = ((JsonObject) path.getValue()).getJsonObject("get");
      if (get == null || NOT_LISTS.contains(get.getString("operationId"))) {
        return;
      }
      JsonObject ok = get.getJsonObject("responses").getJsonObject("200");
      JsonObject media = ok == null ? null : ok.getJsonObject("content", new JsonObject()).getJsonObject("application/json");
      if (media != null && !arrays(document, media.getJsonObject("schema"), 0).isEmpty()) {
        Paging.Spec spec = lists.get(get.getString("operationId"));
        if (spec == null) {
          unpaged.add(get.getString("operationId") + " " + arrays(document, media.getJsonObject("schema"), 0));
        } else {
          assertTrue(arrays(document, media.getJsonObject("schema"), 0).contains(spec.items()),
              get.getString("operationId") + " pages " + spec.items() + ", an array of its answer");
          List<String> params = get.getJsonArray("parameters").stream().map(String::valueOf).toList();
          assertTrue(params.stream().anyMatch(p -> p.contains("parameters/Limit"))
              && params.stream().anyMatch(p -> p.contains("parameters/Cursor")), get.getString("operationId") + ": " + params);
        }
      }
    });
    assertEquals(List.of(), unpaged, "lists without x-poseidon-list (cursor pagination), or add them to NOT_LISTS");
    assertTrue(lists.size() >= 10, lists.keySet().toString());
  }

  /** The top-level array properties of {@code schema} ($ref and allOf followed). */
  private static Set<String> arrays(JsonObject document, JsonObject schema, int depth) {
    Set<String> out = new TreeSet<>();
    if (schema == null || depth > 6) {
      return out;
    }
    if (schema.containsKey("$ref")) {
      String name = schema.getString("$ref").substring("#/components/schemas/".length());
      return arrays(document, document.getJsonObject("components").getJsonObject("schemas").getJsonObject(name), depth + 1);
    }
    schema.getJsonArray("allOf", new io.vertx.core.json.JsonArray())
        .forEach(part -> out.addAll(arrays(document, (JsonObject) part, depth + 1)));
    schema.getJsonObject("properties", new JsonObject()).forEach(p -> {
      Object type = ((JsonObject) p.getValue()).getValue("type");
      if ("array".equals(type) || (type instanceof io.vertx.core.json.JsonArray a && a.contains("array"))) {
        out.add(p.getKey());
      }
    });
    return out;
  }

  @Test
  void shouldRefuseAFragmentThatRedeclaresAPath() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ApiContract.load(List.of("openapi/depths.yaml", "openapi/depths.yaml")));
    assertTrue(e.getMessage().contains("declares /api/v1/services/{service}/instances again"), e.getMessage());
  }

  @Test
  void shouldDocumentTheErrorsEveryKindOfOperationCanAnswer() {
    JsonObject paths = contract.document().getJsonObject("paths");
    Map<String, String> missing = new TreeMap<>();
    paths.forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (!ApiContract.METHODS.contains(op.getKey())) {
        return;
      }
      JsonObject operation = (JsonObject) op.getValue();
      Set<String> documented = operation.getJsonObject("responses").fieldNames();
      List<String> expected = new ArrayList<>(List.of("405"));
      if (path.getKey().startsWith("/api/")) {
        expected.add("400");
        // a service's operations answer 404 service_not_running and 503 not_ready; the node's own do not
        if (!contract.operationsOf(ApiContract.BASE).contains(operation.getString("operationId"))) {
          expected.addAll(List.of("404", "503"));
        }
      }
      if (operation.containsKey("requestBody")) {
        expected.addAll(List.of("413", "415"));
      }
      for (String status : expected) {
        if (!documented.contains(status)) {
          missing.merge(operation.getString("operationId"), status, (a, b) -> a + ", " + b);
        }
      }
    }));
    assertEquals(Map.of(), missing, "operations that do not document statuses their route can answer");
  }

  @Test
  void shouldFindThePathOfARequestSegmentBySegment() {
    assertEquals(Set.of("GET", "POST"), contract.methodsOf("/api/v1/services/payments/instances").orElseThrow());
    assertEquals(Set.of("GET", "DELETE"), contract.methodsOf("/api/v1/services/payments/instances/i-1").orElseThrow());
    assertEquals(Set.of("GET"), contract.methodsOf("/health").orElseThrow());
    for (String unknown : List.of("/api/v1/services/payments/instances/", "/api/v1/services//instances",
        "/api/v1/services/payments", "/api/v1/services/payments/instancesx", "/healthz", "/")) {
      assertTrue(contract.methodsOf(unknown).isEmpty(), unknown);
    }
    assertEquals("cancelDeployment", contract.operationOf("POST", "/api/v1/deployments/checkout.d-1/cancel").orElseThrow());
    assertTrue(contract.operationOf("PUT", "/api/v1/deployments/checkout.d-1/cancel").isEmpty());
  }

  @Test
  void shouldServeTheMergedDocumentAsYaml() {
    String yaml = contract.yaml();
    assertTrue(yaml.startsWith("openapi: 3.1.0"), yaml.substring(0, 40));
    assertTrue(yaml.contains("operationId: registerInstance") && yaml.contains("operationId: requestDeployment"));
    assertFalse(yaml.contains("!!"), "plain YAML, no Java type tags");
  }
}
