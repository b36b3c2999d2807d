package io.poseidon.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

/**
 * Every schema change must stay BACKWARD compatible with the last released schemas: a consumer built
 * from the current schemas must read every event written with the released ones (that is what lets
 * a topology be upgraded while old events are still in its topics and changelogs).
 *
 * <p>The released schemas are snapshots under {@code schemas/released/}, one file per record. To
 * cut a release run {@code mvn -pl schemas test -Dposeidon.schemas.snapshot=true}, which rewrites the
 * snapshots from the current sources (see docs/event-model.md).
 */
class SchemaEvolutionTest {

  private static final Path SOURCES = Path.of(System.getProperty("poseidon.schemas.source", "src/main/avro"));
  private static final Path RELEASED = Path.of(System.getProperty("poseidon.schemas.released", "released"));

  /** All named records of the current sources, parsed the way the Maven plugin does: common first. */
  static Map<String, Schema> currentSchemas() throws IOException {
    Schema.Parser parser = new Schema.Parser();
    parser.parse(SOURCES.resolve("common.avsc").toFile());
    try (Stream<Path> files = Files.list(SOURCES)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".avsc")).sorted().toList()) {
        if (!file.getFileName().toString().equals("common.avsc")) {
          parser.parse(file.toFile());
        }
      }
    }
    Map<String, Schema> byName = new TreeMap<>();
    parser.getTypes().forEach((name, schema) -> {
      if (schema.getType() == Schema.Type.RECORD) {
        byName.put(name, schema);
      }
    });
    return byName;
  }

  static Map<String, Schema> releasedSchemas() throws IOException {
    Map<String, Schema> byName = new TreeMap<>();
    if (!Files.isDirectory(RELEASED)) {
      return byName;
    }
    try (Stream<Path> files = Files.list(RELEASED)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".avsc")).toList()) {
        Schema schema = new Schema.Parser().parse(file.toFile());
        byName.put(schema.getFullName(), schema);
      }
    }
    return byName;
  }

  static boolean canRead(Schema reader, Schema writer) {
    return SchemaCompatibility.checkReaderWriterCompatibility(reader, writer).getType()
        == SchemaCompatibilityType.COMPATIBLE;
  }

  @Test
  void shouldKeepEveryReleasedSchemaReadableByTheCurrentOne() throws IOException {
    Map<String, Schema> current = currentSchemas();
    if (Boolean.getBoolean("poseidon.schemas.snapshot")) {
      writeSnapshot(current);
    }
    Map<String, Schema> released = releasedSchemas();
    assertFalse(released.isEmpty(), "no released schemas found under " + RELEASED.toAbsolutePath());

    List<String> problems = new ArrayList<>();
    released.forEach((name, old) -> {
      Schema now = current.get(name);
      if (now == null) {
        problems.add(name + " was released but no longer exists (removing a record breaks old events)");
      } else {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(now, old);
        if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
          problems.add(name + " is not BACKWARD compatible with the released schema: "
              + result.getResult().getIncompatibilities());
        }
      }
    });
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void shouldDetectABreakingChange() throws IOException {
    // Given the released ServiceRegistered, when a required field without a default is added,
    // then the check used above must refuse it (proves the compatibility test can fail).
    Schema released = releasedSchemas().get("io.poseidon.schemas.depths.ServiceRegistered");
    assertNotNull(released);
    String broken = released.toString().replaceFirst(
        "\"fields\":\\[", "\"fields\":[{\"name\":\"zone\",\"type\":\"string\",\"doc\":\"x\"},");
    Schema withRequiredField = new Schema.Parser().parse(broken);
    assertFalse(canRead(withRequiredField, released));

    String withDefault = released.toString().replaceFirst(
        "\"fields\":\\[", "\"fields\":[{\"name\":\"zone\",\"type\":\"string\",\"doc\":\"x\",\"default\":\"a\"},");
    assertTrue(canRead(new Schema.Parser().parse(withDefault), released));
  }

  @Test
  void shouldDocumentEveryRecordAndField() throws IOException {
    List<String> missing = new ArrayList<>();
    currentSchemas().forEach((name, schema) -> {
      if (schema.getDoc() == null || schema.getDoc().isBlank()) {
        missing.add(name);
      }
      schema.getFields().stream()
          .filter(f -> f.doc() == null || f.doc().isBlank())
          .forEach(f -> missing.add(name + "." + f.name()));
    });
    assertTrue(missing.isEmpty(), "records and fields without doc: " + missing);
  }

  @Test
  void shouldFollowNamingConventions() throws IOException {
    currentSchemas().forEach((name, schema) -> {
      assertTrue(schema.getNamespace().startsWith("io.poseidon.schemas."),
          name + ": namespace must be the Java package io.poseidon.schemas.<domain>");
      if (name.endsWith("Event")) {
        Schema.Field meta = schema.getFields().get(0);
        assertEquals("meta", meta.name(), name + ": an envelope's first field is meta");
        assertEquals("io.poseidon.schemas.common.EventMeta", meta.schema().getFullName());
        assertEquals("payload", schema.getFields().get(1).name(), name + ": an envelope's second field is payload");
      }
    });
  }

  private static void writeSnapshot(Map<String, Schema> current) throws IOException {
    Files.createDirectories(RELEASED);
    for (Map.Entry<String, Schema> e : current.entrySet()) {
      Files.writeString(RELEASED.resolve(e.getKey() + ".avsc"), e.getValue().toString(true) + "\n",
          StandardCharsets.UTF_8);
    }
  }
}
