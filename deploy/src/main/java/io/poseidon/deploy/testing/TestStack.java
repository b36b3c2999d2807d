package io.poseidon.deploy.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The stack a test gets from {@link PoseidonStackExtension}: one per test JVM, shared by every test
 * class, so tests isolate themselves with {@link #uniqueName} for topics, application ids and
 * consumer groups.
 */
public final class TestStack {

    private static final Duration TOPIC_TIMEOUT = Duration.ofSeconds(30);
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final String kind;
    private final String bootstrapServers;
    private final String registryUrl;
    private Admin admin;

    TestStack(String kind, String bootstrapServers, String registryUrl) {
        this.kind = kind;
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
    }

    /** Kafka's {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The registry's v2 API ({@code http://HOST:PORT/apis/registry/v2}), for {@code apicurio.registry.url}. */
    public String registryUrl() {
        return registryUrl;
    }

    /** {@code "embedded"} (in-process broker + registry process) or {@code "testcontainers"}. */
    public String kind() {
        return kind;
    }

    /** {@code prefix} + {@code -} + 8 random lowercase letters/digits, e.g. {@code orders-k3f9a0qz}. */
    public String uniqueName(String prefix) {
        return uniqueNameOf(prefix);
    }

    static String uniqueNameOf(String prefix) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder name = new StringBuilder(prefix.length() + 9).append(prefix).append('-');
        for (int i = 0; i < 8; i++) {
            name.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return name.toString();
    }

    /** Admin-client settings for this stack, to add to. */
    public Properties adminProperties() {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return props;
    }

    /** Creates single-partition topics and waits until they are visible with a leader. */
    public void createTopics(String... names) {
        createTopics(1, names);
    }

    /**
     * Creates topics with {@code partitions} partitions (replication factor 1) and waits until every
     * partition has a leader. A topic that already exists is fine.
     */
    public void createTopics(int partitions, String... names) {
        List<NewTopic> topics = new ArrayList<>();
        for (String name : names) {
            topics.add(new NewTopic(name, partitions, (short) 1));
        }
        Admin admin = admin();
        try {
            try {
                admin.createTopics(topics).all().get(TOPIC_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("Cannot create topics " + Arrays.toString(names) + ": " + e.getCause(), e);
                }
            }
            awaitTopics(admin, Set.of(names));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics " + Arrays.toString(names), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Timed out creating topics " + Arrays.toString(names), e);
        }
    }

    private static void awaitTopics(Admin admin, Set<String> names) throws InterruptedException {
        long deadline = System.nanoTime() + TOPIC_TIMEOUT.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                Map<String, TopicDescription> descriptions =
                        admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
                boolean ready = descriptions.size() == names.size() && descriptions.values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .map(TopicPartitionInfo::leader)
                        .allMatch(leader -> leader != null && !leader.isEmpty());
                if (ready) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = e; // UnknownTopicOrPartition until the metadata has propagated
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("Topics " + names + " are not visible after " + TOPIC_TIMEOUT.toSeconds()
                + " s" + (last == null ? "" : ": " + last));
    }

    private synchronized Admin admin() {
        if (admin == null) {
            Properties props = adminProperties();
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "poseidon-test-stack");
            admin = Admin.create(props);
        }
        return admin;
    }

    synchronized void closeAdmin() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
    }

    @Override
    public String toString() {
        return "TestStack[" + kind + ", kafka " + bootstrapServers + ", registry " + registryUrl + "]";
    }
}
