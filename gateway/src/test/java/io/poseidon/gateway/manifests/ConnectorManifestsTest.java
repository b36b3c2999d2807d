package io.poseidon.gateway.manifests;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed KafkaConnectors under deploy/k8s/base/connect/connectors/ are what {@link ConnectorManifests}
 * makes from deploy/connect/connectors/*.json now: a sink changed for the local stack is changed for the
 * cluster too. When this fails, run {@code ./poseidon manifests} and commit.
 */
class ConnectorManifestsTest {

  @Test
  void shouldMatchTheCommittedKafkaConnectors() throws IOException {
    Path root = ManifestModels.k8sDir().getParent().getParent();
    List<String> differences = TopicManifests.differences(root.resolve(ConnectorManifests.defaultDir()),
        ConnectorManifests.files(root.resolve(ConnectorManifests.sourceDir())));

    if (!differences.isEmpty()) {
      fail("deploy/k8s/base/connect/connectors/ is out of date with deploy/connect/connectors/: run ./poseidon "
          + "manifests and commit the result:\n  " + String.join("\n  ", differences));
    }
  }

  @Test
  void shouldReportAChangedConnectorConfiguration(@TempDir Path tmp) throws IOException {
    Path root = ManifestModels.k8sDir().getParent().getParent();
    Path source = root.resolve(ConnectorManifests.sourceDir());
    for (Path json : Files.list(source).toList()) {
      Files.copy(json, tmp.resolve(json.getFileName()));
    }
    Path deployments = tmp.resolve("harbor-deployments.json");
    Files.writeString(deployments, Files.readString(deployments).replace("\"upsert\"", "\"insert\""));

    Map<String, String> files = ConnectorManifests.files(tmp);
    List<String> differences = TopicManifests.differences(root.resolve(ConnectorManifests.defaultDir()), files);

    assertTrue(differences.stream().anyMatch(d -> d.startsWith("stale") && d.endsWith("harbor-deployments.yaml")),
        "the changed connector is reported: " + differences);
  }
}
