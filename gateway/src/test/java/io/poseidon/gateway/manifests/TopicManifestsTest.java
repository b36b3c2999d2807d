package io.poseidon.gateway.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.poseidon.gateway.node.Services;
import io.poseidon.topology.catalog.TopicSpec;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed KafkaTopics under deploy/k8s/base/topics/ are what {@link TopicManifests} makes from the
 * topic catalog now. When this fails, the catalog changed: run {@code ./poseidon manifests} and commit.
 */
class TopicManifestsTest {

  private static final String REGENERATE = "run ./poseidon manifests and commit the result";

  @Test
  void shouldMatchTheCommittedKafkaTopics() throws IOException {
    List<String> differences = TopicManifests.differences(topicsDir(), TopicManifests.files());

    if (!differences.isEmpty()) {
      fail("deploy/k8s/base/topics/ is out of date with the topic catalog: " + REGENERATE + ":\n  "
          + String.join("\n  ", differences));
    }
  }

  @Test
  void shouldReportATopicAddedToTheCatalogWithoutRegenerating() throws IOException {
    List<TopicSpec> catalog = new ArrayList<>(Services.catalog().all());
    catalog.add(new TopicSpec("depths.new-facts", 3, "delete", Duration.ofDays(7), "service name (string)", null,
        "depths", "A topic added to the catalog after the manifests were generated."));

    List<String> differences = TopicManifests.differences(topicsDir(), TopicManifests.files(catalog));

    assertTrue(differences.stream().anyMatch(d -> d.startsWith("missing") && d.endsWith("depths.new-facts.yaml")),
        "the new topic's KafkaTopic is reported missing: " + differences);
    assertTrue(differences.stream().anyMatch(d -> d.startsWith("stale") && d.endsWith("kustomization.yaml")),
        "the kustomization that must list it is reported stale: " + differences);
  }

  @Test
  void shouldReportAChangedPartitionCountAndARemovedTopic() throws IOException {
    List<TopicSpec> catalog = new ArrayList<>(Services.catalog().all());
    TopicSpec registrations = catalog.stream().filter(t -> t.name().equals("depths.registrations")).findFirst()
        .orElseThrow();
    catalog.set(catalog.indexOf(registrations), new TopicSpec(registrations.name(), registrations.partitions() + 3,
        registrations.cleanupPolicy(), registrations.retention(), registrations.keyType(), registrations.valueSchema(),
        registrations.owner(), registrations.doc(), registrations.extraConfigs()));
    catalog.removeIf(t -> t.name().equals("sim.dlq"));

    List<String> differences = TopicManifests.differences(topicsDir(), TopicManifests.files(catalog));

    assertTrue(differences.contains("stale   " + topicsDir().resolve("depths.registrations.yaml")), differences.toString());
    assertTrue(differences.stream().anyMatch(d -> d.startsWith("extra") && d.contains("sim.dlq.yaml")),
        differences.toString());
  }

  @Test
  void shouldWriteExactlyTheCatalogAndRemoveTopicsItNoLongerHas(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("gone.topic.yaml"), "kind: KafkaTopic\n");
    Map<String, String> files = TopicManifests.files();

    TopicManifests.write(dir, files);

    assertEquals(List.of(), TopicManifests.differences(dir, files));
    assertFalse(Files.exists(dir.resolve("gone.topic.yaml")));
  }

  @Test
  void shouldCarryEveryCatalogSettingIntoItsKafkaTopic() {
    Map<String, String> files = TopicManifests.files();
    List<TopicSpec> catalog = Services.catalog().all();
    assertEquals(catalog.size() + 1, files.size(), "one file per topic and the kustomization");
    for (TopicSpec topic : catalog) {
      List<Map<String, Object>> documents = ManifestModels.documents(files.get(TopicManifests.fileName(topic)));
      assertEquals(1, documents.size());
      KafkaTopic resource = (KafkaTopic) ManifestModels.read(documents.get(0));

      assertEquals(topic.name(), resource.getMetadata().getName());
      assertEquals(topic.name(), resource.getSpec().getTopicName());
      assertEquals(TopicManifests.CLUSTER, resource.getMetadata().getLabels().get("strimzi.io/cluster"));
      assertEquals(topic.owner(), resource.getMetadata().getLabels().get("poseidon.io/owner"));
      assertEquals(topic.partitions(), resource.getSpec().getPartitions(), topic.name());
      assertEquals(TopicManifests.REPLICAS, resource.getSpec().getReplicas(), topic.name());
      Map<String, String> config = new TreeMap<>();
      resource.getSpec().getConfig().forEach((k, v) -> config.put(k, String.valueOf(v)));
      assertEquals(new TreeMap<>(topic.configs()), config, topic.name() + ": cleanup policy, retention, pinned configs");
    }
  }

  @Test
  void shouldProduceTheSameFilesEveryTime() {
    assertEquals(TopicManifests.files(), TopicManifests.files());
  }

  static Path topicsDir() {
    return ManifestModels.k8sDir().resolve("base").resolve("topics");
  }
}
