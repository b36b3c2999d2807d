package io.poseidon.gateway.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Vert.x HTTP server of a node, built from its contract ({@link ApiContract}): every route is an
 * operation of the OpenAPI document, bound by operationId, and its request (parameters, body) is
 * validated against the document before the handler runs ({@link ContractValidation}). Around the routes, for every request:
 * request ids, a server span (docs/tracing.md), metrics, 501 for methods HTTP does not define, 405
 * with {@code Allow} for another method of a known path, body limits, 415 for a body that is not JSON, strict JSON parsing, and one
 * failure handler answering the one JSON error shape — the server's own 400/414/431 included.
 * Health, readiness, metrics and the contract itself are separate from the API routes.
 */
public final class GatewayServer {

  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
  /** The operationId the method check found for a request (null for a path outside the contract). */
  static final String OPERATION = "poseidon.operation";

  /** What health and readiness are computed from. */
  public interface Status {
    /** Per service: its Streams state. */
    JsonObject services();

    /** Every service is RUNNING: the node can process and answer queries. */
    boolean ready();

    /** A service failed for good: the node should be restarted. */
    boolean failed();
  }

  /**
   * One service of the build as the gateway binds it: its routes, or null when this node does not
   * run it (its operations then answer 404 {@code service_not_running}).
   */
  public record Binding(String service, String fragment, ServiceRoutes routes) {}

  private GatewayServer() {}

  /**
   * Everything a router is made of; one router per event loop shares it (and the compiled validators).
   *
   * @param nodeRoutes the node's own operations beyond health, readiness, metrics and the contract
   *     (the generic publish of {@link TopicRoutes})
   */
  public record Setup(ApiContract contract, String nodeId, Status status, PrometheusMeterRegistry metrics,
      int maxBodyBytes, List<Binding> bindings, ServiceRoutes nodeRoutes, ContractValidation validation,
      io.poseidon.gateway.http.auth.AccessControl access, io.poseidon.topology.tracing.Tracing tracing) {

    /** Without tracing (spans with ids, nothing recorded). */
    public Setup(ApiContract contract, String nodeId, Status status, PrometheusMeterRegistry metrics,
        int maxBodyBytes, List<Binding> bindings, ServiceRoutes nodeRoutes, ContractValidation validation,
        io.poseidon.gateway.http.auth.AccessControl access) {
      this(contract, nodeId, status, metrics, maxBodyBytes, bindings, nodeRoutes, validation, access,
          io.poseidon.topology.tracing.Tracing.off());
    }
  }

  public static Router router(Vertx vertx, Setup setup) {
    ApiContract contract = setup.contract();
    RouterBuilder builder = RouterBuilder.create(vertx, setup.validation().resolved(), RequestExtractor.withBodyHandler());
    // platform handlers first (Vert.x Web runs them before a body is read): ids, metrics, method checks
    builder.rootHandler(platform(RequestIds::assign));
    builder.rootHandler(platform(ctx -> HttpTracing.start(ctx, setup.tracing()))); // a server span per request
    builder.rootHandler(platform(ctx -> {
      io.poseidon.gateway.http.auth.AccessControl.securityHeaders(ctx.response());
      ctx.next();
    }));
    Map<String, String> templates = HttpMetrics.templates(contract);
    builder.rootHandler(platform(ctx -> HttpMetrics.time(ctx, setup.metrics(), templates)));
    io.vertx.ext.web.handler.CorsHandler cors = setup.access().cors();
    if (cors != null) {
      // answers preflights before the method check would refuse OPTIONS (platform position: before the body)
      builder.rootHandler(platform(cors));
    }
    builder.rootHandler(platform(ctx -> methodOf(ctx, contract)));
    // who is calling and whether they may, before a body is read (docs/security.md)
    builder.rootHandler(platform(ctx -> setup.access().authenticate(ctx, ctx.get(OPERATION))));
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(setup.maxBodyBytes());
    builder.rootHandler(ctx -> {
      if ("websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
        ctx.next(); // a WebSocket upgrade has no body, and reading one would forbid the upgrade (the live stream)
      } else {
        bodies.handle(ctx);
      }
    });
    builder.rootHandler(Bodies::check);

    Set<String> bound = new LinkedHashSet<>();
    Map<String, Paging.Spec> lists = contract.lists();
    ServiceRoutes.Operations operations = (operationId, handler) -> {
      OpenAPIRoute route = builder.getRoute(operationId);
      if (route == null) {
        throw new IllegalStateException("no operation " + operationId + " in the contract (openapi/*.yaml)");
      }
      if (!bound.add(operationId)) {
        throw new IllegalStateException("operation " + operationId + " is bound twice");
      }
      route.setDoValidation(false); // the compiled validators below do it, on the event loop
      route.addHandler(ctx -> {
        String contentType = ctx.request().getHeader("Content-Type");
        if (Bodies.parsed(ctx) != null && !setup.validation().acceptsMediaType(operationId, contentType)) {
          Bodies.unsupported(ctx, contentType, setup.validation().mediaTypes(operationId));
          return;
        }
        List<FieldError> errors = setup.validation().check(ctx, operationId);
        if (errors.isEmpty()) {
          if (setup.access().objectCheck(ctx, operationId) && Paging.install(ctx, operationId, lists.get(operationId))) {
            ctx.next();
          }
        } else {
          ApiError.send(ctx, 400, "validation_failed", "the request does not follow the contract (/openapi.yaml)",
              errors);
        }
      });
      route.addHandler(handler);
    };
    bindNodeOperations(operations, setup);
    setup.nodeRoutes().bind(operations);
    for (Binding binding : setup.bindings()) {
      if (binding.routes() != null) {
        binding.routes().bind(operations);
      } else {
        for (String operationId : contract.operationsOf(binding.fragment())) {
          operations.on(operationId, ctx -> ApiError.send(ctx, 404, "service_not_running", binding.service()
              + " does not run on node " + setup.nodeId() + " (see node.services and GET /ready)"));
        }
      }
    }
    List<String> unbound = new ArrayList<>(contract.operationIds());
    unbound.removeAll(bound);
    if (!unbound.isEmpty()) {
      throw new IllegalStateException("operations of the contract without a handler: " + unbound);
    }

    Router router = builder.createRouter();
    DashboardRoutes.mount(router); // the web dashboard at / (static, public; its data comes from the API)
    router.route().last().handler(ctx -> ApiError.send(ctx, 404, "not_found",
        "no route for " + ctx.request().method() + " " + ctx.request().path() + " (see /openapi.yaml)"));
    router.errorHandler(400, GatewayServer::badRequest);
    router.errorHandler(413, ctx -> ApiError.send(ctx, 413, "body_too_large",
        "the request body is larger than " + setup.maxBodyBytes() + " bytes (http.max.body.bytes)"));
    router.errorHandler(500, ctx -> {
      log.error("Request {} {} failed (request id {})", ctx.request().method(), ctx.request().path(),
          RequestIds.of(ctx), ctx.failure());
      ApiError.send(ctx, 500, "internal_error", "unexpected error; see the node log for request id "
          + RequestIds.of(ctx));
    });
    return router;
  }

  /** A handler Vert.x Web may run before the body handler. */
  private static Handler<RoutingContext> platform(Handler<RoutingContext> handler) {
    return new PlatformHandler() {
      @Override
      public void handle(RoutingContext ctx) {
        handler.handle(ctx);
      }
    };
  }

  private static void bindNodeOperations(ServiceRoutes.Operations operations, Setup setup) {
    Status status = setup.status();
    operations.on("health", ctx -> {
      boolean failed = status.failed();
      Responses.json(ctx, failed ? 503 : 200, new JsonObject()
          .put("status", failed ? "DOWN" : "UP").put("node", setup.nodeId()).put("services", status.services()));
    });
    operations.on("ready", ctx -> {
      boolean ready = status.ready();
      Responses.json(ctx, ready ? 200 : 503, new JsonObject()
          .put("status", ready ? "READY" : "NOT_READY").put("node", setup.nodeId()).put("services", status.services()));
    });
    operations.on("metrics", ctx -> ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(setup.metrics().scrape()));
    Buffer yaml = Buffer.buffer(setup.contract().yaml());
    operations.on("openapi", ctx -> ctx.response().putHeader("Content-Type", "application/yaml").end(yaml));
  }

  /** 501 for a method HTTP does not define; 405 with Allow for a known path that has no such method. */
  private static void methodOf(RoutingContext ctx, ApiContract contract) {
    if (!ApiContract.isKnownMethod(ctx.request().method())) {
      ApiError.send(ctx, 501, "method_not_implemented", "the gateway does not implement the method "
          + ctx.request().method().name());
      return;
    }
    java.util.Map<String, String> operations = contract.operationsByMethod(ctx.request().path()).orElse(null);
    if (operations != null && !operations.containsKey(ctx.request().method().name())) {
      Set<String> allowed = new java.util.TreeSet<>(operations.keySet());
      ctx.response().putHeader("Allow", String.join(", ", allowed));
      ApiError.send(ctx, 405, "method_not_allowed", ctx.request().method().name() + " is not allowed on "
          + ctx.request().path() + "; allowed: " + String.join(", ", allowed));
      return;
    }
    if (operations != null) {
      ctx.put(OPERATION, operations.get(ctx.request().method().name()));
    }
    ctx.next();
  }

  private static void badRequest(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    ApiError.send(ctx, 400, "bad_request", "the request cannot be read: "
        + (failure == null || failure.getMessage() == null ? "malformed path, query or headers" : failure.getMessage()));
  }

  /**
   * The server's own answer to requests it cannot even parse (request line too long 414, headers too
   * large 431, malformed 400): the one JSON error shape with a request id, then the connection closes.
   */
  static final Handler<HttpServerRequest> INVALID_REQUEST = request -> {
    DecoderResult result = request.decoderResult();
    Throwable cause = result == null ? null : result.cause();
    int status = 400;
    String code = "bad_request";
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      code = "uri_too_long";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      code = "headers_too_large";
    }
    io.poseidon.gateway.http.auth.AccessControl.securityHeaders(request.response());
    ApiError.send(request.response().putHeader("Connection", "close"), UUID.randomUUID().toString(), status, code,
        "the server cannot read the request: " + (cause == null ? "malformed" : cause.getMessage()), List.of());
  };

  public static Future<HttpServer> listen(Vertx vertx, Router router, String host, int port) {
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setCompressionSupported(true)
        // a scatter-gather's highlight request names up to 50 chunk keys in its URI
        .setMaxInitialLineLength(16 * 1024)
        // the live stream takes no messages from its WebSocket clients: small frames only
        .setMaxWebSocketFrameSize(16 * 1024).setMaxWebSocketMessageSize(64 * 1024))
        .invalidRequestHandler(INVALID_REQUEST)
        .requestHandler(router)
        .listen();
  }
}
