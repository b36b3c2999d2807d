package io.poseidon.topology.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KafkaStreams.State;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one lifecycle of every service: builds the KafkaStreams client, logs the topology description,
 * tracks state transitions, handles uncaught exceptions (a failed stream thread is replaced; a thread
 * failing again and again shuts the client down instead of looping), reports readiness, and closes
 * cleanly. It never wipes local state on start: state stores are restored from their changelogs
 * only when they are missing or behind.
 */
public final class ServiceRuntime implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServiceRuntime.class);
  static final int MAX_THREAD_REPLACEMENTS = 5;
  static final Duration REPLACEMENT_WINDOW = Duration.ofMinutes(5);

  /** The topology a node last started with, per application, in its state directory. */
  static final String TOPOLOGY_FINGERPRINT_FILE = "poseidon-topology.sha256";

  private final String service;
  private final KafkaStreams streams;
  private final Properties props;
  private final String fingerprint;
  private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
  private final AtomicReference<Throwable> lastError = new AtomicReference<>();
  private final Deque<Instant> recentFailures = new ArrayDeque<>();

  public ServiceRuntime(String service, Topology topology, Properties props) {
    this.service = service;
    this.props = props;
    this.fingerprint = fingerprint(topology.describe().toString());
    log.info("Topology of {} ({}):\n{}", service, props.get(StreamsConfig.APPLICATION_ID_CONFIG),
        topology.describe());
    this.streams = new KafkaStreams(topology, props);
    streams.setStateListener((newState, oldState) -> {
      state.set(newState);
      if (newState == State.ERROR || newState == State.PENDING_ERROR) {
        log.error("{}: Streams state {} -> {}", service, oldState, newState);
      } else {
        log.info("{}: Streams state {} -> {}", service, oldState, newState);
      }
    });
    streams.setUncaughtExceptionHandler(this::onUncaught);
  }

  private synchronized StreamThreadExceptionResponse onUncaught(Throwable error) {
    lastError.set(error);
    Instant now = Instant.now();
    recentFailures.addLast(now);
    while (!recentFailures.isEmpty() && recentFailures.peekFirst().isBefore(now.minus(REPLACEMENT_WINDOW))) {
      recentFailures.removeFirst();
    }
    if (recentFailures.size() > MAX_THREAD_REPLACEMENTS) {
      log.error("{}: stream thread failed {} times within {}; shutting the service down", service,
          recentFailures.size(), REPLACEMENT_WINDOW, error);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }
    log.error("{}: stream thread failed; replacing it", service, error);
    return StreamThreadExceptionResponse.REPLACE_THREAD;
  }

  /**
   * Removes the static members of {@code instanceId} (one per stream thread: Streams names them
   * {@code <group.instance.id>-<thread index>}) from the group {@code applicationId} (KIP-345): the group
   * rebalances now instead of waiting out their session timeout. Returns how many there were.
   */
  public static int removeStaticMembers(Admin admin, String applicationId, String instanceId)
      throws ExecutionException, InterruptedException, TimeoutException {
    String prefix = instanceId + "-";
    List<MemberToRemove> members = admin.describeConsumerGroups(List.of(applicationId)).all()
        .get(30, TimeUnit.SECONDS).get(applicationId).members().stream()
        .map(m -> m.groupInstanceId().orElse(""))
        .filter(id -> id.startsWith(prefix) && id.substring(prefix.length()).matches("\\d+"))
        .map(MemberToRemove::new).toList();
    if (!members.isEmpty()) {
      admin.removeMembersFromConsumerGroup(applicationId, new RemoveMembersFromConsumerGroupOptions(members)).all()
          .get(30, TimeUnit.SECONDS);
    }
    return members.size();
  }

  /**
   * Removes the static members node {@code nodeId} has in this service's group: what a surviving node
   * does when that node stopped answering (crashed), so its partitions move to live nodes at once.
   */
  public int removeMembersOf(Admin admin, String nodeId) throws ExecutionException, InterruptedException,
      TimeoutException {
    String applicationId = (String) props.get(StreamsConfig.APPLICATION_ID_CONFIG);
    return removeStaticMembers(admin, applicationId, applicationId + "-" + nodeId);
  }

  public void start() {
    log.info("Starting {}", service);
    leaveGroupIfTopologyChanged();
    streams.start();
  }

  /**
   * A static member that comes back within its session timeout gets its old assignment without a
   * rebalance, so a sub-topology added since its last start (a new source topic) would get no tasks. When
   * the topology differs from the one this node last started with (a fingerprint in its state directory),
   * the node's static member is removed from the group first (KIP-345's admin call): it then joins as a
   * new member and the group rebalances once with the new topology.
   */
  void leaveGroupIfTopologyChanged() {
    Object instanceId = props.get(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG));
    String applicationId = (String) props.get(StreamsConfig.APPLICATION_ID_CONFIG);
    Object stateDir = props.get(StreamsConfig.STATE_DIR_CONFIG);
    if (instanceId == null || stateDir == null) {
      return;
    }
    Path file = Path.of(stateDir.toString(), applicationId, TOPOLOGY_FINGERPRINT_FILE);
    try {
      String before = Files.exists(file) ? Files.readString(file).trim() : null;
      if (fingerprint.equals(before)) {
        return;
      }
      Properties adminProps = new Properties();
      adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG));
      try (Admin admin = Admin.create(adminProps)) {
        int removed = removeStaticMembers(admin, applicationId, instanceId.toString());
        if (removed > 0) {
          log.info("{}: topology changed since this node's last start; its static members ({}) left group {} so the "
              + "new topology is assigned", service, removed, applicationId);
        }
      } catch (ExecutionException e) {
        // no such group or member yet: nothing to leave
        log.debug("{}: no static member to remove from {}: {}", service, applicationId, e.getCause().toString());
      }
      Files.createDirectories(file.getParent());
      Files.writeString(file, fingerprint);
    } catch (IOException | TimeoutException e) {
      log.warn("{}: could not check whether its topology changed ({}); a new sub-topology may wait for the next "
          + "rebalance", service, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String fingerprint(String description) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(description.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public String service() {
    return service;
  }

  public State state() {
    return state.get();
  }

  /** Ready to serve: processing and answering queries. */
  public boolean isRunning() {
    return state.get() == State.RUNNING;
  }

  /** Failed for good (not coming back without a restart). */
  public boolean isFailed() {
    State s = state.get();
    return s == State.ERROR || s == State.PENDING_ERROR || s == State.NOT_RUNNING && lastError.get() != null;
  }

  public Throwable lastError() {
    return lastError.get();
  }

  public KafkaStreams streams() {
    return streams;
  }

  /** Closes within {@code timeout}, staying in the group so a quick restart does not rebalance. */
  public void close(Duration timeout) {
    log.info("Stopping {}", service);
    boolean closed = streams.close(CloseOptions.timeout(timeout));
    if (!closed) {
      log.warn("{}: Streams did not close within {}", service, timeout);
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
