package io.poseidon.gateway.http.auth;

import io.poseidon.gateway.http.ApiContract;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an operation of the contract needs, read from its extensions:
 * <ul>
 *   <li>{@code x-poseidon-role}: {@code public} or the least {@link Role} (required on every operation);
 *   <li>{@code x-poseidon-anonymous: false}: never for the anonymous role, whatever it is (secrets, keys);
 *   <li>{@code x-poseidon-service}: where the request names its service ({@code path.service},
 *       {@code query.service}, {@code body.service}) — a principal limited to services is checked against it;
 *   <li>{@code x-poseidon-environment}: where it names environments ({@code body.environments},
 *       {@code path.env}) — a prod environment ({@code http.auth.prod-environments}) then needs
 *       {@code x-poseidon-prod-role} (default operator);
 *   <li>{@code x-poseidon-rate-class}: the rate-limit bucket ({@code read} for GET, {@code write} otherwise).
 * </ul>
 *
 * @param role null for a public operation
 */
public record OperationPolicy(String operationId, Role role, boolean anonymousAllowed, Locus service,
    Locus environment, Role prodRole, String rateClass) {

  /** A place in the request: {@code path|query|body} and a name. */
  public record Locus(String in, String name) {
    static Locus parse(String operationId, String value) {
      if (value == null) {
        return null;
      }
      int dot = value.indexOf('.');
      String in = dot < 0 ? "" : value.substring(0, dot);
      if (!List.of("path", "query", "body").contains(in) || dot == value.length() - 1) {
        throw new IllegalStateException(operationId + ": a locus is path.<name>, query.<name> or body.<field>, not "
            + value);
      }
      return new Locus(in, value.substring(dot + 1));
    }
  }

  public boolean isPublic() {
    return role == null;
  }

  /** Every operation's policy; throws naming the operations that lack a valid {@code x-poseidon-role}. */
  public static Map<String, OperationPolicy> of(ApiContract contract) {
    Map<String, OperationPolicy> policies = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    contract.document().getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (!(op.getValue() instanceof JsonObject operation) || operation.getString("operationId") == null) {
        return;
      }
      String id = operation.getString("operationId");
      String declared = operation.getString("x-poseidon-role");
      Role role = null;
      if (declared == null) {
        problems.add(id + " has no x-poseidon-role");
        return;
      }
      if (!declared.equals("public")) {
        role = Role.parse(declared).orElse(null);
        if (role == null) {
          problems.add(id + ": x-poseidon-role " + declared + " is not public, viewer, developer, operator or admin");
          return;
        }
      }
      String prod = operation.getString("x-poseidon-prod-role", "operator");
      String method = op.getKey().toUpperCase(Locale.ROOT);
      policies.put(id, new OperationPolicy(id, role, operation.getBoolean("x-poseidon-anonymous", true),
          Locus.parse(id, operation.getString("x-poseidon-service")),
          Locus.parse(id, operation.getString("x-poseidon-environment")),
          Role.parse(prod).orElseThrow(() -> new IllegalStateException(id + ": x-poseidon-prod-role " + prod)),
          operation.getString("x-poseidon-rate-class", method.equals("GET") ? "read" : "write")));
    }));
    if (!problems.isEmpty()) {
      throw new IllegalStateException("the contract does not say who may call: " + String.join("; ", problems));
    }
    return policies;
  }
}
