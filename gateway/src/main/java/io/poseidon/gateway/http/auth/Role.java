package io.poseidon.gateway.http.auth;

import java.util.Locale;
import java.util.Optional;

/**
 * What a principal may do. Each role includes the ones before it: a viewer reads; a developer also
 * registers, commits, runs pipelines, deploys to non-prod environments, ingests and writes documents;
 * an operator also deploys to prod, cancels, and changes rules and policies; an admin also manages API
 * keys and secrets. Every operation of the contract names the least role it needs
 * ({@code x-poseidon-role}); {@code public} operations (health, readiness, metrics, the contract) need none.
 */
public enum Role {
  VIEWER, DEVELOPER, OPERATOR, ADMIN;

  /** Whether this role may do what {@code needed} may. */
  public boolean covers(Role needed) {
    return ordinal() >= needed.ordinal();
  }

  /** The lower-case name the contract and the configuration use. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role named {@code name} (any case), if it is one. */
  public static Optional<Role> parse(String name) {
    if (name == null) {
      return Optional.empty();
    }
    for (Role role : values()) {
      if (role.id().equalsIgnoreCase(name.trim())) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
