package io.poseidon.processors.harbor;

import io.poseidon.processors.depths.DepthsValidation;
import io.poseidon.schemas.harbor.DeploymentCancelRequested;
import io.poseidon.schemas.harbor.DeploymentRequested;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a harbor command must follow beyond its Avro schema. One rule set, for the gateway (400
 * with field details before anything is produced) and for the topology (dead letter for a bad command
 * produced by anyone else).
 */
public final class HarborValidation {

  /** The platform's service names (the rule of the service catalog, depths). */
  public static final Pattern SERVICE_NAME = DepthsValidation.SERVICE_NAME;
  /** Environment names: lower-case kebab-case, 1-63 characters (dev, staging, prod, eu-prod-2). */
  public static final Pattern ENVIRONMENT = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  /** Deployment ids: no '|' (timer ids are built from them). */
  public static final Pattern DEPLOYMENT_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  public static final int MAX_ENVIRONMENTS = 16;
  public static final int MAX_VERSION_CHARS = 256;
  public static final int MAX_SECONDS = 86_400;

  private HarborValidation() {}

  /** Field name to problem; empty when the request is valid. */
  public static Map<String, String> check(DeploymentRequested r) {
    Map<String, String> problems = new LinkedHashMap<>();
    checkIds(r.getDeploymentId(), r.getService(), problems);
    if (r.getVersion() == null || r.getVersion().isBlank() || r.getVersion().length() > MAX_VERSION_CHARS) {
      problems.put("version", "must not be empty (at most " + MAX_VERSION_CHARS + " characters)");
    }
    List<String> environments = r.getEnvironments();
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
          problems.put("environments", "names " + env + " twice: each environment is deployed once per deployment");
          break;
        }
      }
    }
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
    if (deploymentId == null || !DEPLOYMENT_ID.matcher(deploymentId).matches()) {
      problems.put("deploymentId", "must be 1-128 characters of A-Z a-z 0-9 . _ : -");
    }
    if (service == null || !SERVICE_NAME.matcher(service).matches()) {
      problems.put("service", "must be lower-case kebab-case, 1-63 characters (e.g. checkout-api)");
    }
  }

  private static void checkSeconds(String field, Integer seconds, Map<String, String> problems) {
    if (seconds != null && (seconds < 1 || seconds > MAX_SECONDS)) {
      problems.put(field, "must be 1-" + MAX_SECONDS + " when given, got " + seconds);
    }
  }

  public static String describe(Map<String, String> problems) {
    StringBuilder out = new StringBuilder();
    problems.forEach((field, problem) -> out.append(out.isEmpty() ? "" : "; ").append(field).append(' ').append(problem));
    return out.toString();
  }
}
