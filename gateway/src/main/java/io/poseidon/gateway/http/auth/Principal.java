package io.poseidon.gateway.http.auth;

import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/**
 * Who is calling, as access control established it: an API key, a JWT subject or the anonymous caller
 * (with {@code http.auth.anonymous-role}). Routes read it with {@link #of(RoutingContext)}; its
 * {@link #actor()} is what events record as their actor and the audit as "who".
 *
 * @param id stable id: {@code key:<keyId>}, {@code jwt:<iss>/<sub>}, {@code anonymous}
 * @param name what people read: the key's name, the token's subject, {@code anonymous}
 * @param services the services the principal is limited to; empty: every service
 */
public record Principal(String id, String name, Kind kind, Role role, Set<String> services) {

  public enum Kind { API_KEY, JWT, ANONYMOUS }

  static final String CONTEXT_KEY = "poseidon.principal";

  public Principal {
    services = Set.copyOf(services);
  }

  /** The anonymous caller with {@code role}. */
  public static Principal anonymous(Role role) {
    return new Principal("anonymous", "anonymous", Kind.ANONYMOUS, role, Set.of());
  }

  /** The principal of a request access control let through; anonymous viewer for a public route. */
  public static Principal of(RoutingContext ctx) {
    Principal p = ctx.get(CONTEXT_KEY);
    return p == null ? anonymous(Role.VIEWER) : p;
  }

  /** What events and the audit name as the actor: {@code ci-bot (key:3f9a...)} or {@code anonymous}. */
  public String actor() {
    return kind == Kind.ANONYMOUS ? "anonymous" : name + " (" + id + ")";
  }

  /** Whether the principal may touch {@code service}. */
  public boolean mayAccess(String service) {
    return services.isEmpty() || services.contains(service);
  }
}
