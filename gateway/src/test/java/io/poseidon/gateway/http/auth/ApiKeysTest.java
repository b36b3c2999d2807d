package io.poseidon.gateway.http.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.poseidon.schemas.access.ApiKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

  @Test
  void shouldStoreOnlyTheHashAndAuthenticateTheKeyUntilItIsRevoked() throws Exception {
    ApiKeys keys = new ApiKeys();
    ApiKeys.Created created = ApiKeys.create("ci-bot", Role.VIEWER, List.of("payments"), "admin", Instant.EPOCH);
    ApiKey record = created.record();
    String serialized = new String(io.poseidon.topology.serde.SerdeFactory.forTopologyTests()
        .valueSerializer(ApiKey.class).serialize("t", record), StandardCharsets.ISO_8859_1);
    String secret = created.key().substring(created.key().lastIndexOf('_') + 1);
    assertFalse(serialized.contains(secret), "the stored record does not hold the key");
    assertEquals(ApiKeys.hash(created.key()), record.getHash());

    keys.apply(created.keyId(), record);
    Principal principal = keys.authenticate(created.key()).orElseThrow();
    assertEquals(Role.VIEWER, principal.role());
    assertEquals(Set.of("payments"), principal.services());
    assertEquals("ci-bot (key:" + created.keyId() + ")", principal.actor());

    String tampered = created.key().substring(0, created.key().length() - 1)
        + (created.key().endsWith("A") ? "B" : "A");
    assertTrue(keys.authenticate(tampered).isEmpty(), "same key id, other secret");
    assertTrue(keys.authenticate("psk_nothex_x").isEmpty());
    assertTrue(keys.authenticate(null).isEmpty());

    keys.apply(created.keyId(), ApiKey.newBuilder(record).setRevokedAt(Instant.EPOCH).setRevokedBy("admin").build());
    assertTrue(keys.authenticate(created.key()).isEmpty(), "revoked");
  }

  @Test
  void shouldMakeUnguessableKeysOfOneFormat() {
    ApiKeys.Created a = ApiKeys.create("a", Role.ADMIN, List.of(), "t", Instant.EPOCH);
    ApiKeys.Created b = ApiKeys.create("a", Role.ADMIN, List.of(), "t", Instant.EPOCH);
    assertNotEquals(a.key(), b.key());
    assertEquals(a.keyId(), ApiKeys.keyIdOf(a.key()).orElseThrow());
    assertTrue(a.key().matches("psk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}"), a.key());
  }
}
