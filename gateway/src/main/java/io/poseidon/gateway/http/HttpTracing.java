package io.poseidon.gateway.http;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.poseidon.topology.tracing.Tracing;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * A SERVER span per HTTP request, in one place (a root handler of {@link GatewayServer}): child of the
 * caller's {@code traceparent}/{@code tracestate} when it sent a valid one, else the root of a new
 * trace; named {@code <method> <route template>} once the route is known, with the status code, and
 * ended when the response is. Its context is what the request's events carry as their traceparent
 * ({@link Commands#traceparent}) and what a forwarded query sends on ({@link QueryForwarder}).
 */
final class HttpTracing {

  private static final String SPAN = "poseidon.span";

  private HttpTracing() {}

  static void start(RoutingContext ctx, Tracing tracing) {
    HttpServerRequest request = ctx.request();
    String method = ApiContract.isKnownMethod(request.method()) ? request.method().name() : "_OTHER";
    Span span = tracing.tracer().spanBuilder(method)
        .setParent(Tracing.extract(request::getHeader))
        .setSpanKind(SpanKind.SERVER)
        .setAttribute("http.request.method", method)
        .setAttribute("url.path", request.path())
        .setAttribute("url.scheme", request.scheme() == null ? "http" : request.scheme())
        .setAttribute("poseidon.request.id", RequestIds.of(ctx))
        .startSpan();
    ctx.put(SPAN, span);
    ctx.addEndHandler(done -> {
      String route = ctx.currentRoute() == null ? null : ctx.currentRoute().getPath();
      if (route != null) {
        span.updateName(method + " " + route);
        span.setAttribute("http.route", route);
      }
      int status = ctx.response().getStatusCode();
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) {
        span.setStatus(StatusCode.ERROR);
      }
      if (done.failed()) {
        span.recordException(done.cause());
      }
      span.end();
    });
    ctx.next();
  }

  /** The traceparent of the request's server span, or null when it has none. */
  static String traceparent(RoutingContext ctx) {
    Span span = ctx.get(SPAN);
    return span == null ? null : Tracing.traceparent(span.getSpanContext());
  }
}
