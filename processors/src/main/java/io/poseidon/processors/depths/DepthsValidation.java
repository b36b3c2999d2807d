package io.poseidon.processors.depths;

import io.poseidon.schemas.depths.ServiceRegistered;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules a depths event must follow beyond its Avro schema. One rule set, used by the gateway
 * (400 with field details before anything is produced) and by the topology (dead letter for a bad
 * event produced by anyone else).
 */
public final class DepthsValidation {

  /** Lower-case kebab-case, 1-63 characters (a DNS label): also keeps '/' out of store keys. */
  public static final Pattern SERVICE_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  public static final Pattern INSTANCE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private DepthsValidation() {}

  /** Field name to problem; empty when the registration is valid. */
  public static Map<String, String> check(ServiceRegistered r, int maxTtlSeconds) {
    Map<String, String> problems = new LinkedHashMap<>();
    checkIds(r.getService(), r.getInstanceId(), problems);
    if (r.getHost().isBlank() || r.getHost().length() > 253) {
      problems.put("host", "must be a host name or IP address (1-253 characters)");
    }
    if (r.getPort() < 1 || r.getPort() > 65535) {
      problems.put("port", "must be 1-65535, got " + r.getPort());
    }
    if (r.getTtlSeconds() < 1 || r.getTtlSeconds() > maxTtlSeconds) {
      problems.put("ttlSeconds", "must be 1-" + maxTtlSeconds + ", got " + r.getTtlSeconds());
    }
    return problems;
  }

  public static void checkIds(String service, String instanceId, Map<String, String> problems) {
    if (service == null || !SERVICE_NAME.matcher(service).matches()) {
      problems.put("service", "must be lower-case kebab-case, 1-63 characters (e.g. checkout-api)");
    }
    if (instanceId == null || !INSTANCE_ID.matcher(instanceId).matches()) {
      problems.put("instanceId", "must be 1-128 characters of A-Z a-z 0-9 . _ : -");
    }
  }

  public static String describe(Map<String, String> problems) {
    StringBuilder out = new StringBuilder();
    problems.forEach((field, problem) -> out.append(out.isEmpty() ? "" : "; ").append(field).append(' ').append(problem));
    return out.toString();
  }
}
