package io.poseidon.gateway.manifests;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.strimzi.api.kafka.model.connect.KafkaConnect;
import io.strimzi.api.kafka.model.connector.KafkaConnector;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads Kubernetes manifests into the Kubernetes (fabric8) and Strimzi ({@code io.strimzi:api}) models
 * strictly: a field the model does not have fails, where both libraries would normally keep it as an
 * "additional property" (their any-setters are taken out) — so a misspelled field is an error, as it is
 * for the API server's schema validation. YAML is read with duplicate keys refused.
 */
final class ManifestModels {

  /** apiVersion/kind → the model class that must read it. */
  static final Map<String, Class<?>> MODELS = Map.ofEntries(
      Map.entry("v1/Service", Service.class),
      Map.entry("v1/Secret", Secret.class),
      Map.entry("v1/ConfigMap", ConfigMap.class),
      Map.entry("apps/v1/StatefulSet", StatefulSet.class),
      Map.entry("apps/v1/Deployment", Deployment.class),
      Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
      Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
      Map.entry("kafka.strimzi.io/v1/Kafka", Kafka.class),
      Map.entry("kafka.strimzi.io/v1/KafkaNodePool", KafkaNodePool.class),
      Map.entry("kafka.strimzi.io/v1/KafkaTopic", KafkaTopic.class),
      Map.entry("kafka.strimzi.io/v1/KafkaConnect", KafkaConnect.class),
      Map.entry("kafka.strimzi.io/v1/KafkaConnector", KafkaConnector.class));

  static final String KUSTOMIZATION_API = "kustomize.config.k8s.io/v1beta1";

  private static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
      .addModule(new SimpleModule("strict-manifests").setDeserializerModifier(new BeanDeserializerModifier() {
        @Override
        public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription description,
            BeanDeserializerBuilder builder) {
          builder.setAnySetter(null); // additionalProperties would swallow a misspelled field
          builder.setIgnoreUnknownProperties(false);
          return builder;
        }
      }))
      .build();

  private ManifestModels() {}

  /** The YAML documents of {@code text} (empty ones left out), duplicate keys refused. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> documents(Reader text) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : new Yaml(new SafeConstructor(options)).loadAll(text)) {
      if (document == null) {
        continue;
      }
      if (!(document instanceof Map)) {
        throw new IllegalArgumentException("a document is not a mapping: " + document);
      }
      documents.add((Map<String, Object>) document);
    }
    return documents;
  }

  static List<Map<String, Object>> documents(String text) {
    return documents(new StringReader(text));
  }

  static List<Map<String, Object>> documents(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return documents(reader);
    }
  }

  static String typeOf(Map<String, Object> document) {
    return document.get("apiVersion") + "/" + document.get("kind");
  }

  static boolean isKustomization(Map<String, Object> document) {
    return "Kustomization".equals(document.get("kind"));
  }

  /** {@code document} read into its model; an IllegalArgumentException saying what is wrong. */
  static Object read(Map<String, Object> document) {
    Class<?> model = MODELS.get(typeOf(document));
    if (model == null) {
      throw new IllegalArgumentException("no model for " + typeOf(document) + " (known: " + MODELS.keySet() + ")");
    }
    try {
      return STRICT.convertValue(document, model);
    } catch (IllegalArgumentException e) {
      String where = e.getCause() instanceof com.fasterxml.jackson.databind.JsonMappingException mapping
          ? " at " + path(mapping) : "";
      throw new IllegalArgumentException(typeOf(document) + " " + nameOf(document) + where + ": "
          + firstLine(e.getCause() instanceof com.fasterxml.jackson.databind.JsonMappingException mapping
              ? mapping.getOriginalMessage() : e.getMessage()), e);
    }
  }

  @SuppressWarnings("unchecked")
  static String nameOf(Map<String, Object> document) {
    Object metadata = document.get("metadata");
    return metadata instanceof Map ? String.valueOf(((Map<String, Object>) metadata).get("name")) : "(no name)";
  }

  /** The field path of a mapping error: {@code spec.template.spec.containers[0].image}. */
  private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (com.fasterxml.jackson.databind.JsonMappingException.Reference reference : e.getPath()) {
      if (reference.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /**
   * The system property {@code poseidon.k8s.dir}, else the repository's deploy/k8s/: Maven runs the
   * tests in the module directory ({@code gateway/}), an IDE may run them in the repository root.
   */
  static Path k8sDir() {
    String configured = System.getProperty("poseidon.k8s.dir");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    return Files.isDirectory(Path.of("..", "gateway")) ? Path.of("..", "deploy", "k8s") : Path.of("deploy", "k8s");
  }
}
