package io.poseidon.gateway.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Times every request as {@code poseidon.http.requests} (Prometheus: {@code
 * poseidon_http_requests_seconds_*}, a histogram with the buckets of {@link #BUCKETS}) tagged with
 * method, route template (not the raw path, so ids do not explode the series) and status. A request
 * answered before its route ran (401, 403, 429, 405, 413, 415 from the handlers in front of the routes)
 * still counts under its operation's template; a path outside the contract is {@code unmatched}. A
 * method HTTP does not define counts as {@code OTHER}: a client cannot create series by inventing
 * methods.
 */
final class HttpMetrics {

  /** The histogram's buckets: enough for p50/p95/p99 per route in Grafana, few series per route. */
  static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofSeconds(5)};

  private HttpMetrics() {}

  /** The route template of each operation as Vert.x names it ({@code /api/v1/services/:service/instances}). */
  static Map<String, String> templates(ApiContract contract) {
    Map<String, String> templates = new LinkedHashMap<>();
    contract.operationRoutes().forEach((operationId, route) -> templates.put(operationId,
        route.substring(route.indexOf(' ') + 1).replaceAll("\\{([^}/]+)}", ":$1")));
    return Map.copyOf(templates);
  }

  static void time(RoutingContext ctx, MeterRegistry registry, Map<String, String> templates) {
    long start = System.nanoTime();
    ctx.addEndHandler(done -> {
      String route = ctx.currentRoute() == null ? null : ctx.currentRoute().getPath();
      if (route == null) {
        String operation = ctx.get(GatewayServer.OPERATION);
        route = operation == null ? "unmatched" : templates.getOrDefault(operation, "unmatched");
      }
      Timer.builder("poseidon.http.requests")
          .description("HTTP requests served by the gateway")
          .tag("method", ApiContract.isKnownMethod(ctx.request().method()) ? ctx.request().method().name() : "OTHER")
          .tag("route", route)
          .tag("status", Integer.toString(ctx.response().getStatusCode()))
          .serviceLevelObjectives(BUCKETS)
          .register(registry)
          .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    });
    ctx.next();
  }
}
