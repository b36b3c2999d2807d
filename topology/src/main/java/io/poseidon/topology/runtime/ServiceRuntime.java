package io.poseidon.topology.runtime;

import java.time.Duration;
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

  private final String service;
  private final KafkaStreams streams;
  private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
  private final AtomicReference<Throwable> lastError = new AtomicReference<>();
  private final Deque<Instant> recentFailures = new ArrayDeque<>();

  public ServiceRuntime(String service, Topology topology, Properties props) {
    this.service = service;
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

  public void start() {
    log.info("Starting {}", service);
    streams.start();
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
