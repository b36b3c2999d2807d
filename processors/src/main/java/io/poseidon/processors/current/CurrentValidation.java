package io.poseidon.processors.current;

import io.poseidon.processors.harbor.HarborValidation;
import io.poseidon.schemas.current.CommitPushed;
import io.poseidon.topology.validation.Ids;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rules a {@code CommitPushed} must follow beyond its Avro schema. One rule set, for the gateway
 * (400 with field details before anything is produced) and for the topology (dead letter for a bad
 * command produced by anyone else). A commit that passes here is "well formed", the first of
 * current's quality checks; the branch policy ({@link CurrentConfig#ALLOWED_BRANCHES}) is the second
 * and fails the workflow instead of rejecting the command.
 */
public final class CurrentValidation {

  public static final int MAX_BRANCH_CHARS = 255;
  public static final int MAX_AUTHOR_CHARS = 256;

  private CurrentValidation() {}

  /** Field name to problem; empty when the command is valid. */
  public static Map<String, String> check(CommitPushed c) {
    Map<String, String> problems = new LinkedHashMap<>();
    Ids.checkId("workflowId", c.getWorkflowId(), problems);
    Ids.checkService("service", c.getService(), problems);
    if (c.getCommit() == null || !Ids.COMMIT.matcher(c.getCommit()).matches()) {
      problems.put("commit", Ids.COMMIT_RULE);
    }
    Ids.checkText("branch", c.getBranch(), MAX_BRANCH_CHARS, problems);
    Ids.checkText("author", c.getAuthor(), MAX_AUTHOR_CHARS, problems);
    // harbor's rule, so harbor accepts the deployment current requests
    HarborValidation.checkEnvironments(c.getEnvironments(), "workflow", problems);
    return problems;
  }
}
