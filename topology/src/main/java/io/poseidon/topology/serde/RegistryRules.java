package io.poseidon.topology.serde;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node makes sure of in the schema registry before it starts: that the registry answers, that
 * it enforces a global compatibility rule at least as strict as {@code registry.compatibility} (BACKWARD
 * by default: a new schema must read what the previous one wrote), and that the value schemas of this
 * build are registered for the node's topics. A build whose schema breaks that rule is refused by the
 * registry, and the node does not start: the error names the topic, the rule and the registry's reason.
 * (Without this the serializers register whatever they are given on first use.)
 */
public final class RegistryRules {

  private static final Logger log = LoggerFactory.getLogger(RegistryRules.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern CONFIG = Pattern.compile("\"config\"\\s*:\\s*\"([A-Z_]+)\"");
  private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** The registry is not there, or refuses what the node needs. */
  public static final class RegistryException extends RuntimeException {
    public RegistryException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private RegistryRules() {}

  private static HttpClient http() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** Fails with a clear message when the registry does not answer its v2 API at {@code registryUrl}. */
  public static void check(String registryUrl) {
    HttpResponse<String> response = send(registryUrl, HttpRequest.newBuilder(URI.create(registryUrl + "/system/info"))
        .GET());
    if (response.statusCode() != 200) {
      throw new RegistryException("the schema registry at " + registryUrl + " answered " + response.statusCode()
          + " to GET /system/info: is registry.url the Apicurio v2 API (…/apis/registry/v2)?", null);
    }
  }

  /**
   * Makes the registry's global COMPATIBILITY rule at least {@code wanted}: a rule that already implies
   * it is kept; a FORWARD rule becomes FULL (both directions); anything else is replaced.
   *
   * @return the rule in force afterwards
   */
  public static String ensureCompatibility(String registryUrl, String wanted) {
    check(registryUrl);
    HttpResponse<String> current = send(registryUrl,
        HttpRequest.newBuilder(URI.create(registryUrl + "/admin/rules/COMPATIBILITY")).GET());
    String existing = null;
    if (current.statusCode() == 200) {
      Matcher m = CONFIG.matcher(current.body());
      existing = m.find() ? m.group(1) : null;
    } else if (current.statusCode() != 404) {
      throw new RegistryException("the schema registry at " + registryUrl + " answered " + current.statusCode()
          + " to GET /admin/rules/COMPATIBILITY: " + current.body(), null);
    }
    if (existing != null && implies(existing, wanted)) {
      log.info("Registry {} enforces global compatibility {} (at least {})", registryUrl, existing, wanted);
      return existing;
    }
    String rule = combined(existing, wanted);
    String body = "{\"type\":\"COMPATIBILITY\",\"config\":\"" + rule + "\"}";
    HttpRequest.Builder request = existing == null
        ? HttpRequest.newBuilder(URI.create(registryUrl + "/admin/rules")).POST(HttpRequest.BodyPublishers.ofString(body))
        : HttpRequest.newBuilder(URI.create(registryUrl + "/admin/rules/COMPATIBILITY"))
            .PUT(HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> set = send(registryUrl, request.header("Content-Type", "application/json"));
    if (set.statusCode() / 100 != 2 && set.statusCode() != 409) {
      throw new RegistryException("the schema registry at " + registryUrl + " refused the global compatibility rule "
          + rule + " (" + set.statusCode() + "): " + set.body(), null);
    }
    log.info("Registry {}: global compatibility rule {} → {}", registryUrl, existing == null ? "none" : existing, rule);
    return rule;
  }

  /**
   * Registers the value schema of each topic ({@code <topic>-value}, the serdes' TopicIdStrategy, group
   * {@code default}) unless the registry has it already. A schema the compatibility rule refuses fails
   * with every refusal named.
   */
  public static void registerValueSchemas(String registryUrl, Map<String, Schema> schemasByTopic) {
    List<String> refused = new ArrayList<>();
    for (Map.Entry<String, Schema> entry : schemasByTopic.entrySet()) {
      String artifactId = entry.getKey() + "-value";
      HttpResponse<String> response = send(registryUrl, HttpRequest.newBuilder(URI.create(registryUrl
              + "/groups/default/artifacts?ifExists=RETURN_OR_UPDATE&canonical=true"))
          .header("Content-Type", "application/json")
          .header("X-Registry-ArtifactId", URLEncoder.encode(artifactId, StandardCharsets.UTF_8))
          .header("X-Registry-ArtifactType", "AVRO")
          .POST(HttpRequest.BodyPublishers.ofString(entry.getValue().toString())));
      if (response.statusCode() == 409) {
        Matcher m = MESSAGE.matcher(response.body());
        refused.add(artifactId + ": " + (m.find() ? m.group(1).replace("\\\"", "\"") : response.body()));
      } else if (response.statusCode() / 100 != 2) {
        throw new RegistryException("the schema registry at " + registryUrl + " answered " + response.statusCode()
            + " when registering " + artifactId + ": " + response.body(), null);
      }
    }
    if (!refused.isEmpty()) {
      throw new RegistryException("the schema registry at " + registryUrl + " refuses schemas of this build: they "
          + "break its compatibility rule, so readers of what is already on the topics would fail — "
          + String.join("; ", refused) + ". Change the schemas compatibly (add fields with defaults) or run the "
          + "build that wrote these topics.", null);
    }
  }

  /** Whether rule {@code existing} guarantees at least what {@code wanted} asks. */
  static boolean implies(String existing, String wanted) {
    return switch (wanted) {
      case "BACKWARD" -> List.of("BACKWARD", "BACKWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE").contains(existing);
      case "BACKWARD_TRANSITIVE", "FULL" -> existing.equals(wanted) || existing.equals("FULL_TRANSITIVE");
      default -> existing.equals(wanted);
    };
  }

  /** The rule to set when {@code existing} (possibly null) does not imply {@code wanted}. */
  static String combined(String existing, String wanted) {
    if (existing != null && existing.startsWith("FORWARD")) {
      return existing.endsWith("TRANSITIVE") || wanted.endsWith("TRANSITIVE") ? "FULL_TRANSITIVE" : "FULL";
    }
    return wanted;
  }

  private static HttpResponse<String> send(String registryUrl, HttpRequest.Builder request) {
    try {
      return http().send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new RegistryException("cannot reach the schema registry at " + registryUrl + " (registry.url / "
          + "POSEIDON_REGISTRY_URL): " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException("interrupted while talking to the registry", e);
    }
  }
}
