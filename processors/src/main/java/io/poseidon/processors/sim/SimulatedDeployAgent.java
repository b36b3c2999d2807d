package io.poseidon.processors.sim;

import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.AgentResult;
import io.poseidon.schemas.harbor.AgentStepFailed;
import io.poseidon.schemas.harbor.AgentStepSucceeded;
import io.poseidon.schemas.harbor.DeployToEnvironment;
import io.poseidon.schemas.harbor.RollbackEnvironment;
import io.poseidon.schemas.harbor.StepAction;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.timers.TimerIndex;
import io.poseidon.topology.tracing.Tracing;
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
 * It reports no health of its own: what it deploys joins the {@link SimulatedFleet}, whose telemetry
 * lighthouse judges (badly, for the pairs of {@code sim.degrade}).
 */
final class SimulatedDeployAgent implements Processor<String, AgentCommand, String, Object> {

  private final SimConfig config;
  private final Clock clock;
  private final DoubleSupplier random;
  private final SimulatedFleet fleet;
  private ProcessorContext<String, Object> context;
  private KeyValueStore<String, AgentCommand> pending;
  private TimerIndex timers;
  private Tracing tracing = Tracing.off();

  SimulatedDeployAgent(SimConfig config, Clock clock, DoubleSupplier random, SimulatedFleet fleet) {
    this.config = config;
    this.clock = clock;
    this.random = random;
    this.fleet = fleet;
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    this.pending = context.getStateStore(SimTopology.PENDING_STORE);
    this.timers = new TimerIndex(context.getStateStore(SimTopology.TIMER_STORE));
    this.tracing = Tracing.of(context);
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
    timers.schedule(id, due, Tracing.current()); // the answer's span continues this one
  }

  void fire(long now) {
    for (TimerIndex.Due due : timers.dueWithTrace(now, 1_000)) {
      TimerIndex.Timer timer = due.timer();
      timers.cancel(timer.id(), timer.dueAt());
      String id = timer.id().startsWith("health|") ? timer.id().substring("health|".length()) : timer.id();
      AgentCommand command = pending.get(id);
      if (command == null) {
        continue;
      }
      pending.delete(id);
      if (!timer.id().startsWith("health|")) { // health| timers: left by an older version, nothing to do
        tracing.timer(SimModule.NAME, timer.id(), due.traceparent(), () -> answer(command));
      }
    }
  }

  /** Sends the step's result; a successful step changes what the fleet runs. */
  private void answer(AgentCommand command) {
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
    if (failure == null && payload instanceof DeployToEnvironment d) {
      fleet.deployed(service, environment, d.getVersion(), config.degrade().contains(service + "@" + environment));
    } else if (failure == null && payload instanceof RollbackEnvironment r) {
      fleet.rolledBack(service, environment, r.getRestoreVersion());
    }
  }
}
