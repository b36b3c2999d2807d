package io.poseidon.gateway.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.service.ServiceContext;
import io.poseidon.topology.service.ServiceModule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

/** The services of the build, as the node picks and checks them. */
class NodeServicesTest {

  private static PoseidonConfig config(Map<String, String> values) {
    return new PoseidonConfig(ConfigSource.of(values));
  }

  @Test
  void shouldRunTheNamedServicesOnceEach() {
    List<GatewayService<?>> running = Node.servicesToRun(config(Map.of(PoseidonConfig.NODE_SERVICES,
        "depths, harbor, depths")));
    assertEquals(List.of("depths", "harbor"), running.stream().map(GatewayService::name).toList());
  }

  @Test
  void shouldRejectAServiceNotInTheBuildNamingTheAvailableOnes() {
    ConfigException e = assertThrows(ConfigException.class, () -> Node.servicesToRun(config(Map.of(
        PoseidonConfig.NODE_SERVICES, "depths,poseidon-x"))));
    assertTrue(e.getMessage().contains("poseidon-x"), e.getMessage());
    for (String known : Services.names()) {
      assertTrue(e.getMessage().contains(known), "names " + known + ": " + e.getMessage());
    }
  }

  @Test
  void shouldRefuseASimulatorUnlessAllowed() {
    ConfigException refused = assertThrows(ConfigException.class, () -> Node.servicesToRun(config(Map.of(
        PoseidonConfig.NODE_SERVICES, "harbor,sim"))));
    assertTrue(refused.getMessage().contains(PoseidonConfig.NODE_ALLOW_SIMULATORS), refused.getMessage());

    List<GatewayService<?>> allowed = Node.servicesToRun(config(Map.of(PoseidonConfig.NODE_SERVICES, "harbor,sim",
        PoseidonConfig.NODE_ALLOW_SIMULATORS, "true")));
    assertEquals(List.of("harbor", "sim"), allowed.stream().map(GatewayService::name).toList());
  }

  @Test
  void shouldNameEachServiceOnceAndPrefixItsConfigKeysWithItsName() {
    Set<String> names = new HashSet<>();
    for (ServiceModule<?> module : Services.modules()) {
      assertTrue(names.add(module.name()), "service named twice: " + module.name());
      for (String key : module.config().names()) {
        assertTrue(key.startsWith(module.name() + "."), module.name() + " defines " + key);
      }
    }
    Services.catalog(); // composes without conflicts
  }

  /** Every topic a topology reads or writes is one its module declares (its own or one it uses). */
  @Test
  void shouldDeclareEverySourceAndSinkTopicOfEveryTopology() {
    for (ServiceModule<?> module : Services.modules()) {
      Set<String> declared = new HashSet<>();
      module.topics().forEach(t -> declared.add(t.name()));
      List<String> undeclared = new ArrayList<>();
      for (String topic : topicsOf(module.topology(ServiceContext.defaults()).describe())) {
        if (!topic.endsWith("-repartition") && !declared.contains(topic)) {
          undeclared.add(topic);
        }
      }
      assertEquals(List.of(), undeclared, module.name() + " reads or writes topics its module does not declare");
      assertTrue(module.topics().stream().map(TopicSpec::name).anyMatch(n -> n.equals(module.name() + ".dlq")),
          module.name() + " has its dead-letter topic");
    }
  }

  private static Set<String> topicsOf(TopologyDescription description) {
    Set<String> topics = new HashSet<>();
    for (TopologyDescription.Subtopology sub : description.subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Source source) {
          topics.addAll(source.topicSet());
        } else if (node instanceof TopologyDescription.Sink sink && sink.topic() != null) {
          topics.add(sink.topic());
        }
      }
    }
    for (TopologyDescription.GlobalStore global : description.globalStores()) {
      topics.addAll(global.source().topicSet());
    }
    return topics;
  }
}
