package io.poseidon.gateway.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vert.x HTTP server of a node: request ids, body limits, the one JSON error shape, health and
 * readiness (separate from the API), Prometheus metrics at {@code /metrics}, the OpenAPI contract at
 * {@code /openapi.yaml}, and the API routes each service mounts.
 */
public final class GatewayServer {

  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

  /** What health and readiness are computed from. */
  public interface Status {
    /** Per service: its Streams state. */
    JsonObject services();

    /** Every service is RUNNING: the node can process and answer queries. */
    boolean ready();

    /** A service failed for good: the node should be restarted. */
    boolean failed();
  }

  private GatewayServer() {}

  public static Router router(Vertx vertx, String nodeId, Status status, PrometheusMeterRegistry metrics,
      int maxBodyBytes, List<Consumer<Router>> routes) {
    Router router = Router.router(vertx);
    router.route().handler(RequestIds::assign);
    router.route().handler(ctx -> HttpMetrics.time(ctx, metrics));

    router.get("/health").handler(ctx -> {
      boolean failed = status.failed();
      Responses.json(ctx, failed ? 503 : 200, new JsonObject()
          .put("status", failed ? "DOWN" : "UP").put("node", nodeId).put("services", status.services()));
    });
    router.get("/ready").handler(ctx -> {
      boolean ready = status.ready();
      Responses.json(ctx, ready ? 200 : 503, new JsonObject()
          .put("status", ready ? "READY" : "NOT_READY").put("node", nodeId).put("services", status.services()));
    });
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
    Buffer openapi = resource("openapi.yaml");
    router.get("/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/yaml").end(openapi));

    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes));
    routes.forEach(r -> r.accept(router));

    router.route().last().handler(ctx -> ApiError.send(ctx, 404, "not_found",
        "no route for " + ctx.request().method() + " " + ctx.request().path() + " (see /openapi.yaml)"));
    router.errorHandler(405, ctx -> ApiError.send(ctx, 405, "method_not_allowed",
        ctx.request().method() + " is not allowed on " + ctx.request().path()));
    router.errorHandler(413, ctx -> ApiError.send(ctx, 413, "body_too_large",
        "the request body is larger than " + maxBodyBytes + " bytes"));
    router.errorHandler(500, ctx -> {
      log.error("Request {} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
      ApiError.send(ctx, 500, "internal_error", "unexpected error; see the node log for request id "
          + RequestIds.of(ctx));
    });
    return router;
  }

  public static Future<HttpServer> listen(Vertx vertx, Router router, String host, int port) {
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setCompressionSupported(true))
        .requestHandler(router)
        .listen();
  }

  private static Buffer resource(String name) {
    try (InputStream in = GatewayServer.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " missing from the classpath");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + name, e);
    }
  }
}
