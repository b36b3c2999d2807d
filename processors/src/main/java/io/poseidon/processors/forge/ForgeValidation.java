package io.poseidon.processors.forge;

import io.poseidon.processors.depths.DepthsValidation;
import io.poseidon.schemas.forge.PipelineRunCancelRequested;
import io.poseidon.schemas.forge.PipelineRunRequested;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules a forge command must follow beyond its Avro schema. One rule set, for the gateway (400
 * with field details before anything is produced) and for the topology (dead letter for a bad command
 * produced by anyone else).
 */
public final class ForgeValidation {

  /** The platform's service names (the rule of the service catalog, depths). */
  public static final Pattern SERVICE_NAME = DepthsValidation.SERVICE_NAME;
  /** Run ids: no '|' (timer ids are built from them). */
  public static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  /** A commit hash, abbreviated (7) to full SHA-1 (40). */
  public static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{7,40}");
  public static final int MAX_BRANCH_CHARS = 255;

  private ForgeValidation() {}

  /** Field name to problem; empty when the request is valid. */
  public static Map<String, String> check(PipelineRunRequested r) {
    Map<String, String> problems = new LinkedHashMap<>();
    checkRunId(r.getRunId(), problems);
    if (r.getService() == null || !SERVICE_NAME.matcher(r.getService()).matches()) {
      problems.put("service", "must be lower-case kebab-case, 1-63 characters (e.g. checkout-api)");
    }
    if (r.getCommit() == null || !COMMIT.matcher(r.getCommit()).matches()) {
      problems.put("commit", "must be a commit hash: 7-40 hexadecimal characters");
    }
    if (r.getBranch() == null || r.getBranch().isBlank() || r.getBranch().length() > MAX_BRANCH_CHARS) {
      problems.put("branch", "must not be empty (at most " + MAX_BRANCH_CHARS + " characters)");
    }
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
    if (runId == null || !RUN_ID.matcher(runId).matches()) {
      problems.put("runId", "must be 1-128 characters of A-Z a-z 0-9 . _ : -");
    }
  }

  public static String describe(Map<String, String> problems) {
    StringBuilder out = new StringBuilder();
    problems.forEach((field, problem) -> out.append(out.isEmpty() ? "" : "; ").append(field).append(' ').append(problem));
    return out.toString();
  }
}
