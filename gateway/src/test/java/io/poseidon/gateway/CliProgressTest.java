package io.poseidon.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The progress display of {@code deploy --wait}: one line per environment, redrawn on a terminal, appended elsewhere. */
class CliProgressTest {

  private final StringWriter text = new StringWriter();

  private OpsCommands.DeploymentWatch watch(boolean tty) {
    Progress progress = new Progress(new PrintWriter(text, true), tty, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC),
        List.of("dev", "staging", "prod"));
    return new OpsCommands.DeploymentWatch("checkout.d1", "checkout", "1.4.2", progress);
  }

  private static JsonObject step(String env, String action, String status) {
    return new JsonObject().put("environment", env).put("action", action).put("status", status).put("attempt", 1);
  }

  @Test
  void shouldShowOneLinePerEnvironmentAsStepsChange() {
    OpsCommands.DeploymentWatch watch = watch(true);
    watch.apply("harbor.DeploymentStarted", new JsonObject());
    watch.apply("harbor.EnvironmentStepChanged", step("dev", "DEPLOY", "RUNNING"));
    watch.apply("harbor.EnvironmentStepChanged", step("dev", "HEALTH_GATE", "COMPLETED"));
    watch.apply("harbor.EnvironmentStepChanged", step("staging", "DEPLOY", "RUNNING").put("attempt", 2));

    assertEquals(List.of("deployment checkout.d1: checkout 1.4.2  RUNNING",
        "  ✓ dev      deployed, health gate passed",
        "  … staging  deploying (attempt 2)",
        "  · prod     pending"), watch.progress.lines());
    assertTrue(text.toString().contains("\033[4A\r\033[2K"), "redrawn in place");
  }

  @Test
  void shouldAppendPlainLinesWhenNotATerminalAndMarkRollbacks() {
    OpsCommands.DeploymentWatch watch = watch(false);
    watch.apply("harbor.DeploymentStarted", new JsonObject());
    watch.apply("harbor.EnvironmentStepChanged", step("dev", "HEALTH_GATE", "COMPLETED"));
    watch.apply("harbor.EnvironmentStepChanged", step("staging", "HEALTH_GATE", "FAILED").put("detail", "UNHEALTHY"));
    watch.apply("harbor.EnvironmentStepChanged", step("dev", "ROLLBACK", "COMPLETED"));
    watch.apply("harbor.DeploymentFinished", new JsonObject().put("status", "ROLLED_BACK").put("reason", "gate"));

    String out = text.toString();
    assertFalse(out.contains("\033["), "no escape codes in a log: " + out);
    assertEquals(List.of("[  0.0s] deployment checkout.d1: checkout 1.4.2  QUEUED",
        "[  0.0s] deployment checkout.d1: checkout 1.4.2  RUNNING",
        "[  0.0s] ✓ dev      deployed, health gate passed",
        "[  0.0s] ✗ staging  health gate failed: UNHEALTHY",
        "[  0.0s] deployment checkout.d1: checkout 1.4.2  ROLLING_BACK",
        "[  0.0s] ↩ dev      rolled back",
        "[  0.0s] deployment checkout.d1: checkout 1.4.2  ROLLED_BACK (gate)"), out.lines().toList());
  }

  @Test
  void shouldParseDurations() {
    assertEquals(java.time.Duration.ofMinutes(10), OpsCommands.duration("10m"));
    assertEquals(java.time.Duration.ofSeconds(90), OpsCommands.duration("90"));
    assertEquals(java.time.Duration.ofMillis(500), OpsCommands.duration("500ms"));
    assertEquals(java.time.Duration.ofMinutes(5), OpsCommands.duration("PT5M"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> OpsCommands.duration("0s"));
  }
}
