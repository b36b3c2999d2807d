package io.poseidon.processors.current;

import io.poseidon.processors.depths.DepthsValidation;
import io.poseidon.processors.harbor.HarborValidation;
import io.poseidon.schemas.current.CommitPushed;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a {@code CommitPushed} must follow beyond its Avro schema. One rule set, for the gateway
 * (400 with field details before anything is produced) and for the topology (dead letter for a bad
 * command produced by anyone else). A commit that passes here is "well formed", the first of
 * current's quality checks; the branch policy ({@link CurrentConfig#ALLOWED_BRANCHES}) is the second
 * and fails the workflow instead of rejecting the command.
 */
public final class CurrentValidation {

  /** The platform's service names (the rule of the service catalog, depths). */
  public static final Pattern SERVICE_NAME = DepthsValidation.SERVICE_NAME;
  /** Abbreviated or full commit hashes. */
  public static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{7,40}");
  /** Workflow ids (the gateway uses the command's correlation id, a UUID). */
  public static final Pattern WORKFLOW_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  /** Environments: harbor's rule, so harbor accepts the deployment current requests. */
  public static final Pattern ENVIRONMENT = HarborValidation.ENVIRONMENT;
  public static final int MAX_ENVIRONMENTS = HarborValidation.MAX_ENVIRONMENTS;
  public static final int MAX_BRANCH_CHARS = 255;
  public static final int MAX_AUTHOR_CHARS = 256;

  private CurrentValidation() {}

  /** Field name to problem; empty when the command is valid. */
  public static Map<String, String> check(CommitPushed c) {
    Map<String, String> problems = new LinkedHashMap<>();
    if (c.getWorkflowId() == null || !WORKFLOW_ID.matcher(c.getWorkflowId()).matches()) {
      problems.put("workflowId", "must be 1-128 characters of A-Z a-z 0-9 . _ : -");
    }
    if (c.getService() == null || !SERVICE_NAME.matcher(c.getService()).matches()) {
      problems.put("service", "must be lower-case kebab-case, 1-63 characters (e.g. checkout-api)");
    }
    if (c.getCommit() == null || !COMMIT.matcher(c.getCommit()).matches()) {
      problems.put("commit", "must be a commit hash: 7-40 hexadecimal characters");
    }
    if (blank(c.getBranch()) || c.getBranch().length() > MAX_BRANCH_CHARS) {
      problems.put("branch", "must not be empty (at most " + MAX_BRANCH_CHARS + " characters)");
    }
    if (blank(c.getAuthor()) || c.getAuthor().length() > MAX_AUTHOR_CHARS) {
      problems.put("author", "must not be empty (at most " + MAX_AUTHOR_CHARS + " characters)");
    }
    List<String> environments = c.getEnvironments();
    if (environments == null || environments.isEmpty()) {
      problems.put("environments", "must name at least one environment, in promotion order (e.g. dev, staging, prod)");
    } else if (environments.size() > MAX_ENVIRONMENTS) {
      problems.put("environments", "must name at most " + MAX_ENVIRONMENTS + " environments, got " + environments.size());
    } else {
      Set<String> seen = new HashSet<>();
      for (String env : environments) {
        if (env == null || !ENVIRONMENT.matcher(env).matches()) {
          problems.put("environments", "'" + env + "' is not an environment name (lower-case kebab-case, 1-63 characters)");
          break;
        }
        if (!seen.add(env)) {
          problems.put("environments", "names " + env + " twice: each environment is deployed once per workflow");
          break;
        }
      }
    }
    return problems;
  }

  /** The problems as one line: {@code field problem; field problem}. */
  public static String describe(Map<String, String> problems) {
    StringBuilder out = new StringBuilder();
    problems.forEach((field, problem) -> out.append(out.isEmpty() ? "" : "; ").append(field).append(' ').append(problem));
    return out.toString();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
