package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The server's own routes and error handling, over real HTTP on a free port. */
@ExtendWith(VertxExtension.class)
class GatewayServerTest {

  private final AtomicBoolean ready = new AtomicBoolean(false);
  private final AtomicBoolean failed = new AtomicBoolean(false);
  private final io.micrometer.prometheusmetrics.PrometheusMeterRegistry metrics =
      new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
  private HttpServer server;
  private HttpClient client;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    GatewayServer.Status status = new GatewayServer.Status() {
      @Override
      public JsonObject services() {
        return new JsonObject().put("depths", ready.get() ? "RUNNING" : "REBALANCING");
      }

      @Override
      public boolean ready() {
        return ready.get();
      }

      @Override
      public boolean failed() {
        return failed.get();
      }
    };
    Router router = GatewayServer.router(vertx, "test-node", status, metrics, 2048, List.of(r -> {
      r.post("/api/v1/echo").handler(c -> {
        JsonObject body = Commands.jsonBody(c);
        if (body != null) {
          Responses.json(c, 200, body);
        }
      });
      r.get("/api/v1/boom").handler(c -> {
        throw new IllegalStateException("boom");
      });
    }));
    client = vertx.createHttpClient();
    GatewayServer.listen(vertx, router, "127.0.0.1", 0).onComplete(ctx.succeeding(s -> {
      server = s;
      ctx.completeNow();
    }));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    server.close().onComplete(ctx.succeedingThenComplete());
  }

  private io.vertx.core.Future<Reply> call(HttpMethod method, String path, String body, String requestId) {
    return client.request(method, server.actualPort(), "127.0.0.1", path)
        .compose(req -> {
          if (requestId != null) {
            req.putHeader(RequestIds.HEADER, requestId);
          }
          return body == null ? req.send() : req.send(body);
        })
        .compose(resp -> resp.body().map(b -> new Reply(resp, b.toString())));
  }

  record Reply(HttpClientResponse response, String body) {
    int status() {
      return response.statusCode();
    }
  }

  @Test
  void shouldAnswerReadyOnlyWhenServicesRun(VertxTestContext ctx) {
    call(HttpMethod.GET, "/ready", null, null).compose(notReady -> {
      ctx.verify(() -> {
        assertEquals(503, notReady.status());
        assertEquals("NOT_READY", new JsonObject(notReady.body()).getString("status"));
      });
      ready.set(true);
      return call(HttpMethod.GET, "/ready", null, null);
    }).onComplete(ctx.succeeding(nowReady -> ctx.verify(() -> {
      assertEquals(200, nowReady.status());
      assertEquals("RUNNING", new JsonObject(nowReady.body()).getJsonObject("services").getString("depths"));
      ctx.completeNow();
    })));
  }

  @Test
  void shouldExposeRequestTimingsByRouteTemplateForPrometheus(VertxTestContext ctx) {
    call(HttpMethod.GET, "/api/v1/unknown", null, null)
        .compose(ignored -> call(HttpMethod.GET, "/metrics", null, null))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.status());
          assertTrue(r.response().getHeader("Content-Type").startsWith("text/plain"));
          assertTrue(r.body().contains("poseidon_http_requests_seconds_count{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"),
              r.body());
          ctx.completeNow();
        })));
  }

  @Test
  void shouldReportDownWhenAServiceFailed(VertxTestContext ctx) {
    failed.set(true);
    call(HttpMethod.GET, "/health", null, null).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(503, r.status());
      assertEquals("DOWN", new JsonObject(r.body()).getString("status"));
      ctx.completeNow();
    })));
  }

  @Test
  void shouldEchoTheCallersRequestIdInHeaderAndError(VertxTestContext ctx) {
    call(HttpMethod.GET, "/api/v1/unknown", null, "req-42").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(404, r.status());
      assertEquals("req-42", r.response().getHeader(RequestIds.HEADER));
      JsonObject error = new JsonObject(r.body());
      assertEquals("not_found", error.getString("code"));
      assertEquals("req-42", error.getString("requestId"));
      assertTrue(error.getJsonArray("details").isEmpty());
      ctx.completeNow();
    })));
  }

  @Test
  void shouldRefuseABodyOverTheLimitWith413(VertxTestContext ctx) {
    call(HttpMethod.POST, "/api/v1/echo", "{\"x\":\"" + "a".repeat(4096) + "\"}", null)
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(413, r.status());
          assertEquals("body_too_large", new JsonObject(r.body()).getString("code"));
          ctx.completeNow();
        })));
  }

  @Test
  void shouldRefuseAJsonArrayBody(VertxTestContext ctx) {
    call(HttpMethod.POST, "/api/v1/echo", "[1,2]", null).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(400, r.status());
      assertEquals("invalid_json", new JsonObject(r.body()).getString("code"));
      ctx.completeNow();
    })));
  }

  @Test
  void shouldTurnAnUnexpectedFailureInto500WithoutLeakingTheException(VertxTestContext ctx) {
    call(HttpMethod.GET, "/api/v1/boom", null, null).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(500, r.status());
      JsonObject error = new JsonObject(r.body());
      assertEquals("internal_error", error.getString("code"));
      assertTrue(!r.body().contains("IllegalStateException"));
      ctx.completeNow();
    })));
  }
}
