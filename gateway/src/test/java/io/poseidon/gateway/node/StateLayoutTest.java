package io.poseidon.gateway.node;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.serde.SerdeFactory;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state a node keeps on disk is laid out by Kafka Streams as {@code <application>/<subtopology>_<partition>}:
 * a sub-topology's number is where its stores live. A change that renumbers sub-topologies (a global
 * store added before the existing processors, say) makes a restarted node open one sub-topology's
 * directories as another's — Kafka Streams 4.3 then fails at start ("Metrics recorder is re-initialised
 * with different task"). This test keeps the numbers of existing sub-topologies and their stores as
 * released ({@code src/test/resources/state-layout.txt}): new stores and sub-topologies may be added,
 * existing ones may not move. {@code -Dposeidon.state-layout.snapshot=true} rewrites the file (for new
 * sub-topologies; never to accept a move).
 */
class StateLayoutTest {

  private static final Path SNAPSHOT = Path.of("src/test/resources/state-layout.txt");

  @TempDir
  Path dir;

  @Test
  void shouldKeepTheSubTopologyOfEveryReleasedStore() throws IOException {
    Map<String, String> current = layout();
    if (Boolean.getBoolean("poseidon.state-layout.snapshot")) {
      StringBuilder out = new StringBuilder("# <service> <sub-topology>: its state stores (StateLayoutTest)\n");
      current.forEach((k, v) -> out.append(k).append(": ").append(v).append('\n'));
      Files.writeString(SNAPSHOT, out.toString(), StandardCharsets.UTF_8);
    }
    List<String> moved = new ArrayList<>();
    for (String line : Files.readAllLines(SNAPSHOT, StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String key = line.substring(0, line.indexOf(':'));
      TreeSet<String> released = new TreeSet<>(List.of(line.substring(line.indexOf(':') + 1).trim().split(",")));
      String now = current.get(key);
      TreeSet<String> stores = now == null ? new TreeSet<>() : new TreeSet<>(List.of(now.split(",")));
      if (!stores.containsAll(released)) {
        moved.add(key + " held " + released + ", now " + (now == null ? "nothing" : stores));
      }
    }
    assertTrue(moved.isEmpty(), "sub-topologies renumbered: a restarted node would open their state as another's "
        + "(add global stores and new processors after the existing ones):\n" + String.join("\n", moved)
        + "\nnow: " + current);
  }

  /** {@code "<service> <id>"} → its stores, for every sub-topology with stores (global ones excluded). */
  private Map<String, String> layout() throws IOException {
    Path keys = dir.resolve("master-keys");
    ServiceContext context = new ServiceContext(SerdeFactory.forTopologyTests(), ConfigSource.of(Map.of(
        "anchor.master-keys.file", keys.toString(), "anchor.master-keys.generate", "true")), Clock.systemUTC());
    Map<String, String> layout = new TreeMap<>();
    for (ServiceModule<?> module : Services.modules()) {
      TopologyDescription description = module.topology(context).describe();
      for (TopologyDescription.Subtopology sub : description.subtopologies()) {
        TreeSet<String> stores = new TreeSet<>();
        sub.nodes().forEach(n -> {
          if (n instanceof TopologyDescription.Processor p) {
            stores.addAll(p.stores());
          }
        });
        if (!stores.isEmpty()) {
          layout.put(module.name() + " " + sub.id(), String.join(",", stores));
        }
      }
    }
    return layout;
  }
}
