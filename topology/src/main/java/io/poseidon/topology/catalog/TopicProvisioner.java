package io.poseidon.topology.catalog;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the catalogued topics that are missing and verifies the ones that exist. A topic that
 * exists with fewer partitions than the catalog or another cleanup policy is reported: the node
 * refuses to start on a cleanup-policy mismatch (a compacted topic read as a log or the reverse loses
 * data) and warns on a partition mismatch (key-to-partition mapping is what it is; changing it is an
 * operator's decision).
 */
public final class TopicProvisioner {

  private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);

  private final Admin admin;
  private final short replicationFactor;
  private final int partitionsOverride;

  /**
   * @param partitionsOverride when above 0, every created topic gets this many partitions
   */
  public TopicProvisioner(Admin admin, short replicationFactor, int partitionsOverride) {
    this.admin = admin;
    this.replicationFactor = replicationFactor;
    this.partitionsOverride = partitionsOverride;
  }

  /** Creates missing topics, verifies existing ones, and waits until all are visible. */
  public void ensure(Collection<TopicSpec> topics, Duration timeout) {
    try {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = new ArrayList<>();
      for (TopicSpec spec : topics) {
        if (!existing.contains(spec.name())) {
          int partitions = partitionsOverride > 0 ? partitionsOverride : spec.partitions();
          missing.add(new NewTopic(spec.name(), partitions, replicationFactor).configs(spec.configs()));
        }
      }
      if (!missing.isEmpty()) {
        log.info("Creating topics {}", missing.stream().map(NewTopic::name).toList());
        for (var entry : admin.createTopics(missing).values().entrySet()) {
          try {
            entry.getValue().get();
          } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
              throw e;
            }
          }
        }
      }
      Set<String> names = topics.stream().map(TopicSpec::name).collect(Collectors.toSet());
      awaitVisible(names, timeout);
      verify(topics);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while provisioning topics", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot provision topics: " + e.getCause().getMessage(), e.getCause());
    }
  }

  private void awaitVisible(Set<String> names, Duration timeout) throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      try {
        Map<String, TopicDescription> described = admin.describeTopics(names).allTopicNames().get();
        boolean ready = described.values().stream()
            .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        if (ready) {
          return;
        }
      } catch (ExecutionException e) {
        // UnknownTopicOrPartition while metadata propagates: try again
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("topics " + names + " not visible after " + timeout);
      }
      Thread.sleep(100);
    }
  }

  private void verify(Collection<TopicSpec> topics) throws ExecutionException, InterruptedException {
    Map<String, TopicDescription> described =
        admin.describeTopics(topics.stream().map(TopicSpec::name).toList()).allTopicNames().get();
    List<ConfigResource> resources = topics.stream()
        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name())).toList();
    Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
    List<String> errors = new ArrayList<>();
    for (TopicSpec spec : topics) {
      int actual = described.get(spec.name()).partitions().size();
      int expected = partitionsOverride > 0 ? partitionsOverride : spec.partitions();
      if (actual != expected) {
        log.warn("Topic {} has {} partitions, the catalog says {}", spec.name(), actual, expected);
      }
      var policy = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()))
          .get(TopicConfig.CLEANUP_POLICY_CONFIG);
      if (policy != null && !normalise(policy.value()).equals(normalise(spec.cleanupPolicy()))) {
        errors.add(spec.name() + " has cleanup.policy=" + policy.value() + " but the catalog says "
            + spec.cleanupPolicy());
      }
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException("topics do not match the catalog: " + String.join("; ", errors));
    }
  }

  private static Set<String> normalise(String policy) {
    return Set.of(policy.replace(" ", "").split(","));
  }
}
