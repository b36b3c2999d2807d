package io.poseidon.processors.current;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.schemas.current.CommitPushed;
import io.poseidon.topology.config.ConfigSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class CurrentValidationTest {

  @Test
  void shouldAcceptAWellFormedCommit() {
    assertEquals(Map.of(), CurrentValidation.check(commit("wf-1", "checkout-api", "3f2a9c1", "main", "ada",
        List.of("dev", "staging", "prod"))));
    assertEquals(Map.of(), CurrentValidation.check(commit("0b7c6a3e-1f0e-4c55-9a57-6f5bb1f5c2a4", "checkout",
        "3F2A9C1BE0D4471A8C6E5F0B9A7D2C1E4F6A8B0C", "release/2.1", "ada", List.of("prod"))));
  }

  @Test
  void shouldNameEveryBadField() {
    Map<String, String> problems = CurrentValidation.check(commit("w|1", "Checkout", "xyz1234", " ", "",
        List.of("dev", "dev")));

    assertEquals(List.of("workflowId", "service", "commit", "branch", "author", "environments"),
        new ArrayList<>(problems.keySet()));
    assertTrue(problems.get("environments").contains("names dev twice"));
  }

  @Test
  void shouldRejectCommitHashesOfTheWrongLength() {
    assertTrue(CurrentValidation.check(commit("w", "s", "abc123", "main", "ada", List.of("dev")))
        .containsKey("commit"), "6 characters");
    assertTrue(CurrentValidation.check(commit("w", "s", "a".repeat(41), "main", "ada", List.of("dev")))
        .containsKey("commit"), "41 characters");
  }

  @Test
  void shouldRejectEnvironmentsHarborWouldReject() {
    assertTrue(CurrentValidation.check(commit("w", "s", "abc1234", "main", "ada", List.of()))
        .containsKey("environments"));
    assertTrue(CurrentValidation.check(commit("w", "s", "abc1234", "main", "ada", List.of("Prod")))
        .get("environments").contains("'Prod' is not an environment name"));
  }

  @Test
  void shouldRefuseABranchPolicyThatIsNotARegularExpression() {
    assertThrows(ConfigException.class, () -> new CurrentConfig(ConfigSource.of(Map.of(
        CurrentConfig.ALLOWED_BRANCHES, "release/(.*"))));
    assertTrue(new CurrentConfig(ConfigSource.of(Map.of(CurrentConfig.ALLOWED_BRANCHES, "main|release/.*")))
        .allowedBranches().matcher("release/2.1").matches());
  }

  private static CommitPushed commit(String workflowId, String service, String commit, String branch, String author,
      List<String> environments) {
    return new CommitPushed(workflowId, service, commit, branch, author, new ArrayList<>(environments));
  }
}
