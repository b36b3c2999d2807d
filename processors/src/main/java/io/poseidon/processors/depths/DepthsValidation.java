package io.poseidon.processors.depths;

import io.poseidon.schemas.depths.ServiceRegistered;
import java.util.LinkedHashMap;
import java.util.Map;
import io.poseidon.topology.validation.Ids;

/**
 * The rules a depths event must follow beyond its Avro schema. One rule set, used by the gateway
 * (400 with field details before anything is produced) and by the topology (dead letter for a bad
 * event produced by anyone else).
 */
public final class DepthsValidation {

  /** The longest host name. */
  public static final int MAX_HOST_CHARS = 253;

  private DepthsValidation() {}

  /** Field name to problem; empty when the registration is valid. */
  public static Map<String, String> check(ServiceRegistered r, int maxTtlSeconds) {
    Map<String, String> problems = new LinkedHashMap<>();
    checkIds(r.getService(), r.getInstanceId(), problems);
    if (r.getHost().isBlank() || r.getHost().length() > MAX_HOST_CHARS || Ids.hasControlCharacters(r.getHost())
        || r.getHost().contains(" ")) {
      problems.put("host", "must be a host name or IP address (1-" + MAX_HOST_CHARS + " characters, no spaces or "
          + "control characters)");
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
    Ids.checkService("service", service, problems);
    Ids.checkId("instanceId", instanceId, problems);
  }
}
