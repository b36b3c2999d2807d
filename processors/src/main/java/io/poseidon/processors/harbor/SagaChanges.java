package io.poseidon.processors.harbor;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.schemas.harbor.DeploymentFinished;
import io.poseidon.schemas.harbor.DeploymentQueued;
import io.poseidon.schemas.harbor.DeploymentSnapshot;
import io.poseidon.schemas.harbor.DeploymentStarted;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.harbor.HistoryEntry;
import io.poseidon.schemas.harbor.ServiceDeployments;
import io.poseidon.topology.events.Cause;
import io.poseidon.topology.saga.Table;
import io.poseidon.topology.saga.Tracked;
import io.poseidon.topology.saga.UnitOfWork;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * One unit of work of the saga ({@link UnitOfWork}): the deployments and service records it read (as
 * private copies), what it changed, and what it emits, in order. {@link DeploymentSaga} decides on it
 * without touching Kafka; {@link DeploymentSagaProcessor} then applies it. Unit tests run the saga over
 * map-backed tables.
 *
 * <p>Every event emitted for a deployment gets the deployment's correlation id (the one of its
 * {@code DeploymentRequested}), is appended to its history and updates {@code updatedAt}. Every agent
 * command becomes the deployment's {@code lastCommandEventId}.
 */
final class SagaChanges extends UnitOfWork {

  static final String SOURCE = "harbor";

  private final Tracked<Deployment, Deployment.Builder> deployments;
  private final Tracked<ServiceDeployments, ServiceDeployments.Builder> services;
  private final AnchorConfigs configs;
  /** The last fact emitted per deployment in this unit: its snapshot follows it with the same meta. */
  private final Map<String, EventMeta> lastMeta = new java.util.HashMap<>();

  /**
   * @param deployments deploymentId → Deployment ({@code harbor-deployment-store}, or a map in a unit test)
   * @param services service → ServiceDeployments ({@code harbor-service-store})
   */
  SagaChanges(Table<Deployment> deployments, Table<ServiceDeployments> services, Clock clock) {
    this(deployments, services, AnchorConfigs.NONE, clock);
  }

  /** @param configs anchor's configuration per service and environment ({@code harbor-anchor-config-store}) */
  SagaChanges(Table<Deployment> deployments, Table<ServiceDeployments> services, AnchorConfigs configs, Clock clock) {
    super(clock);
    this.configs = configs;
    this.deployments = track(new Tracked<>(HarborTopology.DEPLOYMENT_STORE, deployments, Deployment::newBuilder,
        Deployment.Builder::build));
    this.services = track(new Tracked<>(HarborTopology.SERVICE_STORE, services, ServiceDeployments::newBuilder,
        ServiceDeployments.Builder::build));
  }

  /** The deployment to change (a builder over a private copy), or null when unknown. */
  Deployment.Builder deployment(String deploymentId) {
    return deployments.get(deploymentId);
  }

  /** anchor's configuration in effect for {@code service} in {@code env} now (version 0 when none). */
  io.poseidon.schemas.harbor.PinnedConfig anchorConfig(String service, String env) {
    return configs.latest(service, env);
  }

  /** A deployment new to harbor (every field set). */
  void add(Deployment.Builder created) {
    deployments.add(created.getDeploymentId(), created);
  }

  /** The service's record to change (a private copy; a fresh one when the service is new to harbor). */
  ServiceDeployments.Builder service(String service) {
    return services.getOrCreate(service, () -> empty(service));
  }

  /** Emits a fact about {@code d} to harbor.deployment-events and appends it to the history. */
  EventMeta emit(Deployment.Builder d, Cause cause, SpecificRecord payload) {
    EventMeta meta = meta(d, cause, payload);
    output(HarborTopology.DEPLOYMENT_EVENTS_SINK, d.getService(), new DeploymentEvent(meta, payload), meta);
    lastMeta.put(d.getDeploymentId(), meta);
    List<HistoryEntry> history = new ArrayList<>(d.getHistory());
    history.add(withConfigVersion(d, historyEntry(meta, payload)));
    d.setHistory(history);
    d.setUpdatedAt(meta.getTime());
    return meta;
  }

  /**
   * Every deployment this unit changed is published to {@code harbor.deployments} as its flat
   * {@link DeploymentSnapshot}, after the facts that changed it — when the snapshot differs from the one of
   * its state before (a health observation that only moves {@code unhealthySince} publishes nothing).
   */
  @Override
  protected void beforeApply() {
    for (Deployment after : changedDeployments()) {
      Deployment before = deployments.asRead(after.getDeploymentId());
      DeploymentSnapshot snapshot = snapshot(after);
      if (before != null && snapshot.equals(snapshot(before))) {
        continue;
      }
      EventMeta meta = lastMeta.get(after.getDeploymentId());
      if (meta == null) {
        meta = io.poseidon.topology.events.EventMetas.decided("harbor.DeploymentSnapshot", SOURCE, null, clock());
      }
      output(HarborTopology.DEPLOYMENTS_SINK, after.getDeploymentId(), snapshot, meta);
    }
  }

  /** {@code d} flat: what {@code harbor.deployments} carries. */
  static DeploymentSnapshot snapshot(Deployment d) {
    Instant finished = finishedAt(d);
    return DeploymentSnapshot.newBuilder()
        .setDeploymentId(d.getDeploymentId())
        .setService(d.getService())
        .setVersion(d.getVersion())
        .setEnvironments(String.join(",", d.getEnvironments()))
        .setStrategy(d.getStrategy().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))
        .setStatus(d.getStatus().name())
        .setCurrentEnvironment(d.getCurrentEnvironment())
        .setCurrentAction(d.getCurrentAction() == null ? null : d.getCurrentAction().name())
        .setAttempt(d.getAttempt())
        .setChangedEnvironments(String.join(",", d.getChangedEnvironments()))
        .setReason(d.getReason())
        .setCorrelationId(d.getCorrelationId())
        .setRequestedAt(d.getRequestedAt())
        .setUpdatedAt(d.getUpdatedAt())
        .setFinishedAt(finished)
        .build();
  }

  /** Sends a step command to the deploy agents; results answer its eventId. */
  EventMeta send(Deployment.Builder d, Cause cause, SpecificRecord payload) {
    EventMeta meta = meta(d, cause, payload);
    output(HarborTopology.AGENT_COMMANDS_SINK, d.getService(), new AgentCommand(meta, payload), meta);
    d.setLastCommandEventId(meta.getEventId());
    return meta;
  }

  /** Deployments created or changed. */
  List<Deployment> changedDeployments() {
    return List.copyOf(deployments.changed().values());
  }

  /** Service records created or changed. */
  List<ServiceDeployments> changedServices() {
    return List.copyOf(services.changed().values());
  }

  /** The pending timer of each changed deployment moves with its state: the old one goes, a new one comes. */
  @Override
  protected void deriveTimers(List<TimerIndex.Timer> cancel, List<TimerIndex.Timer> schedule) {
    for (Deployment d : changedDeployments()) {
      TimerIndex.Timer before = SagaTimers.pending(deployments.asRead(d.getDeploymentId()));
      TimerIndex.Timer after = SagaTimers.pending(d);
      if (before != null && !before.equals(after)) {
        cancel.add(before);
      }
      if (after != null && !after.equals(before)) {
        schedule.add(after);
      }
    }
  }

  /** When a deployment reached its terminal state; null while it is in flight. */
  static Instant finishedAt(Deployment d) {
    return switch (d.getStatus()) {
      case SUCCEEDED, ROLLED_BACK, FAILED_NEEDS_ATTENTION, CANCELLED -> d.getUpdatedAt();
      default -> null;
    };
  }

  private static ServiceDeployments empty(String service) {
    return ServiceDeployments.newBuilder().setService(service).setActive(null)
        .setQueue(new ArrayList<>()).setVersions(new LinkedHashMap<>())
        .setConfigs(new LinkedHashMap<>()).build();
  }

  private EventMeta meta(Deployment.Builder d, Cause cause, SpecificRecord payload) {
    String type = SOURCE + "." + payload.getClass().getSimpleName();
    return cause.meta(type, SOURCE, d.getCorrelationId(), clock());
  }


  /**
   * A deploy or rollback step's entry names the anchor configuration version it uses: the one the deployment
   * pinned for the environment, or for a rollback the one the restored version was deployed with.
   */
  private static HistoryEntry withConfigVersion(Deployment.Builder d, HistoryEntry entry) {
    if (entry.getEnvironment() == null || entry.getAction() == null) {
      return entry;
    }
    io.poseidon.schemas.harbor.PinnedConfig pinned = switch (entry.getAction()) {
      case DEPLOY -> DeploymentSaga.pinnedOf(d).get(entry.getEnvironment());
      case ROLLBACK -> DeploymentSaga.previousOf(d).get(entry.getEnvironment());
      default -> null;
    };
    return pinned == null ? entry : HistoryEntry.newBuilder(entry).setConfigVersion(pinned.getVersion()).build();
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
