package io.poseidon.gateway;

import static io.poseidon.deploy.testing.Await.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.local.Ports;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code poseidon dev} as a user runs it, in its own process: ready, a registration read back,
 * stopped with SIGTERM and started again (state and schemas survived), then killed with SIGKILL and
 * started again (no orphan registry left, data still there).
 */
class DevCommandIT {

  @Test
  void shouldKeepInstancesAcrossARestartAndLeaveNoOrphanAfterKill9() throws Exception {
    Path home = Files.createTempDirectory("poseidon-dev-it"); // what .poseidon is in a checkout
    Path dataDir = home.resolve("data");
    int httpPort = Ports.freePort();
    List<String> args = List.of("--data-dir", dataDir.toString(), "--kafka-port", Integer.toString(Ports.freePort()),
        "--registry-port", Integer.toString(Ports.freePort()), "--http-port", Integer.toString(httpPort),
        "--services", "depths");

    try (DevProcess dev = DevProcess.start(args, Map.of(), httpPort)) {
      assertEquals(202, dev.post("/api/v1/services/payments/instances",
          "{\"instanceId\":\"i-1\",\"host\":\"10.0.0.7\",\"port\":8443,\"ttlSeconds\":600}").statusCode());
      until("instance listed", Duration.ofSeconds(30), () -> instanceCount(dev) == 1);

      // SIGTERM (what Ctrl-C and service managers send): clean stop
      assertTrue(dev.terminate(), "dev stopped on SIGTERM");
      assertTrue(dev.output.stream().anyMatch(l -> l.contains("[poseidon] stopped")),
          "exit " + dev.exitValue() + ", output:\n" + String.join("\n", dev.output));
    }

    long registryPid;
    try (DevProcess dev = DevProcess.start(args, Map.of(), httpPort)) {
      until("instance still listed after restart", Duration.ofSeconds(30), () -> instanceCount(dev) == 1);
      assertEquals(202, dev.post("/api/v1/services/payments/instances/i-1/heartbeat", "").statusCode());
      registryPid = Long.parseLong(Files.readString(dataDir.resolve("registry/registry.pid")).trim());
      dev.kill(); // kill -9 of the node's JVM: the registry child must not survive it
    }
    until("registry " + registryPid + " gone after kill -9", Duration.ofSeconds(20),
        () -> ProcessHandle.of(registryPid).map(p -> !p.isAlive()).orElse(true));

    // the third start as a production node would answer: no anonymous role, a low rate limit; with anchor
    List<String> withAnchor = new java.util.ArrayList<>(args);
    withAnchor.set(withAnchor.indexOf("depths"), "depths,anchor");
    try (DevProcess dev = DevProcess.start(withAnchor, Map.of("POSEIDON_HTTP_AUTH_ANONYMOUS_ROLE", "none",
        "POSEIDON_HTTP_RATE_LIMIT_REQUESTS_PER_SECOND", "20"), httpPort)) {
      String adminKey = Files.readString(home.resolve("admin-key")).trim();
      assertEquals(java.util.Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
          java.nio.file.attribute.PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(home.resolve("admin-key")));
      assertTrue(dev.output.stream().anyMatch(l -> l.contains("admin key " + adminKey)), "printed with the addresses");
      until("instance still listed after kill -9", Duration.ofSeconds(30), () -> instanceCount(dev, adminKey) == 1);
      accessControlAsAUserSeesIt(dev, adminKey);
      String plaintext = "s3cr3t-" + java.util.UUID.randomUUID();
      java.net.http.HttpResponse<String> put = dev.call("PUT", "/api/v1/secrets/payments/dev/db-password",
          Map.of("X-API-Key", adminKey), "{\"value\":\"" + plaintext + "\"}");
      assertEquals(202, put.statusCode(), put.body());
      until("secret revealed to the admin key", Duration.ofSeconds(30), () -> {
        java.net.http.HttpResponse<String> r = dev.call("POST", "/api/v1/secrets/payments/dev/db-password/reveal",
            Map.of("X-API-Key", adminKey), null);
        return r.statusCode() == 200 && plaintext.equals(new JsonObject(r.body()).getString("value"));
      });
      assertTrue(dev.terminate());
      assertTrue(dev.output.stream().noneMatch(l -> l.contains(plaintext)), "the node's log never shows a secret");
      List<Path> holding = new java.util.ArrayList<>();
      try (var files = Files.walk(home)) {
        for (Path file : files.filter(Files::isRegularFile).toList()) {
          if (io.poseidon.deploy.testing.Bytes.indexOf(Files.readAllBytes(file),
              plaintext.getBytes(java.nio.charset.StandardCharsets.UTF_8)) >= 0) {
            holding.add(file);
          }
        }
      }
      assertTrue(holding.isEmpty(), "the plaintext is in " + holding);
    }
  }


  /** The acceptance of access control, with plain HTTP as curl would send it. */
  private static void accessControlAsAUserSeesIt(DevProcess dev, String adminKey) {
    String registration = "{\"instanceId\":\"i-2\",\"host\":\"10.0.0.8\",\"port\":8443}";
    java.net.http.HttpResponse<String> anonymous = dev.call("POST", "/api/v1/services/payments/instances", Map.of(),
        registration);
    assertEquals(401, anonymous.statusCode(), anonymous.body());
    assertEquals("unauthorized", new JsonObject(anonymous.body()).getString("code"));
    assertEquals(202, dev.call("POST", "/api/v1/services/payments/instances", Map.of("X-API-Key", adminKey),
        registration).statusCode());
    java.net.http.HttpResponse<String> created = dev.call("POST", "/api/v1/api-keys", Map.of("X-API-Key", adminKey),
        "{\"name\":\"ci-bot\",\"role\":\"viewer\"}");
    assertEquals(201, created.statusCode(), created.body());
    String viewer = new JsonObject(created.body()).getString("key");
    assertEquals(403, dev.call("POST", "/api/v1/services/payments/instances", Map.of("X-API-Key", viewer),
        registration).statusCode());
    String unsigned = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes())
        + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
            "{\"sub\":\"x\",\"roles\":[\"admin\"],\"exp\":9999999999}".getBytes()) + ".";
    assertEquals(401, dev.call("POST", "/api/v1/services/payments/instances", Map.of("Authorization", "Bearer "
        + unsigned), registration).statusCode());
    int limited = 0;
    String retryAfter = null;
    for (int i = 0; i < 300; i++) {
      java.net.http.HttpResponse<String> r = dev.call("GET", "/api/v1/services/payments/instances",
          Map.of("X-API-Key", viewer), null);
      if (r.statusCode() == 429) {
        limited++;
        retryAfter = r.headers().firstValue("Retry-After").orElse(null);
      }
    }
    assertTrue(limited > 0 && retryAfter != null, "a burst of 300 at 20/s is limited: " + limited);
  }

  private static int instanceCount(DevProcess dev, String key) {
    java.net.http.HttpResponse<String> r = dev.call("GET", "/api/v1/services/payments/instances",
        Map.of("X-API-Key", key), null);
    return r.statusCode() == 200 ? new JsonObject(r.body()).getJsonArray("instances").size() : -1;
  }

  private static int instanceCount(DevProcess dev) {
    JsonObject list = dev.json("/api/v1/services/payments/instances");
    return list == null ? -1 : list.getJsonArray("instances").size();
  }
}
