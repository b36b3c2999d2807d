package io.poseidon.gateway.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes a Strimzi {@code KafkaConnector} per connector configuration of {@code deploy/connect/connectors/}
 * (the files {@code ./poseidon dev --with-connect} registers on its local worker) into
 * {@code deploy/k8s/base/connect/connectors/}, with the {@code kustomization.yaml} that lists them: one
 * definition of every sink, on a laptop and on a cluster. The configurations name the database and the
 * registry through {@code ${env:POSEIDON_SINK_*}}: the local worker sets those variables, and the
 * {@code KafkaConnect} resource sets them in its pods (from the {@code poseidon-postgres} Secret).
 * {@code ConnectorManifestsTest} fails when the committed files differ.
 *
 * <pre>
 * ./poseidon manifests      also (re)writes deploy/k8s/base/connect/connectors/
 * </pre>
 */
public final class ConnectorManifests {

  public static final String HEADER = "# generated from deploy/connect/connectors/ by "
      + "io.poseidon.gateway.manifests.ConnectorManifests: do not edit by hand, run ./poseidon manifests";

  /** The {@code KafkaConnect} resource the connectors run on (label {@code strimzi.io/cluster}). */
  public static final String CONNECT_CLUSTER = "poseidon-connect";

  private static final ObjectMapper JSON = new ObjectMapper();

  private ConnectorManifests() {}

  public static Path sourceDir() {
    return Path.of("deploy", "connect", "connectors");
  }

  public static Path defaultDir() {
    return Path.of("deploy", "k8s", "base", "connect", "connectors");
  }

  /** File name → content: one KafkaConnector per {@code *.json} of {@code source}, then the kustomization. */
  public static Map<String, String> files(Path source) throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    List<Path> jsons;
    try (Stream<Path> list = Files.list(source)) {
      jsons = list.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    }
    for (Path json : jsons) {
      JsonNode definition = JSON.readTree(json.toFile());
      String name = definition.path("name").asText();
      files.put(name + ".yaml", kafkaConnector(definition));
      String deadLetters = definition.path("config").path("errors.deadletterqueue.topic.name").asText("");
      if (!deadLetters.isEmpty()) {
        files.put(deadLetters + ".yaml", deadLetterTopic(name, deadLetters));
      }
    }
    files.put(TopicManifests.KUSTOMIZATION, TopicManifests.kustomization(HEADER, files.keySet()));
    return files;
  }

  static String kafkaConnector(JsonNode definition) {
    JsonNode config = definition.path("config");
    StringBuilder y = new StringBuilder(HEADER).append('\n');
    if (definition.hasNonNull("doc")) {
      y.append("# ").append(definition.get("doc").asText().replace('\n', ' ')).append('\n');
    }
    y.append("apiVersion: ").append(TopicManifests.API_VERSION).append('\n');
    y.append("kind: KafkaConnector\n");
    y.append("metadata:\n");
    y.append("  name: ").append(definition.path("name").asText()).append('\n');
    y.append("  labels:\n");
    y.append("    strimzi.io/cluster: ").append(CONNECT_CLUSTER).append('\n');
    y.append("    app.kubernetes.io/part-of: poseidon\n");
    y.append("spec:\n");
    y.append("  class: ").append(config.path("connector.class").asText()).append('\n');
    y.append("  tasksMax: ").append(config.path("tasks.max").asInt(1)).append('\n');
    y.append("  config:\n");
    for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("connector.class") || e.getKey().equals("tasks.max")) {
        continue;
      }
      y.append("    ").append(e.getKey()).append(": ").append(TopicManifests.quoted(e.getValue().asText())).append('\n');
    }
    return y.toString();
  }

  /** The connector's own dead-letter topic: Connect's, not a Poseidon service's, so not in the topic catalog. */
  static String deadLetterTopic(String connector, String topic) {
    return HEADER + "\n"
        + "# Records the connector " + connector + " could not convert or transform, with the reason in the "
        + "__connect.errors.* headers.\n"
        + "apiVersion: " + TopicManifests.API_VERSION + "\n"
        + "kind: KafkaTopic\n"
        + "metadata:\n"
        + "  name: " + topic + "\n"
        + "  labels:\n"
        + "    strimzi.io/cluster: " + TopicManifests.CLUSTER + "\n"
        + "    app.kubernetes.io/part-of: poseidon\n"
        + "spec:\n"
        + "  topicName: " + topic + "\n"
        + "  partitions: 1\n"
        + "  replicas: " + TopicManifests.REPLICAS + "\n"
        + "  config:\n"
        + "    cleanup.policy: \"delete\"\n"
        + "    retention.ms: \"" + io.poseidon.topology.catalog.TopicSpec.DEAD_LETTER_RETENTION.toMillis() + "\"\n";
  }

  public static void main(String[] args) throws IOException {
    boolean check = List.of(args).contains("--check");
    Path dir = defaultDir();
    Map<String, String> files = files(sourceDir());
    List<String> differences = TopicManifests.differences(dir, files);
    if (differences.isEmpty()) {
      System.out.println("up to date  " + dir + " (" + (files.size() - 1) + " KafkaConnectors)");
      return;
    }
    if (check) {
      differences.forEach(System.out::println);
      System.err.println("the KafkaConnector manifests are out of date with deploy/connect/connectors: run ./poseidon manifests");
      System.exit(1);
    }
    TopicManifests.write(dir, files);
    System.out.println((files.size() - 1) + " KafkaConnectors and their dead-letter KafkaTopics in " + dir);
  }
}
