package io.poseidon.gateway.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.poseidon.processors.depths.DepthsTopology;
import io.poseidon.gateway.node.Services;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.errors.DeadLetters;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

/**
 * The committed reference docs are what {@link ReferenceDocs} makes from the code now. When this
 * fails, the code changed: run {@code ./poseidon docs} and commit the result.
 */
class ReferenceDocsTest {

  private static final String REGENERATE = "run ./poseidon docs and commit the result";

  @Test
  void shouldMatchTheCommittedConfigurationReference() throws IOException {
    assertUpToDate(ReferenceDocs.CONFIGURATION, ReferenceDocs.configuration());
  }

  @Test
  void shouldMatchTheCommittedTopicReference() throws IOException {
    assertUpToDate(ReferenceDocs.TOPICS, ReferenceDocs.topics());
  }

  @Test
  void shouldMatchTheCommittedEventCatalog() throws IOException {
    assertUpToDate(ReferenceDocs.EVENTS, ReferenceDocs.events());
  }

  @Test
  void shouldDocumentEveryConfigKeyWithItsEnvironmentVariable() throws IOException {
    String doc = committed(ReferenceDocs.CONFIGURATION);
    for (ConfigDef definition : ReferenceDocs.configDefinitions()) {
      for (String key : definition.names()) {
        assertTrue(doc.contains("| `" + key + "` | `" + ConfigSource.envName(key) + "` |"),
            "docs/configuration.md does not list " + key + ": " + REGENERATE);
      }
    }
  }

  @Test
  void shouldDocumentEveryCatalogTopic() throws IOException {
    String doc = committed(ReferenceDocs.TOPICS);
    for (TopicSpec topic : Services.catalog().all()) {
      assertTrue(doc.contains("| `" + topic.name() + "` | " + topic.owner() + " |"),
          "docs/topics.md does not list " + topic.name() + ": " + REGENERATE);
    }
  }

  @Test
  void shouldDocumentTheChangelogOfEveryDepthsStore() throws IOException {
    String doc = committed(ReferenceDocs.TOPICS);
    for (String store : List.of(DepthsTopology.INSTANCE_STORE, DepthsTopology.EXPIRY_STORE)) {
      assertTrue(doc.contains("`poseidon-depths-" + store + "-changelog`"),
          "docs/topics.md does not list the changelog of " + store + ": " + REGENERATE);
    }
  }

  @Test
  void shouldDescribeEveryDeadLetterHeader() throws IllegalAccessException {
    for (Field field : DeadLetters.class.getFields()) {
      if (field.getName().startsWith("HEADER_") && Modifier.isStatic(field.getModifiers())) {
        String header = (String) field.get(null);
        assertTrue(TopicReference.DEAD_LETTER_HEADERS.containsKey(header),
            "DeadLetters." + field.getName() + " (" + header + ") is not described: add it to "
                + "TopicReference.DEAD_LETTER_HEADERS, then run ./poseidon docs");
      }
    }
  }

  @Test
  void shouldDocumentTheEnvelopeOfEveryTopicWithTheTopicsThatCarryIt() throws IOException {
    String doc = committed(ReferenceDocs.EVENTS);
    for (TopicSpec topic : Services.catalog().all()) {
      if (topic.valueSchema() != null) {
        String record = SpecificData.get().getSchema(topic.valueSchema()).getFullName();
        assertTrue(doc.contains("<a id=\"" + record + "\"></a>"),
            "docs/events.md does not describe " + record + ": " + REGENERATE);
        assertTrue(doc.contains("[`" + topic.name() + "`](topics.md)"),
            "docs/events.md does not say that " + topic.name() + " carries " + record + ": " + REGENERATE);
      }
    }
  }

  @Test
  void shouldDocumentEveryRecordReachableFromTheRoots() throws IOException {
    String doc = committed(ReferenceDocs.EVENTS);
    for (String record : AvroTypes.namedTypes(ReferenceDocs.eventRoots()).keySet()) {
      assertTrue(doc.contains("<a id=\"" + record + "\"></a>"),
          "docs/events.md does not describe " + record + ": " + REGENERATE);
    }
  }

  @Test
  void shouldRenderAvroTypesReadably() {
    Schema record = new Schema.Parser().parse("""
        {"type": "record", "name": "R", "namespace": "x", "fields": [
          {"name": "s", "type": "string"},
          {"name": "optional", "type": ["null", "string"], "default": null},
          {"name": "labels", "type": {"type": "map", "values": "string"}, "default": {}},
          {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
          {"name": "items", "type": {"type": "array", "items": "int"}},
          {"name": "either", "type": [
            {"type": "record", "name": "A", "fields": []},
            {"type": "record", "name": "B", "fields": []}]},
          {"name": "maybe", "type": ["null", "int", "string"], "default": null}
        ]}""");

    assertEquals("string", AvroTypes.render(record.getField("s").schema()));
    assertEquals("string?", AvroTypes.render(record.getField("optional").schema()));
    assertEquals("map<string>", AvroTypes.render(record.getField("labels").schema()));
    assertEquals("timestamp-millis", AvroTypes.render(record.getField("at").schema()));
    assertEquals("array<int>", AvroTypes.render(record.getField("items").schema()));
    assertEquals("A | B", AvroTypes.render(record.getField("either").schema()));
    assertEquals("(int | string)?", AvroTypes.render(record.getField("maybe").schema()));
    assertEquals("null", AvroTypes.defaultOf(record.getField("optional")));
    assertEquals("{}", AvroTypes.defaultOf(record.getField("labels")));
    assertEquals(null, AvroTypes.defaultOf(record.getField("s")));
    assertEquals(List.of("x.A", "x.B", "x.R"), List.copyOf(AvroTypes.namedTypes(List.of(record)).keySet()));
  }

  @Test
  void shouldProduceTheSameDocumentsEveryTime() {
    assertEquals(ReferenceDocs.documents(), ReferenceDocs.documents());
  }

  private static void assertUpToDate(String name, String generated) throws IOException {
    String committed = committed(name);
    if (generated.equals(committed)) {
      return;
    }
    List<String> want = generated.lines().toList();
    List<String> have = committed.lines().toList();
    int line = 0;
    while (line < want.size() && line < have.size() && want.get(line).equals(have.get(line))) {
      line++;
    }
    fail("docs/" + name + " is out of date with the code: " + REGENERATE + ".\n"
        + "First difference at line " + (line + 1) + ":\n"
        + "  committed: " + (line < have.size() ? have.get(line) : "(end of file)") + "\n"
        + "  generated: " + (line < want.size() ? want.get(line) : "(end of file)"));
  }

  /** A committed document, with Windows line endings (a checkout with autocrlf) read as Unix ones. */
  private static String committed(String name) throws IOException {
    Path file = docsDir().resolve(name);
    if (!Files.isRegularFile(file)) {
      fail(file.toAbsolutePath().normalize() + " is missing: " + REGENERATE);
    }
    return Files.readString(file, StandardCharsets.UTF_8).replace("\r\n", "\n");
  }

  /**
   * The system property {@code poseidon.docs.dir}, else the repository's docs/: Maven runs the tests
   * in the module directory ({@code gateway/}), an IDE may run them in the repository root.
   */
  private static Path docsDir() {
    String configured = System.getProperty("poseidon.docs.dir");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    return Files.isDirectory(Path.of("..", "gateway")) ? Path.of("..", "docs") : Path.of("docs");
  }
}
