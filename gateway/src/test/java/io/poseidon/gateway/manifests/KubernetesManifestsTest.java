package io.poseidon.gateway.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.poseidon.gateway.node.Services;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.strimzi.api.kafka.model.connect.KafkaConnect;
import io.strimzi.api.kafka.model.connector.KafkaConnector;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.kafka.JbodStorage;
import io.strimzi.api.kafka.model.kafka.PersistentClaimStorage;
import io.strimzi.api.kafka.model.kafka.EphemeralStorage;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.nodepool.ProcessRoles;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s/ checked without a cluster: every YAML document read strictly into the Kubernetes (fabric8)
 * or Strimzi model of its kind (a misspelled field fails), the kustomizations' references, a KafkaTopic
 * for every catalogued topic, and what the node's StatefulSet must have to be a safe Streams member.
 * Where kubectl is installed, the dev and prod overlays are also rendered with its Kustomize and the
 * result is checked the same way (skipped otherwise).
 */
class KubernetesManifestsTest {

  private static final Set<String> KUSTOMIZATION_FIELDS = Set.of("apiVersion", "kind", "namespace", "namePrefix",
      "nameSuffix", "labels", "commonLabels", "commonAnnotations", "resources", "components", "patches", "images",
      "replicas", "configMapGenerator", "secretGenerator", "generatorOptions", "crds", "buildMetadata", "sortOptions");

  private static final String STATE_DIR_ENV = ConfigSource.envName(PoseidonConfig.STREAMS_STATE_DIR);

  // ---------------------------------------------------------------- every file, strictly

  @Test
  void shouldReadEveryManifestStrictlyIntoItsModel() throws IOException {
    List<String> problems = new ArrayList<>();
    int read = 0;
    for (Path file : yamlFiles(ManifestModels.k8sDir())) {
      for (Map<String, Object> document : ManifestModels.documents(file)) {
        if (ManifestModels.isKustomization(document)) {
          continue;
        }
        try {
          ManifestModels.read(document);
          read++;
        } catch (IllegalArgumentException e) {
          problems.add(ManifestModels.k8sDir().relativize(file) + ": " + e.getMessage());
        }
      }
    }
    assertEquals(List.of(), problems);
    assertTrue(read > Services.catalog().all().size(), "read " + read + " documents");
  }

  @Test
  void shouldRejectAMisspelledOrMistypedField() {
    IllegalArgumentException statefulSet = assertThrows(IllegalArgumentException.class, () -> ManifestModels.read(
        ManifestModels.documents("""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: x}
            spec:
              replica: 3
            """).get(0)));
    assertTrue(statefulSet.getMessage().contains("replica") && statefulSet.getMessage().contains("spec"),
        statefulSet.getMessage());

    IllegalArgumentException probe = assertThrows(IllegalArgumentException.class, () -> ManifestModels.read(
        ManifestModels.documents("""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: x}
            spec:
              template:
                spec:
                  containers:
                    - name: node
                      readinessProbe:
                        httpGet: {pat: /ready, port: 8080}
            """).get(0)));
    assertTrue(probe.getMessage().contains("spec.template.spec.containers[0].readinessProbe.httpGet"),
        probe.getMessage());

    IllegalArgumentException topic = assertThrows(IllegalArgumentException.class, () -> ManifestModels.read(
        ManifestModels.documents("""
            apiVersion: kafka.strimzi.io/v1
            kind: KafkaTopic
            metadata: {name: depths.registrations}
            spec: {partiton: 3}
            """).get(0)));
    assertTrue(topic.getMessage().contains("partiton"), topic.getMessage());

    IllegalArgumentException storage = assertThrows(IllegalArgumentException.class, () -> ManifestModels.read(
        ManifestModels.documents("""
            apiVersion: kafka.strimzi.io/v1
            kind: KafkaNodePool
            metadata: {name: broker}
            spec:
              replicas: 3
              roles: [broker]
              storage: {type: persistent-volume, size: 1Gi}
            """).get(0)));
    assertTrue(storage.getMessage().contains("persistent-volume"), storage.getMessage());

    assertThrows(IllegalArgumentException.class, () -> ManifestModels.read(ManifestModels.documents("""
        apiVersion: kafka.strimzi.io/v1beta1
        kind: KafkaTopic
        metadata: {name: t}
        """).get(0)), "an apiVersion the checks do not know");
    assertThrows(RuntimeException.class, () -> ManifestModels.documents("""
        kind: Service
        kind: Service
        """), "a duplicate key");
  }

  // ---------------------------------------------------------------- kustomizations

  @Test
  void shouldReferenceOnlyFilesThatExistAndLeaveNoManifestOut() throws IOException {
    List<String> problems = new ArrayList<>();
    Set<Path> reached = new HashSet<>();
    for (String overlay : List.of("dev", "prod")) {
      walk(ManifestModels.k8sDir().resolve("overlays").resolve(overlay), reached, problems);
    }
    assertEquals(List.of(), problems);
    List<Path> unreached = yamlFiles(ManifestModels.k8sDir()).stream().map(KubernetesManifestsTest::normal)
        .filter(p -> !reached.contains(p)).toList();
    assertEquals(List.of(), unreached, "YAML files no overlay includes");
  }

  /** Every file {@code dir}'s kustomization reaches (itself, its resources and patches), recursively. */
  @SuppressWarnings("unchecked")
  private static void walk(Path dir, Set<Path> reached, List<String> problems) throws IOException {
    Path file = dir.resolve("kustomization.yaml");
    if (!Files.isRegularFile(file)) {
      problems.add(dir + " has no kustomization.yaml");
      return;
    }
    if (!reached.add(normal(file))) {
      return;
    }
    List<Map<String, Object>> documents = ManifestModels.documents(file);
    if (documents.size() != 1) {
      problems.add(file + ": one document expected");
      return;
    }
    Map<String, Object> kustomization = documents.get(0);
    if (!ManifestModels.KUSTOMIZATION_API.equals(kustomization.get("apiVersion"))
        || !"Kustomization".equals(kustomization.get("kind"))) {
      problems.add(file + ": not a " + ManifestModels.KUSTOMIZATION_API + " Kustomization");
    }
    for (String field : kustomization.keySet()) {
      if (!KUSTOMIZATION_FIELDS.contains(field)) {
        problems.add(file + ": unknown Kustomization field " + field);
      }
    }
    for (Object resource : (List<Object>) kustomization.getOrDefault("resources", List.of())) {
      Path target = dir.resolve(String.valueOf(resource));
      if (Files.isDirectory(target)) {
        walk(target, reached, problems);
      } else if (Files.isRegularFile(target)) {
        reached.add(normal(target));
      } else {
        problems.add(file + ": resource " + resource + " does not exist");
      }
    }
    for (Object entry : (List<Object>) kustomization.getOrDefault("patches", List.of())) {
      Map<String, Object> patch = (Map<String, Object>) entry;
      if (patch.containsKey("path")) {
        Path target = dir.resolve(String.valueOf(patch.get("path")));
        if (Files.isRegularFile(target)) {
          reached.add(normal(target));
        } else {
          problems.add(file + ": patch " + patch.get("path") + " does not exist");
        }
      } else if (!patch.containsKey("patch")) {
        problems.add(file + ": a patch with neither path nor patch");
      }
    }
  }

  // ---------------------------------------------------------------- topics

  @Test
  void shouldHaveAKafkaTopicForEveryCatalogedTopicAndNoneForStreamsInternalOnes() throws IOException {
    Map<String, KafkaTopic> topics = new LinkedHashMap<>();
    for (Object resource : read(ManifestModels.k8sDir().resolve("base"))) {
      if (resource instanceof KafkaTopic topic) {
        topics.put(topic.getSpec().getTopicName(), topic);
      }
    }
    for (TopicSpec spec : Services.catalog().all()) {
      KafkaTopic topic = topics.get(spec.name());
      assertNotNull(topic, "no KafkaTopic for " + spec.name() + " under deploy/k8s/base: run ./poseidon manifests");
      assertEquals(spec.partitions(), topic.getSpec().getPartitions(), spec.name());
      assertEquals(spec.cleanupPolicy(), topic.getSpec().getConfig().get("cleanup.policy"), spec.name());
    }
    for (String service : Services.names()) {
      assertTrue(topics.containsKey(TopicSpec.deadLetterName(service)), "the dead-letter topic of " + service);
    }
    for (String name : topics.keySet()) {
      assertTrue(!name.endsWith("-changelog") && !name.endsWith("-repartition"),
          name + ": Streams creates its internal topics itself");
    }
  }

  // ---------------------------------------------------------------- the node

  @Test
  void shouldRunTheNodeAsAStatefulSetThatClosesStreamsCleanly() throws IOException {
    List<Object> base = read(ManifestModels.k8sDir().resolve("base"));
    StatefulSet node = only(base, StatefulSet.class);
    Container container = node.getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, EnvVar> env = env(container);

    // the state directory is on the pod's own volume claim
    assertEquals("state", node.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName());
    String mount = container.getVolumeMounts().stream().filter(m -> m.getName().equals("state")).findFirst()
        .orElseThrow(() -> new AssertionError("the state claim is not mounted")).getMountPath();
    assertTrue(env.get(STATE_DIR_ENV).getValue().startsWith(mount + "/"), "streams.state.dir under " + mount);

    // identity from the pod: node.id its name, application.server its DNS name through the headless Service
    assertEquals("POD_NAME", env.keySet().iterator().next(), "POD_NAME first, so later values can use it");
    assertEquals("metadata.name", env.get("POD_NAME").getValueFrom().getFieldRef().getFieldPath());
    assertEquals("$(POD_NAME)", env.get(ConfigSource.envName(PoseidonConfig.NODE_ID)).getValue());
    String advertised = env.get(ConfigSource.envName("http.advertised.host")).getValue();
    assertTrue(advertised.startsWith("$(POD_NAME)." + node.getSpec().getServiceName() + "."), advertised);
    Service headless = services(base).get(node.getSpec().getServiceName());
    assertNotNull(headless, "the StatefulSet's serviceName is a Service");
    assertEquals("None", headless.getSpec().getClusterIP());
    assertEquals(Boolean.TRUE, headless.getSpec().getPublishNotReadyAddresses());
    assertEquals("0.0.0.0", env.get(ConfigSource.envName(PoseidonConfig.HTTP_HOST)).getValue());

    assertEquals("1", env.get(ConfigSource.envName(PoseidonConfig.STREAMS_NUM_STANDBY_REPLICAS)).getValue());
    assertEquals("/ready", container.getReadinessProbe().getHttpGet().getPath());
    assertEquals("/health", container.getLivenessProbe().getHttpGet().getPath());
    assertNotNull(container.getLifecycle().getPreStop(), "a preStop hook");
    long preStop = container.getLifecycle().getPreStop().getSleep().getSeconds();
    int services = env.get(ConfigSource.envName(PoseidonConfig.NODE_SERVICES)).getValue().split(",").length;
    // Node.close(): HTTP 10 s, 30 s per service, the clients; after the preStop
    long cleanClose = preStop + 10 + 30L * services + 15;
    assertTrue(node.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() >= cleanClose,
        "terminationGracePeriodSeconds must cover a Streams close of " + services + " services: " + cleanClose + " s");
    assertNotNull(container.getResources().getRequests().get("memory"));
    assertNotNull(container.getResources().getLimits().get("memory"));

    // every POSEIDON_* variable is a key the node reads (a typo would be silently ignored by the node)
    Set<String> known = Services.configDefinitions().stream().map(ConfigDef::names).flatMap(Set::stream)
        .map(ConfigSource::envName).collect(Collectors.toSet());
    for (String name : env.keySet()) {
      assertTrue(!name.startsWith("POSEIDON_") || known.contains(name), name + " is not a configuration key");
    }

    // the secrets are referenced, never committed
    Set<String> secrets = node.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getSecret() != null).map(v -> v.getSecret().getSecretName()).collect(Collectors.toSet());
    assertEquals(Set.of("poseidon-admin-key", "poseidon-master-keys"), secrets);
    assertTrue(base.stream().noneMatch(r -> r instanceof io.fabric8.kubernetes.api.model.Secret), "no Secret committed");

    PodDisruptionBudget pdb = only(base, PodDisruptionBudget.class);
    assertEquals(1, pdb.getSpec().getMaxUnavailable().getIntVal());
    assertEquals(node.getSpec().getSelector().getMatchLabels(), pdb.getSpec().getSelector().getMatchLabels());

    Service gateway = services(base).get("poseidon-node");
    assertEquals("ClusterIP", gateway.getSpec().getType());
    assertEquals("http", gateway.getSpec().getPorts().get(0).getTargetPort().getStrVal());

    ServiceMonitor monitor = only(base, ServiceMonitor.class);
    assertEquals("/metrics", monitor.getSpec().getEndpoints().get(0).getPath());
    assertEquals(1, services(base).values().stream().filter(s -> s.getMetadata().getLabels().entrySet()
        .containsAll(monitor.getSpec().getSelector().getMatchLabels().entrySet())).count(),
        "the ServiceMonitor selects one Service");
  }

  @Test
  void shouldPointTheNodeRegistryAndConnectAtTheStrimziCluster() throws IOException {
    List<Object> base = read(ManifestModels.k8sDir().resolve("base"));
    Kafka kafka = only(base, Kafka.class);
    assertEquals("enabled", kafka.getMetadata().getAnnotations().get("strimzi.io/kraft"));
    assertEquals("enabled", kafka.getMetadata().getAnnotations().get("strimzi.io/node-pools"));
    assertNotNull(kafka.getSpec().getEntityOperator().getTopicOperator(), "the topic operator runs");
    String bootstrap = kafka.getMetadata().getName() + "-kafka-bootstrap:9092";

    Map<String, EnvVar> env = env(only(base, StatefulSet.class).getSpec().getTemplate().getSpec().getContainers().get(0));
    assertEquals(bootstrap, env.get(ConfigSource.envName(PoseidonConfig.KAFKA_BOOTSTRAP_SERVERS)).getValue());
    String registryUrl = env.get(ConfigSource.envName(PoseidonConfig.REGISTRY_URL)).getValue();
    assertTrue(registryUrl.startsWith("http://poseidon-registry:8080/") && registryUrl.endsWith("/apis/registry/v2"),
        registryUrl);
    assertNotNull(services(base).get("poseidon-registry"));

    KafkaConnect connect = only(base, KafkaConnect.class);
    assertEquals(bootstrap, connect.getSpec().getBootstrapServers());
    assertEquals("true", connect.getMetadata().getAnnotations().get("strimzi.io/use-connector-resources"));
    Set<String> plugins = connect.getSpec().getBuild().getPlugins().stream().flatMap(p -> p.getArtifacts().stream())
        .map(a -> ((io.strimzi.api.kafka.model.connect.build.MavenArtifact) a).getArtifact()).collect(Collectors.toSet());
    assertEquals(Set.of("debezium-connector-jdbc", "apicurio-registry-utils-converter"), plugins);

    Map<String, String> connectEnv = new java.util.HashMap<>();
    connect.getSpec().getTemplate().getConnectContainer().getEnv().forEach(v -> connectEnv.put(v.getName(),
        v.getValue() != null ? v.getValue() : v.getValueFrom().getSecretKeyRef().getName()));
    List<KafkaConnector> sinks = base.stream().filter(KafkaConnector.class::isInstance).map(KafkaConnector.class::cast)
        .toList();
    assertTrue(sinks.stream().anyMatch(s -> "harbor_deployments".equals(s.getSpec().getConfig().get("collection.name.format"))),
        "the deployments sink is there");
    for (KafkaConnector sink : sinks) {
      String name = sink.getMetadata().getName();
      assertEquals(connect.getMetadata().getName(), sink.getMetadata().getLabels().get("strimzi.io/cluster"), name);
      Map<String, Object> config = sink.getSpec().getConfig();
      assertEquals("io.debezium.connector.jdbc.JdbcSinkConnector", sink.getSpec().getClassName(), name);
      assertEquals("upsert", config.get("insert.mode"), name);
      assertEquals("all", config.get("errors.tolerance"), name);
      String deadLetters = String.valueOf(config.get("errors.deadletterqueue.topic.name"));
      assertTrue(base.stream().anyMatch(r -> r instanceof KafkaTopic t && t.getSpec().getTopicName().equals(deadLetters)),
          name + ": the connector's dead-letter topic is a KafkaTopic");
      // every ${env:X} the connector reads is set in the Connect pods
      java.util.regex.Matcher refs = java.util.regex.Pattern.compile("\\$\\{env:([A-Z0-9_]+)}")
          .matcher(config.values().toString());
      while (refs.find()) {
        assertTrue(connectEnv.containsKey(refs.group(1)), name + " reads " + refs.group(1) + ", which the KafkaConnect pods lack");
      }
      if (String.valueOf(config.get("value.converter")).contains("apicurio")) {
        io.poseidon.topology.serde.SerdeFactory.framing().forEach((key, value) -> assertEquals(value,
            String.valueOf(config.get("value.converter." + key)), name + ": the serdes' wire format (docs/adr/0018): " + key));
      }
    }
    assertEquals("poseidon-postgres", connectEnv.get("POSEIDON_SINK_JDBC_URL"), "the database URL comes from the Secret");

    for (Object resource : base) {
      if (resource instanceof KafkaTopic topic) {
        assertEquals(kafka.getMetadata().getName(), topic.getMetadata().getLabels().get("strimzi.io/cluster"),
            topic.getMetadata().getName());
      }
    }
  }

  // ---------------------------------------------------------------- the overlays, rendered

  @Test
  void shouldRenderProdWithThreeControllersThreeBrokersAndThreeNodes() throws Exception {
    List<Object> prod = render("prod");
    assertEquals(3, only(prod, StatefulSet.class).getSpec().getReplicas());
    Map<String, KafkaNodePool> pools = prod.stream().filter(KafkaNodePool.class::isInstance).map(KafkaNodePool.class::cast)
        .collect(Collectors.toMap(p -> p.getMetadata().getName(), p -> p));
    assertEquals(Set.of("controller", "broker"), pools.keySet());
    assertEquals(List.of(ProcessRoles.CONTROLLER), pools.get("controller").getSpec().getRoles());
    assertEquals(List.of(ProcessRoles.BROKER), pools.get("broker").getSpec().getRoles());
    for (KafkaNodePool pool : pools.values()) {
      assertEquals(3, pool.getSpec().getReplicas(), pool.getMetadata().getName());
      JbodStorage storage = (JbodStorage) pool.getSpec().getStorage();
      assertTrue(storage.getVolumes().stream().allMatch(PersistentClaimStorage.class::isInstance),
          pool.getMetadata().getName() + " on persistent claims");
    }
    assertTopics(prod, 3);
    assertTrue(prod.stream().allMatch(r -> "poseidon".equals(
        ((io.fabric8.kubernetes.api.model.HasMetadata) r).getMetadata().getNamespace())), "everything in poseidon");
  }

  @Test
  void shouldRenderDevWithOneEphemeralDualRoleNodeAndOnePoseidonNode() throws Exception {
    List<Object> dev = render("dev");
    StatefulSet node = only(dev, StatefulSet.class);
    assertEquals(1, node.getSpec().getReplicas());
    assertTrue(node.getSpec().getVolumeClaimTemplates() == null || node.getSpec().getVolumeClaimTemplates().isEmpty(),
        "dev is ephemeral: no volume claims");
    assertNotNull(node.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getName().equals("state"))
        .findFirst().orElseThrow().getEmptyDir(), "the state directory on an emptyDir");
    KafkaNodePool pool = only(dev, KafkaNodePool.class);
    assertEquals(1, pool.getSpec().getReplicas());
    assertEquals(Set.of(ProcessRoles.CONTROLLER, ProcessRoles.BROKER), Set.copyOf(pool.getSpec().getRoles()));
    assertTrue(((JbodStorage) pool.getSpec().getStorage()).getVolumes().stream().allMatch(EphemeralStorage.class::isInstance));
    assertTopics(dev, 1);
    assertEquals("1", env(node.getSpec().getTemplate().getSpec().getContainers().get(0))
        .get(ConfigSource.envName(PoseidonConfig.TOPICS_REPLICATION_FACTOR)).getValue());
  }

  /** Every catalogued topic rendered, none with more replicas than the overlay has brokers. */
  private static void assertTopics(List<Object> rendered, int brokers) {
    Set<String> names = new HashSet<>();
    for (Object resource : rendered) {
      if (resource instanceof KafkaTopic topic) {
        names.add(topic.getSpec().getTopicName());
        assertEquals(brokers, topic.getSpec().getReplicas(), topic.getMetadata().getName());
      }
    }
    for (TopicSpec spec : Services.catalog().all()) {
      assertTrue(names.contains(spec.name()), spec.name() + " rendered");
    }
  }

  /** {@code kubectl kustomize} of an overlay, read strictly; skipped where kubectl is not installed. */
  private static List<Object> render(String overlay) throws Exception {
    Path dir = ManifestModels.k8sDir().resolve("overlays").resolve(overlay);
    Process process;
    try {
      process = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(false).start();
    } catch (IOException e) {
      Assumptions.abort("kubectl is not installed: the overlays are not rendered (" + e.getMessage() + ")");
      throw e;
    }
    byte[] out = process.getInputStream().readAllBytes();
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      fail("kubectl kustomize " + dir + " failed: " + err);
    }
    List<Object> resources = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Map<String, Object> document : ManifestModels.documents(new String(out, StandardCharsets.UTF_8))) {
      try {
        resources.add(ManifestModels.read(document));
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }
    assertEquals(List.of(), problems, "rendered " + overlay);
    return resources;
  }

  // ---------------------------------------------------------------- helpers

  /** The resources (not patches) a kustomization directory reaches, read into their models. */
  @SuppressWarnings("unchecked")
  private static List<Object> read(Path dir) throws IOException {
    List<Object> resources = new ArrayList<>();
    Map<String, Object> kustomization = ManifestModels.documents(dir.resolve("kustomization.yaml")).get(0);
    for (Object entry : (List<Object>) kustomization.getOrDefault("resources", List.of())) {
      Path target = dir.resolve(String.valueOf(entry));
      if (Files.isDirectory(target)) {
        resources.addAll(read(target));
      } else {
        for (Map<String, Object> document : ManifestModels.documents(target)) {
          resources.add(ManifestModels.read(document));
        }
      }
    }
    return resources;
  }

  private static <T> T only(List<Object> resources, Class<T> type) {
    List<T> found = resources.stream().filter(type::isInstance).map(type::cast).toList();
    assertEquals(1, found.size(), "one " + type.getSimpleName());
    return found.get(0);
  }

  private static Map<String, Service> services(List<Object> resources) {
    return resources.stream().filter(Service.class::isInstance).map(Service.class::cast)
        .collect(Collectors.toMap(s -> s.getMetadata().getName(), s -> s));
  }

  private static Map<String, EnvVar> env(Container container) {
    Map<String, EnvVar> env = new LinkedHashMap<>();
    container.getEnv().forEach(e -> assertNull(env.put(e.getName(), e), "env " + e.getName() + " twice"));
    return env;
  }

  private static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  private static Path normal(Path path) {
    return path.toAbsolutePath().normalize();
  }
}
