package io.poseidon.processors.harbor;

import io.poseidon.topology.validation.Ids;
import io.poseidon.schemas.harbor.DeploymentCancelRequested;
import io.poseidon.schemas.harbor.DeploymentRequested;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules a harbor command must follow beyond its Avro schema. One rule set, for the gateway (400
 * with field details before anything is produced) and for the topology (dead letter for a bad command
 * produced by anyone else).
 */
public final class HarborValidation {

  public static final int MAX_ENVIRONMENTS = 16;
  public static final int MAX_VERSION_CHARS = 256;
  public static final int MAX_SECONDS = 86_400;

  private HarborValidation() {}

  /** Field name to problem; empty when the request is valid. */
  public static Map<String, String> check(DeploymentRequested r) {
    Map<String, String> problems = new LinkedHashMap<>();
    checkIds(r.getDeploymentId(), r.getService(), problems);
    Ids.checkText("version", r.getVersion(), MAX_VERSION_CHARS, problems);
    checkEnvironments(r.getEnvironments(), "deployment", problems);
    checkSeconds("healthGateSeconds", r.getHealthGateSeconds(), problems);
    checkSeconds("stepTimeoutSeconds", r.getStepTimeoutSeconds(), problems);
    return problems;
  }

  public static Map<String, String> check(DeploymentCancelRequested c) {
    Map<String, String> problems = new LinkedHashMap<>();
    checkIds(c.getDeploymentId(), c.getService(), problems);
    return problems;
  }

  public static void checkIds(String deploymentId, String service, Map<String, String> problems) {
    Ids.checkId("deploymentId", deploymentId, problems);
    Ids.checkService("service", service, problems);
  }

  /**
   * The environments of a deployment (or of a workflow that will request one), in promotion order: at
   * least one, at most {@value #MAX_ENVIRONMENTS}, each a name and named once per {@code what}.
   */
  public static void checkEnvironments(List<String> environments, String what, Map<String, String> problems) {
    if (environments == null || environments.isEmpty()) {
      problems.put("environments", "must name at least one environment, in promotion order (e.g. dev, staging, prod)");
    } else if (environments.size() > MAX_ENVIRONMENTS) {
      problems.put("environments", "must name at most " + MAX_ENVIRONMENTS + " environments, got " + environments.size());
    } else {
      Set<String> seen = new HashSet<>();
      for (String env : environments) {
        if (!Ids.isName(env)) {
          problems.put("environments", "'" + env + "' is not an environment name (lower-case kebab-case, 1-63 characters)");
          break;
        }
        if (!seen.add(env)) {
          problems.put("environments", "names " + env + " twice: each environment is deployed once per " + what);
          break;
        }
      }
    }
  }

  private static void checkSeconds(String field, Integer seconds, Map<String, String> problems) {
    if (seconds != null && (seconds < 1 || seconds > MAX_SECONDS)) {
      problems.put(field, "must be 1-" + MAX_SECONDS + " when given, got " + seconds);
    }
  }
}
