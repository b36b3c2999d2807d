package io.poseidon.gateway.docs;

import static io.poseidon.gateway.docs.Markdown.code;

import io.poseidon.topology.catalog.TopicSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;

/** docs/events.md: every Avro record (and enum) reachable from the roots, with its fields. */
final class EventCatalog {

  private EventCatalog() {}

  static String render(List<Schema> roots, List<TopicSpec> catalog) {
    Map<String, SortedSet<String>> topicsOf = topicsByRecord(catalog);
    Set<Schema> allRoots = new LinkedHashSet<>(roots);
    catalog.stream().filter(t -> t.valueSchema() != null)
        .forEach(t -> allRoots.add(SpecificData.get().getSchema(t.valueSchema())));
    SortedMap<String, Schema> types = AvroTypes.namedTypes(allRoots);
    Map<String, SortedSet<String>> usedIn = usedIn(types.values());

    StringBuilder out = new StringBuilder();
    out.append("# Event catalog\n\n");
    out.append("Every Avro record of the platform, read from the schemas compiled into the code "
        + "(sources: `schemas/src/main/avro/`). How events are made, named and evolved: "
        + "[event-model.md](event-model.md). Each topic carries one envelope record (`meta` + `payload`); "
        + "the topics are in [topics.md](topics.md).\n\n");
    out.append("Types: `string?` is optional (a union with null); `map<string>` is a map with string keys; "
        + "`timestamp-millis` is a `long` of milliseconds since the epoch, UTC; `A | B` is either an `A` or a `B`.\n\n");

    Markdown.Table summary = new Markdown.Table("Record", "Carried by topics", "Used in", "Description");
    types.values().forEach(type -> summary.row(linkTo(type), topics(topicsOf.get(type.getFullName())),
        String.join(", ", usedIn.getOrDefault(type.getFullName(), new TreeSet<>())), firstSentence(type.getDoc())));
    out.append(summary.render());

    String namespace = null;
    for (Schema type : types.values()) {
      if (!type.getNamespace().equals(namespace)) {
        namespace = type.getNamespace();
        out.append("\n## ").append(namespace).append('\n');
      }
      out.append('\n');
      section(out, type, topicsOf.get(type.getFullName()), usedIn.get(type.getFullName()));
    }
    return out.toString();
  }

  private static void section(StringBuilder out, Schema type, SortedSet<String> topics, SortedSet<String> usedIn) {
    out.append(Markdown.anchor(type.getFullName())).append('\n');
    out.append("### ").append(type.getName()).append("\n\n");
    List<String> facts = new ArrayList<>();
    facts.add(code(type.getFullName()));
    if (type.getType() != Schema.Type.RECORD) {
      facts.add(type.getType().getName());
    }
    if (topics != null) {
      facts.add("carried by " + topics(topics));
    }
    if (usedIn != null) {
      facts.add("used in " + String.join(", ", usedIn));
    }
    out.append(String.join(" · ", facts)).append("\n\n");
    if (type.getDoc() != null) {
      out.append(Markdown.text(type.getDoc())).append("\n\n");
    }
    switch (type.getType()) {
      case RECORD -> {
        Markdown.Table fields = new Markdown.Table("Field", "Type", "Default", "Description");
        for (Schema.Field field : type.getFields()) {
          String defaultValue = AvroTypes.defaultOf(field);
          fields.row(code(field.name()), AvroTypes.renderMarkdown(field.schema(), EventCatalog::linkTo),
              defaultValue == null ? "" : code(defaultValue), Markdown.text(field.doc()));
        }
        out.append(fields.render());
      }
      case ENUM -> {
        out.append("Symbols: ").append(type.getEnumSymbols().stream().map(Markdown::code)
            .collect(Collectors.joining(", ")));
        if (type.getEnumDefault() != null) {
          out.append(" (readers fall back to ").append(code(type.getEnumDefault())).append(')');
        }
        out.append(".\n");
      }
      case FIXED -> out.append("Size: ").append(type.getFixedSize()).append(" bytes.\n");
      default -> throw new IllegalStateException("not a named type: " + type);
    }
  }

  static String linkTo(Schema named) {
    return Markdown.link(named.getName(), "#" + named.getFullName());
  }

  private static String topics(SortedSet<String> topics) {
    return topics == null ? "" : topics.stream().map(t -> Markdown.link(code(t), "topics.md"))
        .collect(Collectors.joining(", "));
  }

  private static Map<String, SortedSet<String>> topicsByRecord(List<TopicSpec> catalog) {
    Map<String, SortedSet<String>> topics = new TreeMap<>();
    for (TopicSpec topic : catalog) {
      if (topic.valueSchema() != null) {
        String record = SpecificData.get().getSchema(topic.valueSchema()).getFullName();
        topics.computeIfAbsent(record, r -> new TreeSet<>()).add(topic.name());
      }
    }
    return topics;
  }

  /** For each named type, the fields ({@code Record.field}, as Markdown links) whose type mentions it. */
  private static Map<String, SortedSet<String>> usedIn(Iterable<Schema> types) {
    Map<String, SortedSet<String>> usedIn = new TreeMap<>();
    for (Schema type : types) {
      if (type.getType() != Schema.Type.RECORD) {
        continue;
      }
      for (Schema.Field field : type.getFields()) {
        for (String mentioned : AvroTypes.mentionedNames(field.schema())) {
          usedIn.computeIfAbsent(mentioned, m -> new TreeSet<>()).add(linkTo(type) + "." + field.name());
        }
      }
    }
    return usedIn;
  }

  private static String firstSentence(String doc) {
    if (doc == null) {
      return "";
    }
    String text = Markdown.text(doc);
    int end = text.indexOf(". ");
    return end < 0 ? text : text.substring(0, end + 1);
  }
}
