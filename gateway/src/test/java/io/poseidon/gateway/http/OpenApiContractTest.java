package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** openapi.yaml is the contract: every route the gateway serves is in it, and nothing else. */
class OpenApiContractTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close();
  }

  @Test
  void shouldDocumentExactlyTheRoutesTheGatewayServes() throws IOException {
    Router router = GatewayServer.router(vertx, "n", null,
        new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT), 1024, NodeRoutes.forServices(
        io.poseidon.gateway.node.Services.available(),
        new NodeRoutes.Dependencies(null, null, null, io.poseidon.processors.depths.DepthsConfig.defaults(), null, null, null, null)));

    Set<String> served = new TreeSet<>();
    for (Route route : router.getRoutes()) {
      if (route.getPath() == null || route.methods() == null || route.methods().isEmpty()) {
        continue; // handlers for every path (request ids, body limits, 404)
      }
      String path = route.getPath().replaceAll(":([A-Za-z]+)", "{$1}");
      route.methods().forEach(m -> served.add(m.name() + " " + path));
    }

    assertEquals(documented(), served);
  }

  /** "METHOD /path" for every operation of openapi.yaml (read with a pattern: no YAML library needed). */
  private static Set<String> documented() throws IOException {
    String yaml;
    try (InputStream in = OpenApiContractTest.class.getClassLoader().getResourceAsStream("openapi.yaml")) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Set<String> ops = new TreeSet<>();
    String path = null;
    for (String line : yaml.split("\n")) {
      Matcher p = Pattern.compile("^  (/[^:]*):\\s*$").matcher(line);
      Matcher m = Pattern.compile("^    (get|post|put|delete|patch):\\s*$").matcher(line);
      if (p.matches()) {
        path = p.group(1);
      } else if (m.matches() && path != null) {
        ops.add(m.group(1).toUpperCase() + " " + path);
      } else if (line.startsWith("components:")) {
        break;
      }
    }
    return ops;
  }
}
