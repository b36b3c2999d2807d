package io.poseidon.gateway.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.ext.web.RoutingContext;

/**
 * Times every request as {@code poseidon.http.requests} (Prometheus: {@code
 * poseidon_http_requests_seconds_*}) tagged with method, route template (not the raw path, so ids do
 * not explode the series) and status.
 */
final class HttpMetrics {

  private HttpMetrics() {}

  static void time(RoutingContext ctx, MeterRegistry registry) {
    long start = System.nanoTime();
    ctx.addEndHandler(done -> {
      String route = ctx.currentRoute() == null || ctx.currentRoute().getPath() == null
          ? "unmatched" : ctx.currentRoute().getPath();
      Timer.builder("poseidon.http.requests")
          .description("HTTP requests served by the gateway")
          .tag("method", ctx.request().method().name())
          .tag("route", route)
          .tag("status", Integer.toString(ctx.response().getStatusCode()))
          .register(registry)
          .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    });
    ctx.next();
  }
}
