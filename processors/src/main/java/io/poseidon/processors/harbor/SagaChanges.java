package io.poseidon.processors.harbor;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.harbor.DeploymentFinished;
import io.poseidon.schemas.harbor.DeploymentQueued;
import io.poseidon.schemas.harbor.DeploymentStarted;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.harbor.HistoryEntry;
import io.poseidon.schemas.harbor.ServiceDeployments;
import io.poseidon.topology.events.Cause;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * One unit of work of the saga: the deployments and service records it read (as private copies), what
 * it changed, and what it emits, in order. {@link DeploymentSaga} decides on it without touching Kafka;
 * {@link DeploymentSagaProcessor} then writes the changes to the stores, moves the timers and forwards
 * the outputs. Unit tests run the saga over a map-backed {@link State}.
 *
 * <p>Every event emitted for a deployment gets the deployment's correlation id (the one of its
 * {@code DeploymentRequested}), is appended to its history and updates {@code updatedAt}. Every agent
 * command becomes the deployment's {@code lastCommandEventId}.
 */
final class SagaChanges {

  static final String SOURCE = "harbor";

  /** Where the saga reads the state it changes (the stores, or maps in a unit test). */
  interface State {
    Deployment deployment(String deploymentId);

    ServiceDeployments service(String service);
  }

  /** A record to forward: a fact for harbor.deployment-events or a command for harbor.agent-commands. */
  sealed interface Output permits Event, Command {
    String key();

    EventMeta meta();
  }

  record Event(String key, DeploymentEvent value) implements Output {
    @Override
    public EventMeta meta() {
      return value.getMeta();
    }
  }

  record Command(String key, AgentCommand value) implements Output {
    @Override
    public EventMeta meta() {
      return value.getMeta();
    }
  }

  private final State state;
  private final Clock clock;
  private final Map<String, Deployment> deploymentsAsRead = new LinkedHashMap<>();
  private final Map<String, Deployment.Builder> deployments = new LinkedHashMap<>();
  private final Map<String, ServiceDeployments> servicesAsRead = new LinkedHashMap<>();
  private final Map<String, ServiceDeployments.Builder> services = new LinkedHashMap<>();
  private final List<Output> outputs = new ArrayList<>();

  SagaChanges(State state, Clock clock) {
    this.state = state;
    this.clock = clock;
  }

  /** Now, at the millisecond precision the schemas keep. */
  Instant now() {
    return Instant.ofEpochMilli(clock.millis());
  }

  /** The deployment to change (a builder over a private copy), or null when unknown. */
  Deployment.Builder deployment(String deploymentId) {
    Deployment.Builder d = deployments.get(deploymentId);
    if (d == null && !deploymentsAsRead.containsKey(deploymentId)) {
      Deployment stored = state.deployment(deploymentId);
      if (stored != null) {
        deploymentsAsRead.put(deploymentId, stored);
        d = Deployment.newBuilder(stored); // deep copy
        deployments.put(deploymentId, d);
      }
    }
    return d;
  }

  /** A deployment new to harbor (every field set). */
  void add(Deployment.Builder created) {
    deploymentsAsRead.put(created.getDeploymentId(), null);
    deployments.put(created.getDeploymentId(), created);
  }

  /** The service's record to change (a private copy; a fresh one when the service is new to harbor). */
  ServiceDeployments.Builder service(String service) {
    return services.computeIfAbsent(service, name -> {
      ServiceDeployments stored = state.service(name);
      servicesAsRead.put(name, stored);
      return ServiceDeployments.newBuilder(stored == null ? empty(name) : stored);
    });
  }

  /** Emits a fact about {@code d} to harbor.deployment-events and appends it to the history. */
  EventMeta emit(Deployment.Builder d, Cause cause, SpecificRecord payload) {
    EventMeta meta = meta(d, cause, payload);
    outputs.add(new Event(d.getService(), new DeploymentEvent(meta, payload)));
    List<HistoryEntry> history = new ArrayList<>(d.getHistory());
    history.add(historyEntry(meta, payload));
    d.setHistory(history);
    d.setUpdatedAt(meta.getTime());
    return meta;
  }

  /** Sends a step command to the deploy agents; results answer its eventId. */
  EventMeta send(Deployment.Builder d, Cause cause, SpecificRecord payload) {
    EventMeta meta = meta(d, cause, payload);
    outputs.add(new Command(d.getService(), new AgentCommand(meta, payload)));
    d.setLastCommandEventId(meta.getEventId());
    return meta;
  }

  List<Output> outputs() {
    return outputs;
  }

  /** Deployments created or changed. */
  List<Deployment> changedDeployments() {
    return deployments.values().stream()
        .map(Deployment.Builder::build)
        .filter(d -> !d.equals(deploymentsAsRead.get(d.getDeploymentId())))
        .toList();
  }

  /** Service records created or changed. */
  List<ServiceDeployments> changedServices() {
    return services.values().stream()
        .map(ServiceDeployments.Builder::build)
        .filter(s -> !s.equals(baseline(s.getService())))
        .toList();
  }

  /** Timers of the changed deployments that are no longer pending. */
  List<TimerIndex.Timer> timersToCancel() {
    List<TimerIndex.Timer> out = new ArrayList<>();
    for (Deployment d : changedDeployments()) {
      TimerIndex.Timer before = SagaTimers.pending(deploymentsAsRead.get(d.getDeploymentId()));
      if (before != null && !before.equals(SagaTimers.pending(d))) {
        out.add(before);
      }
    }
    return out;
  }

  /** Timers of the changed deployments that are new. */
  List<TimerIndex.Timer> timersToSchedule() {
    List<TimerIndex.Timer> out = new ArrayList<>();
    for (Deployment d : changedDeployments()) {
      TimerIndex.Timer after = SagaTimers.pending(d);
      if (after != null && !after.equals(SagaTimers.pending(deploymentsAsRead.get(d.getDeploymentId())))) {
        out.add(after);
      }
    }
    return out;
  }

  private ServiceDeployments baseline(String service) {
    ServiceDeployments read = servicesAsRead.get(service);
    return read == null ? empty(service) : read;
  }

  private static ServiceDeployments empty(String service) {
    return ServiceDeployments.newBuilder().setService(service).setActive(null)
        .setQueue(new ArrayList<>()).setVersions(new LinkedHashMap<>()).build();
  }

  private EventMeta meta(Deployment.Builder d, Cause cause, SpecificRecord payload) {
    String type = SOURCE + "." + payload.getClass().getSimpleName();
    return cause.meta(type, SOURCE, d.getCorrelationId(), clock);
  }


  private static HistoryEntry historyEntry(EventMeta meta, SpecificRecord payload) {
    HistoryEntry.Builder entry = HistoryEntry.newBuilder().setTime(meta.getTime()).setType(meta.getType())
        .setEnvironment(null).setAction(null).setDetail(null);
    if (payload instanceof EnvironmentStepChanged step) {
      entry.setEnvironment(step.getEnvironment()).setAction(step.getAction()).setStatus(step.getStatus().name())
          .setDetail(step.getDetail());
    } else if (payload instanceof DeploymentFinished finished) {
      entry.setStatus(finished.getStatus().name()).setDetail(finished.getReason());
    } else if (payload instanceof DeploymentQueued queued) {
      entry.setStatus("QUEUED").setDetail("behind " + queued.getBehind());
    } else if (payload instanceof DeploymentStarted) {
      entry.setStatus("RUNNING");
    } else {
      throw new IllegalArgumentException("not a deployment fact: " + payload.getClass().getName());
    }
    return entry.build();
  }
}
