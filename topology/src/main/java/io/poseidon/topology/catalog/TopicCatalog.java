package io.poseidon.topology.catalog;

import io.poseidon.topology.service.ServiceModule;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every topic of the platform, composed from the service modules of the build: each module declares
 * the topics it owns (and gets a dead-letter topic), and names the topics of other services it uses.
 * Topics are created (or verified) from here at node start-up by {@link TopicProvisioner};
 * docs/topics.md lists the same entries. Streams-internal topics (changelogs, repartitions) are not
 * listed: Streams names them from the explicitly named stores and repartitions.
 *
 * <p>A topic is owned by at most one module and named in the domain of its owner; a topic used by a
 * module must be the same spec wherever it is named. A used topic may have no owning module in the
 * build yet (harbor's health gates read {@code lighthouse.service-health} before lighthouse exists).
 */
public final class TopicCatalog {

  private final Map<String, TopicSpec> topics;

  private TopicCatalog(Map<String, TopicSpec> topics) {
    this.topics = topics;
  }

  /** The catalog of {@code modules}; throws when two modules disagree about a topic. */
  public static TopicCatalog of(Collection<? extends ServiceModule<?>> modules) {
    Map<String, TopicSpec> topics = new LinkedHashMap<>();
    Map<String, String> ownerModule = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (ServiceModule<?> module : modules) {
      List<TopicSpec> owned = new ArrayList<>(module.ownedTopics());
      owned.add(module.deadLetterTopic());
      for (TopicSpec topic : owned) {
        if (!topic.owner().equals(module.name())) {
          problems.add(module.name() + " declares " + topic.name() + " as its own, but the spec names "
              + topic.owner() + " as owner");
        }
        if (!topic.name().startsWith(module.name() + ".")) {
          problems.add(module.name() + " owns " + topic.name() + ", outside its domain " + module.name() + ".*");
        }
        String before = ownerModule.putIfAbsent(topic.name(), module.name());
        if (before != null) {
          problems.add(topic.name() + " is owned by both " + before + " and " + module.name());
        }
        topics.put(topic.name(), topic);
      }
    }
    for (ServiceModule<?> module : modules) {
      for (TopicSpec used : module.usedTopics()) {
        TopicSpec known = topics.putIfAbsent(used.name(), used);
        if (known != null && !known.equals(used)) {
          problems.add(module.name() + " uses " + used.name() + " with another spec than its owner declares");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException("the topic catalog is not consistent: " + String.join("; ", problems));
    }
    return new TopicCatalog(topics);
  }

  public List<TopicSpec> all() {
    return List.copyOf(topics.values());
  }

  public List<TopicSpec> ownedBy(String service) {
    return topics.values().stream().filter(t -> t.owner().equals(service)).toList();
  }

  public Optional<TopicSpec> byName(String name) {
    return Optional.ofNullable(topics.get(name));
  }
}
