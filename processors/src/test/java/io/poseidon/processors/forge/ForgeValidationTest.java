package io.poseidon.processors.forge;

import io.poseidon.topology.validation.Ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineRunRequested;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ForgeValidationTest {

  @Test
  void shouldAcceptAValidRequest() {
    assertEquals(Map.of(), ForgeValidation.check(valid().build()));
    assertEquals(Map.of(), ForgeValidation.check(valid().setCommit("a".repeat(40)).setMinCoverage(1.0)
        .setMaxCriticalVulnerabilities(0).build()));
    assertEquals(Map.of(), ForgeValidation.check(valid().setMinCoverage(0.0).build()));
  }

  @Test
  void shouldNameEveryBadFieldOfARequest() {
    Map<String, String> problems = ForgeValidation.check(PipelineRunRequested.newBuilder().setRunId("run|1")
        .setService("Checkout").setCommit("4d9bb9").setBranch(" ").setMinCoverage(Double.NaN)
        .setMaxCriticalVulnerabilities(-1).build());

    assertEquals(Set.of("runId", "service", "commit", "branch", "minCoverage", "maxCriticalVulnerabilities"),
        problems.keySet());
    assertTrue(Ids.describe(problems).startsWith("runId must be 1-128 characters"));
  }

  @Test
  void shouldAcceptCommitsOfSevenToFortyHexCharacters() {
    assertEquals(Set.of("commit"), ForgeValidation.check(valid().setCommit("a".repeat(41)).build()).keySet());
    assertEquals(Set.of("commit"), ForgeValidation.check(valid().setCommit("4d9bb9g").build()).keySet());
    assertEquals(Map.of(), ForgeValidation.check(valid().setCommit("4D9BB9A").build()));
  }

  @Test
  void shouldRejectACoverageAboveOne() {
    assertEquals(Set.of("minCoverage"), ForgeValidation.check(valid().setMinCoverage(1.01).build()).keySet());
  }

  @Test
  void shouldCheckTheRunIdOfACancel() {
    assertEquals(Map.of(), ForgeValidation.check(new PipelineRunCancelRequested("run-1", null)));
    assertEquals(Set.of("runId"), ForgeValidation.check(new PipelineRunCancelRequested("", "x")).keySet());
  }

  private static PipelineRunRequested.Builder valid() {
    return PipelineRunRequested.newBuilder().setRunId("run-1").setService("checkout").setCommit("4d9bb9a")
        .setBranch("feature/fast-checkout").setMinCoverage(null).setMaxCriticalVulnerabilities(null);
  }
}
