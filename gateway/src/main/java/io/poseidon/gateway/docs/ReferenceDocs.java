package io.poseidon.gateway.docs;

import io.poseidon.gateway.node.Services;
import io.poseidon.topology.service.ServiceModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * <p>Everything comes from the service modules of the build ({@link Services}): their config, their
 * topics, their topologies' stores and their event roots. A new service adds nothing here.
 */
public final class ReferenceDocs {

  /** The first line of every generated file. */
  public static final String HEADER =
      "<!-- generated from the code by io.poseidon.gateway.docs.ReferenceDocs: do not edit by hand, "
          + "run ./poseidon docs -->";

  public static final String CONFIGURATION = "configuration.md";
  public static final String TOPICS = "topics.md";
  public static final String EVENTS = "events.md";

  private ReferenceDocs() {}

  /**
   * Where the event catalog starts: every record reachable from these is documented — the modules'
   * own roots (a store's state record, say); the value schemas of the topics are added automatically.
   */
  public static List<Schema> eventRoots() {
    return Services.modules().stream().flatMap(m -> m.eventRoots().stream()).toList();
  }

  /** Every ConfigDef a node reads (the same ones PoseidonCli hands to ConfigSource). */
  public static List<ConfigDef> configDefinitions() {
    return Services.configDefinitions();
  }

  public static String configuration() {
    return document(ConfigurationReference.render(Services.modules()));
  }

  public static String topics() {
    return document(TopicReference.render(Services.catalog().all(), Services.modules()));
  }

  public static String events() {
    return document(EventCatalog.render(eventRoots(), Services.catalog().all()));
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
