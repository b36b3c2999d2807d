package io.poseidon.processors.sim;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.AgentResult;
import io.poseidon.schemas.harbor.AgentStepFailed;
import io.poseidon.schemas.harbor.AgentStepSucceeded;
import io.poseidon.schemas.harbor.DeployToEnvironment;
import io.poseidon.schemas.harbor.RollbackEnvironment;
import io.poseidon.schemas.harbor.StepAction;
import io.poseidon.schemas.lighthouse.HealthEvent;
import io.poseidon.schemas.lighthouse.ServiceHealthReported;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Clock;
import java.util.function.DoubleSupplier;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Carries out agent commands after a configured time. Each command is kept (keyed by its eventId)
 * until its timer fires, so a redelivered command is not answered twice and a restart loses no step.
 * A health report is a second timer after a successful deploy (id prefixed {@code health|}).
 */
final class SimulatedDeployAgent implements Processor<String, AgentCommand, String, Object> {

  private static final String HEALTH = "health|";

  private final SimConfig config;
  private final Clock clock;
  private final DoubleSupplier random;
  private ProcessorContext<String, Object> context;
  private KeyValueStore<String, AgentCommand> pending;
  private TimerIndex timers;

  SimulatedDeployAgent(SimConfig config, Clock clock, DoubleSupplier random) {
    this.config = config;
    this.clock = clock;
    this.random = random;
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    this.pending = context.getStateStore(SimTopology.PENDING_STORE);
    this.timers = new TimerIndex(context.getStateStore(SimTopology.TIMER_STORE));
    context.schedule(config.timerScanInterval(), PunctuationType.WALL_CLOCK_TIME, this::fire);
  }

  @Override
  public void process(Record<String, AgentCommand> record) {
    AgentCommand command = record.value();
    if (command == null) {
      throw new RejectedRecordException("empty agent command");
    }
    String id = command.getMeta().getEventId();
    if (pending.get(id) != null) {
      return; // redelivered: already scheduled
    }
    boolean deploy = command.getPayload() instanceof DeployToEnvironment;
    long due = clock.millis() + (deploy ? config.deployDuration() : config.rollbackDuration()).toMillis();
    pending.put(id, command);
    timers.schedule(id, due);
  }

  void fire(long now) {
    for (TimerIndex.Timer timer : timers.due(now, 1_000)) {
      timers.cancel(timer.id(), timer.dueAt());
      String id = timer.id().startsWith(HEALTH) ? timer.id().substring(HEALTH.length()) : timer.id();
      AgentCommand command = pending.get(id);
      if (command == null) {
        continue;
      }
      if (timer.id().startsWith(HEALTH)) {
        pending.delete(id);
        reportHealth(command);
      } else if (answer(command)) {
        timers.schedule(HEALTH + id, now + config.healthReportDelay().toMillis());
      } else {
        pending.delete(id);
      }
    }
  }

  /** Sends the step's result; true when it was a successful deploy (a health report follows). */
  private boolean answer(AgentCommand command) {
    Object payload = command.getPayload();
    String service;
    String environment;
    String deploymentId;
    StepAction action;
    int attempt;
    String failure = null;
    boolean retryable = false;
    if (payload instanceof DeployToEnvironment d) {
      service = d.getService();
      environment = d.getEnvironment();
      deploymentId = d.getDeploymentId();
      action = StepAction.DEPLOY;
      attempt = d.getAttempt();
      if (config.deployFailures().contains(service + "@" + environment)) {
        failure = "simulated deploy failure of " + service + " in " + environment;
      } else if (random.getAsDouble() < config.failureProbability()) {
        failure = "simulated transient failure";
        retryable = true;
      }
    } else {
      RollbackEnvironment r = (RollbackEnvironment) payload;
      service = r.getService();
      environment = r.getEnvironment();
      deploymentId = r.getDeploymentId();
      action = StepAction.ROLLBACK;
      attempt = r.getAttempt();
      if (config.rollbackFailures().contains(service + "@" + environment)) {
        failure = "simulated rollback failure of " + service + " in " + environment;
      }
    }
    Object result = failure == null
        ? new AgentStepSucceeded(deploymentId, service, environment, action, attempt, config.agentId())
        : new AgentStepFailed(deploymentId, service, environment, action, attempt, config.agentId(), failure, retryable);
    String type = "harbor." + result.getClass().getSimpleName();
    EventMeta meta = EventMetas.causedBy(command.getMeta(), type, config.agentId(), clock);
    context.forward(new Record<String, Object>(service, new AgentResult(meta, result), clock.millis()),
        SimTopology.RESULTS_SINK);
    return failure == null && action == StepAction.DEPLOY;
  }

  private void reportHealth(AgentCommand command) {
    DeployToEnvironment d = (DeployToEnvironment) command.getPayload();
    boolean healthy = !config.unhealthy().contains(d.getService() + "@" + d.getEnvironment());
    ServiceHealthReported report = new ServiceHealthReported(d.getService(), d.getEnvironment(), d.getVersion(),
        healthy, healthy ? "simulated probe ok" : "simulated probe: error rate above objective");
    EventMeta meta = EventMetas.causedBy(command.getMeta(), "lighthouse.ServiceHealthReported", config.agentId(), clock);
    context.forward(new Record<String, Object>(d.getService(), new HealthEvent(meta, report), clock.millis()),
        SimTopology.HEALTH_SINK);
  }
}
