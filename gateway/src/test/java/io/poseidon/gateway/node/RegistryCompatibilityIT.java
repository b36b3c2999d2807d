package io.poseidon.gateway.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.deploy.local.RegistryServer;
import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.depths.DepthsTopics;
import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.serde.RegistryRules;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry refuses a schema that breaks the readers of what is already registered, and a node
 * whose build would register one does not start. A registry of its own (the shared one must not get
 * a foreign schema for depths.registrations), on the shared broker.
 */
@ExtendWith(PoseidonStackExtension.class)
class RegistryCompatibilityIT {

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path dir;

  @Test
  void shouldRefuseAnIncompatibleSchemaAndKeepANodeOfThatBuildFromStarting(TestStack stack) throws Exception {
    try (RegistryServer registry = RegistryServer.start(dir.resolve("registry"), 0, RegistryServer.DEFAULT_START_TIMEOUT)) {
      String url = registry.url();
      // Given a registry without rules, holding what "another build" wrote to depths.registrations:
      // an InstanceEvent whose meta is a plain string
      assertEquals(404, get(url + "/admin/rules/COMPATIBILITY").statusCode(), "a fresh registry enforces nothing");
      RegistryRules.registerValueSchemas(url, Map.of(DepthsTopics.REGISTRATIONS.name(), otherBuildsInstanceEvent()));

      // When a node of this build starts on it
      Map<String, String> values = new LinkedHashMap<>();
      values.put(PoseidonConfig.REGISTRY_URL, url);
      values.put(PoseidonConfig.NODE_SERVICES, "depths");
      RuntimeException refused = assertThrows(RuntimeException.class, () -> NodeFixture.start(stack,
          stack.uniqueName("node"), stack.uniqueName("compat") + "-", values).close());

      // Then the registry enforces BACKWARD and refuses this build's schema, and the error says which and why
      JsonObject rule = new JsonObject(get(url + "/admin/rules/COMPATIBILITY").body());
      assertEquals("BACKWARD", rule.getString("config"));
      String message = refused.getMessage();
      assertTrue(message.contains("depths.registrations-value"), message);
      assertTrue(message.contains("refuses schemas of this build"), message);
      assertTrue(message.toLowerCase().contains("incompatible") || message.contains("BACKWARD"), message);
      JsonObject versions = new JsonObject(get(url + "/groups/default/artifacts/depths.registrations-value/versions")
          .body());
      assertEquals(1, versions.getInteger("count"), "nothing of this build was registered: " + versions);
    }
  }

  @Test
  void shouldKeepAStricterRuleAndLeaveACompatibleChangeIn() throws Exception {
    try (RegistryServer registry = RegistryServer.start(dir.resolve("registry"), 0, RegistryServer.DEFAULT_START_TIMEOUT)) {
      String url = registry.url();
      assertEquals("FULL", RegistryRules.ensureCompatibility(url, "FULL"));
      assertEquals("FULL", RegistryRules.ensureCompatibility(url, "BACKWARD"), "FULL is stricter than BACKWARD: kept");

      Schema v1 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"E\",\"namespace\":\"compat\","
          + "\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}");
      Schema v2 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"E\",\"namespace\":\"compat\","
          + "\"fields\":[{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":\"int\",\"default\":0}]}");
      Schema broken = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"E\",\"namespace\":\"compat\","
          + "\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
      RegistryRules.registerValueSchemas(url, Map.of("compat.events", v1));
      RegistryRules.registerValueSchemas(url, Map.of("compat.events", v2)); // a field with a default: compatible
      RegistryRules.RegistryException e = assertThrows(RegistryRules.RegistryException.class,
          () -> RegistryRules.registerValueSchemas(url, Map.of("compat.events", broken)));
      assertTrue(e.getMessage().contains("compat.events-value"), e.getMessage());
    }
  }

  /** This build's InstanceEvent, but with {@code meta} a string: what this build cannot read. */
  private static Schema otherBuildsInstanceEvent() {
    JsonObject schema = new JsonObject(InstanceEvent.getClassSchema().toString());
    JsonArray fields = schema.getJsonArray("fields");
    for (int i = 0; i < fields.size(); i++) {
      if (fields.getJsonObject(i).getString("name").equals("meta")) {
        fields.getJsonObject(i).put("type", "string");
      }
    }
    return new Schema.Parser().parse(schema.encode());
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
