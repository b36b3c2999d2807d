package io.poseidon.processors.forge;

import io.poseidon.topology.validation.Ids;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineRunRequested;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rules a forge command must follow beyond its Avro schema. One rule set, for the gateway (400
 * with field details before anything is produced) and for the topology (dead letter for a bad command
 * produced by anyone else).
 */
public final class ForgeValidation {

  public static final int MAX_BRANCH_CHARS = 255;

  private ForgeValidation() {}

  /** Field name to problem; empty when the request is valid. */
  public static Map<String, String> check(PipelineRunRequested r) {
    Map<String, String> problems = new LinkedHashMap<>();
    checkRunId(r.getRunId(), problems);
    Ids.checkService("service", r.getService(), problems);
    if (r.getCommit() == null || !Ids.COMMIT.matcher(r.getCommit()).matches()) {
      problems.put("commit", Ids.COMMIT_RULE);
    }
    Ids.checkText("branch", r.getBranch(), MAX_BRANCH_CHARS, problems);
    Double minCoverage = r.getMinCoverage();
    if (minCoverage != null && !(minCoverage >= 0.0 && minCoverage <= 1.0)) {
      problems.put("minCoverage", "must be between 0 and 1 when given, got " + minCoverage);
    }
    Integer maxCritical = r.getMaxCriticalVulnerabilities();
    if (maxCritical != null && maxCritical < 0) {
      problems.put("maxCriticalVulnerabilities", "must be 0 or more when given, got " + maxCritical);
    }
    return problems;
  }

  public static Map<String, String> check(PipelineRunCancelRequested c) {
    Map<String, String> problems = new LinkedHashMap<>();
    checkRunId(c.getRunId(), problems);
    return problems;
  }

  public static void checkRunId(String runId, Map<String, String> problems) {
    Ids.checkId("runId", runId, problems);
  }
}
