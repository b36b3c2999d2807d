package io.poseidon.gateway.docs;

import io.poseidon.gateway.node.Services;

import io.poseidon.schemas.depths.InstanceEvent;
import io.poseidon.schemas.depths.ServiceInstance;
import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.ServiceDeployments;
import io.poseidon.topology.catalog.TopicCatalog;
import io.poseidon.topology.config.PoseidonConfig;
import io.poseidon.topology.runtime.PoseidonService;
import io.poseidon.topology.serde.SerdeFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigDef;

/**
 * Writes the reference documents that must not drift from the code, from the code itself:
 * {@code docs/configuration.md} (every config key), {@code docs/topics.md} (the topic catalog, dead
 * letters, Streams-internal topics) and {@code docs/events.md} (every Avro record).
 * {@code ReferenceDocsTest} fails when a committed file differs from what this produces.
 *
 * <pre>
 * ./poseidon docs                      (re)writes docs/*.md
 * java ... ReferenceDocs [--check] [DIR]   DIR defaults to docs; --check only reports stale files (exit 1)
 * </pre>
 *
 * <p>A new domain adds its envelope (and any record not reachable from it, such as a store's state
 * record) to {@link #EVENT_ROOTS}, its config to {@link #CONFIG_DEFINITIONS} and its service to
 * {@link #services()}.
 */
public final class ReferenceDocs {

  /** The first line of every generated file. */
  public static final String HEADER =
      "<!-- generated from the code by io.poseidon.gateway.docs.ReferenceDocs: do not edit by hand, "
          + "run ./poseidon docs -->";

  public static final String CONFIGURATION = "configuration.md";
  public static final String TOPICS = "topics.md";
  public static final String EVENTS = "events.md";

  /**
   * Where the event catalog starts: every record reachable from these is documented. The value
   * schemas of the catalogued topics are added to these automatically.
   */
  public static final List<Schema> EVENT_ROOTS = List.of(
      InstanceEvent.getClassSchema(),
      ServiceInstance.getClassSchema(),
      Deployment.getClassSchema(),
      ServiceDeployments.getClassSchema());

  /** Every ConfigDef a node reads (the same ones PoseidonCli hands to ConfigSource). */
  public static final List<ConfigDef> CONFIG_DEFINITIONS = Services.CONFIG_DEFINITIONS;

  private ReferenceDocs() {}

  /**
   * Every service of this build, so that their stores are read from their topologies. The serdes do
   * not change a topology's shape; the registry-less ones need no network.
   */
  static List<PoseidonService> services() {
    return Services.all(SerdeFactory.forTopologyTests(), Clock.systemUTC());
  }


  public static String configuration() {
    return document(ConfigurationReference.render(CONFIG_DEFINITIONS));
  }

  public static String topics() {
    return document(TopicReference.render(TopicCatalog.all(), services()));
  }

  public static String events() {
    return document(EventCatalog.render(EVENT_ROOTS, TopicCatalog.all()));
  }

  /** File name → content, in a stable order. */
  public static Map<String, String> documents() {
    Map<String, String> documents = new LinkedHashMap<>();
    documents.put(CONFIGURATION, configuration());
    documents.put(TOPICS, topics());
    documents.put(EVENTS, events());
    return documents;
  }

  private static String document(String body) {
    return HEADER + "\n\n" + body.stripTrailing() + "\n";
  }

  public static void main(String[] args) throws IOException {
    boolean check = false;
    Path dir = Path.of("docs");
    for (String arg : args) {
      if (arg.equals("--check")) {
        check = true;
      } else if (arg.startsWith("-")) {
        System.err.println("usage: ReferenceDocs [--check] [DOCS_DIR]   (DOCS_DIR defaults to docs)");
        System.exit(2);
      } else {
        dir = Path.of(arg);
      }
    }
    List<Path> stale = new ArrayList<>();
    for (Map.Entry<String, String> document : documents().entrySet()) {
      Path file = dir.resolve(document.getKey());
      String current = Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
      if (document.getValue().equals(current)) {
        System.out.println("up to date  " + file);
      } else if (check) {
        System.out.println("stale       " + file);
        stale.add(file);
      } else {
        Files.createDirectories(dir);
        Files.writeString(file, document.getValue(), StandardCharsets.UTF_8);
        System.out.println("wrote       " + file);
      }
    }
    if (!stale.isEmpty()) {
      System.err.println("reference docs are out of date: run ./poseidon docs");
      System.exit(1);
    }
  }
}
