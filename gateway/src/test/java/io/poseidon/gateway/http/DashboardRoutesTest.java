package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dashboard's static files through the gateway as a node builds it: public, each with its content
 * type, the page's own Content-Security-Policy on what it serves and the gateway's JSON 404 for the rest.
 */
@ExtendWith(VertxExtension.class)
class DashboardRoutesTest {

  private GatewayFixture gateway;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    gateway = new GatewayFixture(vertx).start();
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void shouldServeThePageAtTheRootWithoutCredentialsUnderItsOwnPolicy() {
    GatewayFixture.Reply page = gateway.get("/");

    assertEquals(200, page.status(), page.body());
    assertTrue(page.header("Content-Type").startsWith("text/html"), page.header("Content-Type"));
    assertTrue(page.body().contains("<title>Poseidon dashboard</title>"), page.body());
    assertEquals(DashboardRoutes.CONTENT_SECURITY_POLICY, page.header("Content-Security-Policy"));
    assertEquals("nosniff", page.header("X-Content-Type-Options"));
  }

  @Test
  void shouldServeTheAssetsWithTheirContentTypes() {
    GatewayFixture.Reply script = gateway.get(DashboardRoutes.PREFIX + "dashboard.js");
    GatewayFixture.Reply style = gateway.get(DashboardRoutes.PREFIX + "dashboard.css");

    assertEquals(200, script.status());
    assertTrue(script.header("Content-Type").contains("javascript"), script.header("Content-Type"));
    assertEquals(DashboardRoutes.CONTENT_SECURITY_POLICY, script.header("Content-Security-Policy"));
    assertEquals(200, style.status());
    assertTrue(style.header("Content-Type").startsWith("text/css"), style.header("Content-Type"));
  }

  @Test
  void shouldLoadNothingButItsOwnFiles() {
    String page = gateway.get("/").body();

    assertTrue(page.contains("src=\"dashboard/dashboard.js\""), "the script is a file of the jar, not inline");
    assertTrue(!page.contains("<script>") && !page.contains("http://") && !page.contains("https://"),
        "no inline script, nothing from elsewhere: " + page);
    assertTrue(DashboardRoutes.CONTENT_SECURITY_POLICY.contains("script-src 'self'")
        && !DashboardRoutes.CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
  }

  @Test
  void shouldAnswerAMissingAssetWithTheGatewaysJsonNotFound() {
    GatewayFixture.Reply missing = gateway.get(DashboardRoutes.PREFIX + "no-such-file.js");
    GatewayFixture.Reply outside = gateway.get(DashboardRoutes.PREFIX + "../openapi/harbor.yaml");

    assertEquals(404, missing.status());
    assertEquals("not_found", missing.code());
    assertTrue(missing.header("Content-Type").startsWith("application/json"));
    assertEquals("default-src 'none'; frame-ancestors 'none'", missing.header("Content-Security-Policy"),
        "an answer the dashboard does not serve keeps the gateway's policy");
    assertEquals(404, outside.status(), "nothing outside dashboard/ is served: " + outside.body());
  }

  @Test
  void shouldLeaveTheApiAndItsPolicyAsTheyAre() {
    GatewayFixture.Reply api = gateway.call(HttpMethod.GET, "/api/v1/topics", Map.of(), null);

    assertEquals(200, api.status());
    assertEquals("default-src 'none'; frame-ancestors 'none'", api.header("Content-Security-Policy"));
  }
}
