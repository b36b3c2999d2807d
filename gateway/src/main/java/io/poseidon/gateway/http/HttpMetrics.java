package io.poseidon.gateway.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;

/**
 * Times every request as {@code poseidon.http.requests} (Prometheus: {@code
 * poseidon_http_requests_seconds_*}) tagged with method, route template (not the raw path, so ids do
 * not explode the series) and status. A method HTTP does not define counts as {@code OTHER}: a client
 * cannot create series by inventing methods.
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
          .tag("method", ApiContract.isKnownMethod(ctx.request().method()) ? ctx.request().method().name() : "OTHER")
          .tag("route", route)
          .tag("status", Integer.toString(ctx.response().getStatusCode()))
          .register(registry)
          .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    });
    ctx.next();
  }
}
