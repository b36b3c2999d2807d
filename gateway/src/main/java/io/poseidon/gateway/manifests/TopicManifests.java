package io.poseidon.gateway.manifests;

import io.poseidon.gateway.node.Services;
import io.poseidon.topology.catalog.TopicSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Writes the Strimzi {@code KafkaTopic} resources of the topic catalog — one file per topic and the
 * {@code kustomization.yaml} that lists them — into {@code deploy/k8s/base/topics/}, from the same
 * catalog the node provisions at start-up and {@code docs/topics.md} lists ({@link Services#catalog()}):
 * partitions, cleanup policy, retention and the extra configs a topic pins. Dead-letter topics are in the
 * catalog, so they get a KafkaTopic; Streams-internal topics (changelogs, repartitions) are not: Kafka
 * Streams creates them itself. {@code TopicManifestsTest} fails when the committed files differ.
 *
 * <pre>
 * ./poseidon manifests                          (re)writes deploy/k8s/base/topics/
 * java ... TopicManifests [--check] [DIR]       DIR defaults to deploy/k8s/base/topics; --check only reports (exit 1)
 * </pre>
 *
 * <p>The files carry production's replication factor; the dev overlay patches every KafkaTopic down to its
 * one broker.
 */
public final class TopicManifests {

  /** The first line of every generated file. */
  public static final String HEADER = "# generated from the topic catalog by io.poseidon.gateway.manifests.TopicManifests: "
      + "do not edit by hand, run ./poseidon manifests";

  /** The Strimzi {@code Kafka} resource the topics belong to (label {@code strimzi.io/cluster}). */
  public static final String CLUSTER = "poseidon";

  /** Replicas of every topic in the base (production: three brokers, min.insync.replicas 2). */
  public static final int REPLICAS = 3;

  public static final String API_VERSION = "kafka.strimzi.io/v1";
  public static final String KUSTOMIZATION = "kustomization.yaml";

  private TopicManifests() {}

  /** The committed location, relative to the repository root. */
  public static Path defaultDir() {
    return Path.of("deploy", "k8s", "base", "topics");
  }

  /** File name → content for {@code topics}, in a stable order: one file per topic, then the kustomization. */
  public static Map<String, String> files(Collection<TopicSpec> topics) {
    Map<String, String> files = new LinkedHashMap<>();
    topics.stream().sorted(java.util.Comparator.comparing(TopicSpec::name))
        .forEach(topic -> files.put(fileName(topic), kafkaTopic(topic)));
    files.put(KUSTOMIZATION, kustomization(HEADER, files.keySet()));
    return files;
  }

  /** The files of this build's catalog. */
  public static Map<String, String> files() {
    return files(Services.catalog().all());
  }

  public static String fileName(TopicSpec topic) {
    return topic.name() + ".yaml";
  }

  /** One KafkaTopic: metadata.name is the topic name (a topic name of the catalog is a valid resource name). */
  static String kafkaTopic(TopicSpec topic) {
    StringBuilder y = new StringBuilder(HEADER).append('\n');
    y.append("# ").append(topic.doc().replace('\n', ' ')).append('\n');
    y.append("apiVersion: ").append(API_VERSION).append('\n');
    y.append("kind: KafkaTopic\n");
    y.append("metadata:\n");
    y.append("  name: ").append(topic.name()).append('\n');
    y.append("  labels:\n");
    y.append("    strimzi.io/cluster: ").append(CLUSTER).append('\n');
    y.append("    app.kubernetes.io/part-of: poseidon\n");
    y.append("    poseidon.io/owner: ").append(topic.owner()).append('\n');
    y.append("spec:\n");
    y.append("  topicName: ").append(topic.name()).append('\n');
    y.append("  partitions: ").append(topic.partitions()).append('\n');
    y.append("  replicas: ").append(REPLICAS).append('\n');
    y.append("  config:\n");
    new TreeMap<>(topic.configs()).forEach((key, value) ->
        y.append("    ").append(key).append(": ").append(quoted(value)).append('\n'));
    return y.toString();
  }

  /** The {@code kustomization.yaml} of a generated directory: {@code header}, then {@code resources} in order. */
  static String kustomization(String header, java.util.Collection<String> resources) {
    StringBuilder kustomization = new StringBuilder(header).append('\n')
        .append("apiVersion: kustomize.config.k8s.io/v1beta1\n")
        .append("kind: Kustomization\n")
        .append("resources:\n");
    resources.forEach(name -> kustomization.append("  - ").append(name).append('\n'));
    return kustomization.toString();
  }

  /** A YAML double-quoted scalar. */
  static String quoted(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /**
   * What differs between {@code dir} and {@code files}: one line per missing, changed or extra
   * {@code *.yaml} file. Empty when the directory holds exactly these files.
   */
  public static List<String> differences(Path dir, Map<String, String> files) throws IOException {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> file : files.entrySet()) {
      Path path = dir.resolve(file.getKey());
      if (!Files.isRegularFile(path)) {
        problems.add("missing " + path);
      } else if (!Files.readString(path, StandardCharsets.UTF_8).replace("\r\n", "\n").equals(file.getValue())) {
        problems.add("stale   " + path);
      }
    }
    for (Path extra : yamlFiles(dir)) {
      if (!files.containsKey(extra.getFileName().toString())) {
        problems.add("extra   " + extra + " (no such topic in the catalog)");
      }
    }
    return problems;
  }

  private static List<Path> yamlFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
    }
  }

  /** Writes {@code files} into {@code dir} and removes the {@code *.yaml} files of topics no longer catalogued. */
  public static void write(Path dir, Map<String, String> files) throws IOException {
    Files.createDirectories(dir);
    for (Path existing : yamlFiles(dir)) {
      if (!files.containsKey(existing.getFileName().toString())) {
        Files.delete(existing);
        System.out.println("removed     " + existing);
      }
    }
    for (Map.Entry<String, String> file : files.entrySet()) {
      Path path = dir.resolve(file.getKey());
      String current = Files.isRegularFile(path) ? Files.readString(path, StandardCharsets.UTF_8) : null;
      if (!file.getValue().equals(current)) {
        Files.writeString(path, file.getValue(), StandardCharsets.UTF_8);
        System.out.println("wrote       " + path);
      }
    }
  }

  public static void main(String[] args) throws IOException {
    boolean check = false;
    Path dir = defaultDir();
    for (String arg : args) {
      if (arg.equals("--check")) {
        check = true;
      } else if (arg.startsWith("-")) {
        System.err.println("usage: TopicManifests [--check] [DIR]   (DIR defaults to " + defaultDir() + ")");
        System.exit(2);
      } else {
        dir = Path.of(arg);
      }
    }
    Map<String, String> files = files();
    List<String> differences = differences(dir, files);
    if (differences.isEmpty()) {
      System.out.println("up to date  " + dir + " (" + (files.size() - 1) + " KafkaTopics)");
      return;
    }
    if (check) {
      differences.forEach(System.out::println);
      System.err.println("the KafkaTopic manifests are out of date with the topic catalog: run ./poseidon manifests");
      System.exit(1);
    }
    write(dir, files);
    System.out.println((files.size() - 1) + " KafkaTopics in " + dir);
  }
}
