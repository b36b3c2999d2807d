package io.poseidon.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.gateway.http.auth.AccessControl;
import io.poseidon.gateway.http.auth.ApiKeys;
import io.poseidon.gateway.http.auth.JwtVerifier;
import io.poseidon.gateway.http.auth.OperationPolicy;
import io.poseidon.gateway.http.auth.Role;
import io.poseidon.schemas.access.ApiKey;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Access control over real HTTP, on the contract the node serves: a table generated from the OpenAPI
 * document — every operation × no identity, each role (API key and JWT), a revoked key, and forged,
 * expired, not-yet-valid, unsigned ({@code alg: none}), key-confused (HS256 with the RSA public key),
 * wrong-audience, wrong-issuer and exp-less tokens — checked against the operation's
 * {@code x-poseidon-role}; then the object-level rules, rate limits, CORS and security headers.
 */
@ExtendWith(VertxExtension.class)
class AccessControlTest {

  private static final String ISSUER = "https://id.example.com";
  private static final String AUDIENCE = "poseidon";
  private static KeyPair rsa;
  private static String publicPem;

  @TempDir
  static Path dir;

  private GatewayFixture gateway;

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    rsa = generator.generateKeyPair();
    publicPem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(rsa.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    Files.writeString(dir.resolve("jwt.pem"), publicPem);
  }

  private GatewayFixture start(Vertx vertx, Role anonymous, double rate) throws Exception {
    gateway = new GatewayFixture(vertx);
    gateway.accessSettings = new AccessControl.Settings(AccessControl.Mode.REQUIRED, anonymous, Set.of("prod"), rate, 0,
        List.of("https://portal.example.com"));
    gateway.jwt = JwtVerifier.create(vertx, new JwtVerifier.Settings(List.of("RS256"), dir.resolve("jwt.pem"), null,
        ISSUER, AUDIENCE, 5, "roles", "services"));
    return gateway.start();
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  // --- the matrix --------------------------------------------------------------------------------

  /** What a caller sends, and what it is expected to be: a role, or nobody (401). */
  private record Identity(String name, Map<String, String> headers, Role role) {}

  @Test
  void shouldAnswerEveryOperationForEveryIdentityAsItsRoleSays(Vertx vertx) throws Exception {
    start(vertx, null, 0);
    long now = Instant.now().getEpochSecond();
    List<Identity> identities = new ArrayList<>();
    identities.add(new Identity("no identity", Map.of(), null));
    for (Role role : Role.values()) {
      identities.add(new Identity(role.id() + " key", Map.of("X-API-Key", gateway.key("k-" + role.id(), role)), role));
      identities.add(new Identity(role.id() + " key as bearer", Map.of("Authorization", "Bearer "
          + gateway.key("b-" + role.id(), role)), role));
      identities.add(new Identity(role.id() + " JWT", bearer(rs256(claims(now, role.id()))), role));
    }
    String revoked = gateway.key("gone", Role.ADMIN);
    ApiKey record = gateway.keys.get(ApiKeys.keyIdOf(revoked).orElseThrow()).orElseThrow();
    gateway.keys.apply(record.getKeyId(), ApiKey.newBuilder(record).setRevokedAt(Instant.now()).setRevokedBy("t").build());
    identities.add(new Identity("revoked key", Map.of("X-API-Key", revoked), null));
    identities.add(new Identity("unknown key", Map.of("X-API-Key", "psk_0123456789abcdef_"
        + "A".repeat(43)), null));
    identities.add(new Identity("malformed key", Map.of("X-API-Key", "letmein"), null));
    identities.add(new Identity("forged JWT", bearer(forged(claims(now, "admin"))), null));
    identities.add(new Identity("expired JWT", bearer(rs256(claims(now, "admin").put("exp", now - 600))), null));
    identities.add(new Identity("not yet valid JWT", bearer(rs256(claims(now, "admin").put("nbf", now + 600))), null));
    identities.add(new Identity("alg none JWT", bearer(unsigned(claims(now, "admin"))), null));
    identities.add(new Identity("HS256 with the public key", bearer(hs256(claims(now, "admin"),
        publicPem.getBytes(StandardCharsets.US_ASCII))), null));
    identities.add(new Identity("wrong audience JWT", bearer(rs256(claims(now, "admin").put("aud", "someone-else"))), null));
    identities.add(new Identity("wrong issuer JWT", bearer(rs256(claims(now, "admin").put("iss", "https://evil"))), null));
    JsonObject noExp = claims(now, "admin");
    noExp.remove("exp");
    identities.add(new Identity("JWT without exp", bearer(rs256(noExp)), null));
    identities.add(new Identity("Basic auth", Map.of("Authorization", "Basic YWRtaW46YWRtaW4="), null));

    Map<String, OperationPolicy> policies = OperationPolicy.of(gateway.contract);
    Map<String, String> routes = gateway.contract.operationRoutes();
    assertEquals(routes.keySet(), policies.keySet(), "every operation has a policy");
    List<String> wrong = new ArrayList<>();
    int checked = 0;
    for (Map.Entry<String, String> route : routes.entrySet()) {
      OperationPolicy policy = policies.get(route.getKey());
      String method = route.getValue().substring(0, route.getValue().indexOf(' '));
      String path = sample(route.getValue().substring(method.length() + 1));
      for (Identity identity : identities) {
        Map<String, String> headers = new LinkedHashMap<>(identity.headers());
        String body = null;
        if (!method.equals("GET") && !method.equals("DELETE")) {
          headers.put("Content-Type", "application/json");
          body = "[]"; // past access control the contract refuses it: nothing is produced, nothing waits
        }
        GatewayFixture.Reply reply = gateway.call(HttpMethod.valueOf(method), path, headers, body);
        int expected;
        if (policy.isPublic()) {
          expected = -1; // anything but 401/403
        } else if (identity.role() == null) {
          expected = 401;
        } else if (!identity.role().covers(policy.role())) {
          expected = 403;
        } else {
          expected = -1;
        }
        boolean ok = expected == -1 ? reply.status() != 401 && reply.status() != 403 : reply.status() == expected;
        if (!ok) {
          wrong.add(route.getKey() + " as " + identity.name() + ": " + reply.status() + " (expected "
              + (expected == -1 ? "not 401/403" : expected) + ")");
        }
        if (reply.status() == 401) {
          assertEquals("unauthorized", reply.code());
          assertFalse(reply.body().toLowerCase().contains("expired") || reply.body().contains("audience")
              || reply.body().contains("signature"), "a 401 does not say which check failed: " + reply.body());
        }
        checked++;
      }
    }
    assertTrue(wrong.isEmpty(), wrong.size() + " of " + checked + " answers are wrong:\n" + String.join("\n", wrong));
    assertTrue(checked > 40 * identities.size(), "the table covers every operation: " + checked);
  }

  @Test
  void shouldLetAnonymousCallersActWithTheAnonymousRoleButNeverOnSecretsOrKeys(Vertx vertx) throws Exception {
    start(vertx, Role.OPERATOR, 0);
    assertEquals(202, gateway.postJson("/api/v1/services/payments/instances",
        "{\"instanceId\":\"i-1\",\"host\":\"10.0.0.7\",\"port\":8443}").status());
    assertEquals("anonymous", ((io.poseidon.schemas.depths.InstanceEvent) gateway.producer.history().get(0).value())
        .getMeta().getActor());
    assertEquals(401, gateway.postJson("/api/v1/api-keys", "{\"name\":\"x\",\"role\":\"viewer\"}").status(),
        "keys always need an identity");
    assertEquals(401, gateway.postJson("/api/v1/topics/tide.ingest/events", "{}").status(), "admin only");
  }

  // --- object-level rules -----------------------------------------------------------------------

  @Test
  void shouldLimitAScopedKeyToItsServicesAndProdToOperators(Vertx vertx) throws Exception {
    start(vertx, null, 0);
    String scoped = gateway.key("payments-bot", Role.DEVELOPER, "payments");
    Map<String, String> json = Map.of("Content-Type", "application/json", "X-API-Key", scoped);
    String registration = "{\"instanceId\":\"i-1\",\"host\":\"10.0.0.7\",\"port\":8443}";
    assertEquals(202, gateway.post("/api/v1/services/payments/instances", json, registration).status());
    GatewayFixture.Reply other = gateway.post("/api/v1/services/orders/instances", json, registration);
    assertEquals(403, other.status());
    assertTrue(other.body().contains("limited to services [payments]"), other.body());
    GatewayFixture.Reply ingest = gateway.post("/api/v1/ingest", json, "{\"source\":\"s\",\"kind\":\"log\"}");
    assertEquals(403, ingest.status(), "a write that names no service is refused to a scoped key: " + ingest.body());

    String deploy = "{\"service\":\"payments\",\"version\":\"1.2.3\",\"environments\":[\"dev\",\"prod\"],\"strategy\":\"rolling\"}";
    GatewayFixture.Reply developer = gateway.post("/api/v1/deployments", json, deploy);
    assertEquals(403, developer.status(), developer.body());
    assertTrue(developer.body().contains("prod needs the operator role"), developer.body());
    assertEquals(202, gateway.post("/api/v1/deployments", json,
        "{\"service\":\"payments\",\"version\":\"1.2.3\",\"environments\":[\"dev\",\"staging\"],\"strategy\":\"rolling\"}").status());
    String operator = gateway.key("ops", Role.OPERATOR);
    assertEquals(202, gateway.post("/api/v1/deployments", Map.of("Content-Type", "application/json", "X-API-Key",
        operator), deploy).status());
    assertTrue(gateway.producer.history().size() == 3, "nothing produced for a refused request");
    String viewer = gateway.key("reader", Role.VIEWER);
    GatewayFixture.Reply prodConfig = gateway.call(HttpMethod.GET, "/api/v1/config/payments/prod",
        Map.of("X-API-Key", viewer), null);
    assertTrue(prodConfig.status() != 403 && prodConfig.status() != 401, "reading prod is for viewers: "
        + prodConfig.body());
    GatewayFixture.Reply prodPut = gateway.call(HttpMethod.PUT, "/api/v1/config/payments/prod",
        Map.of("X-API-Key", scoped, "Content-Type", "application/json"), "{\"values\":{\"a\":\"1\"}}");
    assertEquals(403, prodPut.status(), "changing prod config needs an operator: " + prodPut.body());
  }

  // --- rate limits, CORS, headers ------------------------------------------------------------------

  @Test
  void shouldAnswer429WithRetryAfterBeyondAPrincipalsRateButNeverLimitHealth(Vertx vertx) throws Exception {
    start(vertx, null, 20);
    String key = gateway.key("busy", Role.VIEWER);
    String other = gateway.key("calm", Role.VIEWER);
    int limited = 0;
    String retryAfter = null;
    for (int i = 0; i < 300; i++) {
      GatewayFixture.Reply reply = gateway.call(HttpMethod.GET, "/api/v1/topics", Map.of("X-API-Key", key), null);
      if (reply.status() == 429) {
        limited++;
        retryAfter = reply.header("Retry-After");
        assertEquals("rate_limited", reply.code());
      }
    }
    assertTrue(limited > 200, "20/s with a burst of 40: most of 300 at once are refused, " + limited);
    assertNotNull(retryAfter);
    assertTrue(Integer.parseInt(retryAfter) >= 1);
    assertEquals(200, gateway.call(HttpMethod.GET, "/api/v1/topics", Map.of("X-API-Key", other), null).status(),
        "buckets are per principal");
    for (int i = 0; i < 100; i++) {
      assertEquals(200, gateway.get("/health").status(), "health is never limited");
    }
  }

  @Test
  void shouldPutSecurityHeadersOnEveryAnswerAndAllowOnlyListedOrigins(Vertx vertx) throws Exception {
    start(vertx, null, 0);
    for (GatewayFixture.Reply reply : List.of(gateway.get("/health"), gateway.get("/api/v1/topics"),
        gateway.get("/nope"))) {
      assertEquals("nosniff", reply.header("X-Content-Type-Options"));
      assertEquals("DENY", reply.header("X-Frame-Options"));
      assertEquals("no-store", reply.header("Cache-Control"));
      assertNotNull(reply.header("Content-Security-Policy"));
    }
    assertEquals("Bearer realm=\"poseidon\"", gateway.get("/api/v1/topics").header("WWW-Authenticate"));
    GatewayFixture.Reply preflight = gateway.call(HttpMethod.OPTIONS, "/api/v1/topics", Map.of("Origin",
        "https://portal.example.com", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers",
        "x-api-key"), null);
    assertEquals(204, preflight.status(), preflight.body());
    assertEquals("https://portal.example.com", preflight.header("Access-Control-Allow-Origin"));
    GatewayFixture.Reply stranger = gateway.call(HttpMethod.OPTIONS, "/api/v1/topics", Map.of("Origin",
        "https://evil.example.com", "Access-Control-Request-Method", "GET"), null);
    assertEquals(null, stranger.header("Access-Control-Allow-Origin"), "an origin not listed gets no CORS grant");
  }

  // --- helpers -----------------------------------------------------------------------------------

  /** A path template with its parameters filled with values that pass the contract. */
  private static String sample(String template) {
    return template.replace("{service}", "payments").replace("{env}", "dev").replace("{keyId}", "0123456789abcdef")
        .replace("{topic}", "tide.ingest").replaceAll("\\{[A-Za-z]+}", "x-1");
  }

  private static JsonObject claims(long now, String role) {
    return new JsonObject().put("sub", "ada").put("iss", ISSUER).put("aud", AUDIENCE).put("iat", now)
        .put("exp", now + 300).put("roles", new io.vertx.core.json.JsonArray().add(role));
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String signingInput(String alg, JsonObject claims) {
    return b64(new JsonObject().put("alg", alg).put("typ", "JWT").encode().getBytes(StandardCharsets.UTF_8)) + "."
        + b64(claims.encode().getBytes(StandardCharsets.UTF_8));
  }

  private static String rs256(JsonObject claims) throws Exception {
    String input = signingInput("RS256", claims);
    Signature signature = Signature.getInstance("SHA256withRSA");
    signature.initSign(rsa.getPrivate());
    signature.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + b64(signature.sign());
  }

  /** Signed by another key pair. */
  private static String forged(JsonObject claims) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    String input = signingInput("RS256", claims);
    Signature signature = Signature.getInstance("SHA256withRSA");
    signature.initSign(generator.generateKeyPair().getPrivate());
    signature.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + b64(signature.sign());
  }

  private static String unsigned(JsonObject claims) {
    return signingInput("none", claims) + ".";
  }

  private static String hs256(JsonObject claims, byte[] secret) throws Exception {
    String input = signingInput("HS256", claims);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
    return input + "." + b64(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
  }
}
