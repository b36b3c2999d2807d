package io.poseidon.processors.harbor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.processors.testing.MutableClock;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.harbor.AgentStepSucceeded;
import io.poseidon.schemas.harbor.DeployToEnvironment;
import io.poseidon.schemas.harbor.Deployment;
import io.poseidon.schemas.harbor.DeploymentCancelRequested;
import io.poseidon.schemas.harbor.DeploymentRequested;
import io.poseidon.schemas.harbor.DeploymentStatus;
import io.poseidon.schemas.harbor.DeploymentStrategy;
import io.poseidon.schemas.harbor.EnvironmentStepChanged;
import io.poseidon.schemas.harbor.ServiceDeployments;
import io.poseidon.schemas.harbor.StepAction;
import io.poseidon.schemas.harbor.StepStatus;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.errors.RejectedRecordException;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.saga.Table;
import io.poseidon.topology.saga.UnitOfWork;
import io.poseidon.schemas.harbor.AgentCommand;
import io.poseidon.schemas.harbor.DeploymentEvent;
import io.poseidon.topology.timers.TimerIndex;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The saga's decisions without Kafka: state in maps, outputs and timers read from {@link SagaChanges}. */
class DeploymentSagaTest {

  private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

  private final MutableClock clock = new MutableClock(T0);
  private final DeploymentSaga saga = new DeploymentSaga(HarborConfig.defaults());
  private final Map<String, Deployment> deployments = new HashMap<>();
  private final Map<String, ServiceDeployments> services = new HashMap<>();

  @Test
  void shouldClaimAFreeServiceSendTheFirstDeployAndArmItsTimeout() {
    EventMeta meta = meta("harbor.DeploymentRequested");

    SagaChanges changes = run(c -> saga.onRequested(c, meta, request("d-1", "dev", "prod")));

    assertEquals(List.of("Event harbor.DeploymentStarted", "Event harbor.EnvironmentStepChanged",
        "Command harbor.DeployToEnvironment"), kinds(changes));
    assertEquals(List.of(new TimerIndex.Timer("d-1|dev|deploy-timeout|1", T0.plusSeconds(60).toEpochMilli())),
        changes.timersToSchedule());
    assertEquals("d-1", services.get("checkout").getActive());
    Deployment d = deployments.get("d-1");
    assertEquals(DeploymentStatus.RUNNING, d.getStatus());
    assertEquals(10, d.getHealthGateSeconds(), "harbor's default");
    assertEquals(meta.getCorrelationId(), d.getCorrelationId());
    assertEquals(changes.outputs().get(2).meta().getEventId(), d.getLastCommandEventId());
  }

  @Test
  void shouldMoveTheTimerFromStepTimeoutToHealthGateWhenTheDeploySucceeds() {
    run(c -> saga.onRequested(c, meta("harbor.DeploymentRequested"), request("d-1", "dev")));
    clock.advance(Duration.ofSeconds(5));

    SagaChanges changes = run(c -> saga.onAgentSucceeded(c, meta("harbor.AgentStepSucceeded"), succeeded("d-1", "dev", 1)));

    assertEquals(List.of(new TimerIndex.Timer("d-1|dev|deploy-timeout|1", T0.plusSeconds(60).toEpochMilli())),
        changes.timersToCancel());
    assertEquals(List.of(new TimerIndex.Timer("d-1|dev|health-gate-end|1", T0.plusSeconds(15).toEpochMilli())),
        changes.timersToSchedule());
    assertEquals(StepStatus.RUNNING, DeploymentSaga.stepStatus(deployments.get("d-1")));
    assertEquals(StepAction.HEALTH_GATE, deployments.get("d-1").getCurrentAction());
  }

  @Test
  void shouldIgnoreAStaleTimer() {
    run(c -> saga.onRequested(c, meta("harbor.DeploymentRequested"), request("d-1", "dev")));
    run(c -> saga.onAgentSucceeded(c, meta("harbor.AgentStepSucceeded"), succeeded("d-1", "dev", 1)));
    Deployment before = deployments.get("d-1");

    SagaChanges changes = run(c -> saga.onTimer(c, "d-1|dev|deploy-timeout|1", T0.plusSeconds(60).toEpochMilli()));

    assertTrue(changes.outputs().isEmpty());
    assertTrue(changes.changedDeployments().isEmpty());
    assertEquals(before, deployments.get("d-1"));
  }

  @Test
  void shouldKeepTheDeploymentsCorrelationIdOnFactsCausedByACancel() {
    EventMeta requested = meta("harbor.DeploymentRequested");
    run(c -> saga.onRequested(c, requested, request("d-1", "dev")));
    EventMeta cancel = EventMetas.first("harbor.DeploymentCancelRequested", "gateway", "grace", null, clock);

    SagaChanges changes = run(c -> saga.onCancelRequested(c, cancel, DeploymentCancelRequested.newBuilder()
        .setDeploymentId("d-1").setService("checkout").setReason(null).build()));

    for (UnitOfWork.Output out : changes.outputs()) {
      assertEquals(requested.getCorrelationId(), out.meta().getCorrelationId(), "one correlation id per saga");
      assertEquals(cancel.getEventId(), out.meta().getCausationId());
      assertEquals("grace", out.meta().getActor());
    }
    assertEquals(List.of("Event harbor.EnvironmentStepChanged", "Event harbor.EnvironmentStepChanged",
        "Command harbor.RollbackEnvironment"), kinds(changes), "the in-flight deploy is cancelled and rolled back");
    assertTrue(deployments.get("d-1").getCancelRequested());
  }

  @Test
  void shouldCauseATimerDrivenTransitionByTheLastCommand() {
    run(c -> saga.onRequested(c, meta("harbor.DeploymentRequested"), request("d-1", "dev")));
    Deployment d = deployments.get("d-1");
    clock.advance(Duration.ofSeconds(60));

    SagaChanges changes = run(c -> saga.onTimer(c, "d-1|dev|deploy-timeout|1", T0.plusSeconds(60).toEpochMilli()));

    EnvironmentStepChanged failed = assertInstanceOf(EnvironmentStepChanged.class,
        ((DeploymentEvent) changes.outputs().get(0).value()).getPayload());
    assertEquals(StepStatus.FAILED, failed.getStatus());
    assertEquals("timed out after 60s", failed.getDetail());
    EventMeta meta = changes.outputs().get(0).meta();
    assertEquals(d.getCorrelationId(), meta.getCorrelationId());
    assertEquals(d.getLastCommandEventId(), meta.getCausationId());
    assertEquals("harbor", meta.getActor());
    assertEquals(List.of("dev"), deployments.get("d-1").getChangedEnvironments(),
        "a deploy that timed out may have been applied: it is rolled back");
  }

  @Test
  void shouldRememberThePreviousVersionAndHandItToTheAgent() {
    services.put("checkout", ServiceDeployments.newBuilder().setService("checkout").setActive(null)
        .setVersions(Map.of("dev", "1.4.1")).build());

    SagaChanges changes = run(c -> saga.onRequested(c, meta("harbor.DeploymentRequested"), request("d-1", "dev")));

    DeployToEnvironment deploy = (DeployToEnvironment) ((AgentCommand) changes.outputs().get(2).value()).getPayload();
    assertEquals("1.4.1", deploy.getPreviousVersion());
    assertEquals(Map.of("dev", "1.4.1"), deployments.get("d-1").getPreviousVersions());
  }

  @Test
  void shouldRejectAnInvalidRequestWithEveryProblem() {
    DeploymentRequested bad = DeploymentRequested.newBuilder().setDeploymentId("a|b").setService("Checkout")
        .setVersion(" ").setEnvironments(List.of()).setStrategy(DeploymentStrategy.CANARY).setHealthGateSeconds(0)
        .build();

    RejectedRecordException e = assertThrows(RejectedRecordException.class,
        () -> run(c -> saga.onRequested(c, meta("harbor.DeploymentRequested"), bad)));

    for (String field : List.of("deploymentId", "service", "version", "environments", "healthGateSeconds")) {
      assertTrue(e.getMessage().contains(field), e.getMessage());
    }
    assertTrue(deployments.isEmpty());
  }

  @Test
  void shouldDoubleTheRetryBackoffUpToItsCap() {
    HarborConfig config = new HarborConfig(ConfigSource.of(Map.of(HarborConfig.RETRY_BACKOFF_MS, "1000",
        HarborConfig.RETRY_BACKOFF_MAX_MS, "30000")));

    assertEquals(List.of(1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 30_000L, 30_000L),
        List.of(1, 2, 3, 4, 5, 6, 7).stream().map(a -> config.retryBackoff(a).toMillis()).toList());
    assertEquals(30_000L, config.retryBackoff(Integer.MAX_VALUE).toMillis());
  }

  // --- helpers -------------------------------------------------------------------------------

  /** Runs one unit of work and writes its changes back, as the processor does. */
  private SagaChanges run(Consumer<SagaChanges> step) {
    SagaChanges changes = new SagaChanges(Table.of(deployments), Table.of(services), clock);
    step.accept(changes);
    changes.changedDeployments().forEach(d -> deployments.put(d.getDeploymentId(), d));
    changes.changedServices().forEach(s -> services.put(s.getService(), s));
    return changes;
  }

  private static List<String> kinds(SagaChanges changes) {
    return changes.outputs().stream().map(o -> (o.sink().equals(HarborTopology.DEPLOYMENT_EVENTS_SINK) ? "Event"
        : "Command") + " " + o.meta().getType()).toList();
  }

  private EventMeta meta(String type) {
    return EventMetas.first(type, "test", "ada", null, clock);
  }

  private static DeploymentRequested request(String id, String... envs) {
    return DeploymentRequested.newBuilder().setDeploymentId(id).setService("checkout").setVersion("1.4.2")
        .setEnvironments(List.of(envs)).setStrategy(DeploymentStrategy.ROLLING).build();
  }

  private static AgentStepSucceeded succeeded(String id, String env, int attempt) {
    return AgentStepSucceeded.newBuilder().setDeploymentId(id).setService("checkout").setEnvironment(env)
        .setAction(StepAction.DEPLOY).setAttempt(attempt).setAgentId("agent-1").build();
  }
}
