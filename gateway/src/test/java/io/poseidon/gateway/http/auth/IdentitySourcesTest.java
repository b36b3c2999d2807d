package io.poseidon.gateway.http.auth;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class IdentitySourcesTest {

  private static PoseidonConfig config(Map<String, String> values) {
    return new PoseidonConfig(ConfigSource.of(values));
  }

  @Test
  void shouldRefuseANodeNobodyCouldCallWithAnIdentity() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> AccessControl.checkIdentitySources(config(Map.of())));
    assertTrue(e.getMessage().contains("no identity source") && e.getMessage().contains("http.auth.mode=none")
        && e.getMessage().contains("POSEIDON_HTTP_AUTH_MODE"), e.getMessage());
  }

  @Test
  void shouldStartWithAnAdminKeyFileAJwtKeyOrAccessControlOffOnPurpose() {
    assertDoesNotThrow(() -> AccessControl.checkIdentitySources(config(Map.of(
        PoseidonConfig.HTTP_AUTH_ADMIN_KEY_FILE, "/etc/poseidon/admin-key"))));
    assertDoesNotThrow(() -> AccessControl.checkIdentitySources(config(Map.of(
        PoseidonConfig.HTTP_AUTH_JWT_JWKS_FILE, "/etc/poseidon/jwks.json"))));
    assertDoesNotThrow(() -> AccessControl.checkIdentitySources(config(Map.of(PoseidonConfig.HTTP_AUTH_MODE, "none"))));
  }

  @Test
  void shouldNeverLetTheAnonymousRoleBeAdmin() {
    assertThrows(ConfigException.class, () -> config(Map.of(PoseidonConfig.HTTP_AUTH_ANONYMOUS_ROLE, "admin")));
  }
}
