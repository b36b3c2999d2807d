package io.poseidon.gateway.http.auth;

import io.poseidon.schemas.access.AccessRole;
import io.poseidon.schemas.access.ApiKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The API keys this node knows, by key id, as read from {@code poseidon.api-keys} (a compacted topic
 * every node reads from the start, {@link ApiKeyDirectory}): a revocation written by any node takes
 * effect here as soon as it is read. A key is {@code psk_<keyId>_<secret>} — the key id says which
 * entry to check, the secret (32 random bytes) makes it unguessable — and only its SHA-256 is kept:
 * a fast hash is enough for a random 256-bit secret (there is nothing to brute-force), and it keeps a
 * check at ~1 µs on the request path.
 */
public final class ApiKeys {

  public static final String PREFIX = "psk_";
  private static final Pattern FORMAT = Pattern.compile("psk_([0-9a-f]{16})_[A-Za-z0-9_-]{43}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Map<String, ApiKey> byId = new ConcurrentHashMap<>();

  /** A new key: what to show once ({@code key}) and what to store ({@code record}). */
  public record Created(String keyId, String key, ApiKey record) {}

  /** A fresh key for {@code name} with {@code role}, limited to {@code services} (empty: all). */
  public static Created create(String name, Role role, List<String> services, String createdBy, Instant now) {
    byte[] id = new byte[8];
    byte[] secret = new byte[32];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(secret);
    String keyId = HexFormat.of().formatHex(id);
    String key = PREFIX + keyId + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    return new Created(keyId, key, record(keyId, key, name, role, services, createdBy, now));
  }

  /** The stored form of {@code key} (which must be well-formed). */
  public static ApiKey record(String keyId, String key, String name, Role role, List<String> services,
      String createdBy, Instant now) {
    return ApiKey.newBuilder().setKeyId(keyId).setName(name).setRole(AccessRole.valueOf(role.name()))
        .setServices(new ArrayList<>(services)).setHash(hash(key)).setCreatedAt(now).setCreatedBy(createdBy).build();
  }

  /** The key id of a well-formed key. */
  public static Optional<String> keyIdOf(String key) {
    if (key == null) {
      return Optional.empty();
    }
    var m = FORMAT.matcher(key);
    return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
  }

  /** Lower-case hex SHA-256. */
  public static String hash(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Applies a record of the topic (a tombstone removes). */
  public void apply(String keyId, ApiKey record) {
    if (record == null) {
      byId.remove(keyId);
    } else {
      byId.put(keyId, record);
    }
  }

  /** The principal of {@code key}: known, not revoked, hash equal (compared in constant time). */
  public Optional<Principal> authenticate(String key) {
    Optional<String> keyId = keyIdOf(key);
    if (keyId.isEmpty()) {
      return Optional.empty();
    }
    ApiKey entry = byId.get(keyId.get());
    if (entry == null || entry.getRevokedAt() != null || !MessageDigest.isEqual(
        entry.getHash().getBytes(StandardCharsets.US_ASCII), hash(key).getBytes(StandardCharsets.US_ASCII))) {
      return Optional.empty();
    }
    return Optional.of(new Principal("key:" + entry.getKeyId(), entry.getName(), Principal.Kind.API_KEY,
        Role.valueOf(entry.getRole().name()), new java.util.HashSet<>(entry.getServices())));
  }

  public Optional<ApiKey> get(String keyId) {
    return Optional.ofNullable(byId.get(keyId));
  }

  /** Every key, revoked ones included, by key id. */
  public List<ApiKey> all() {
    return byId.values().stream().sorted(java.util.Comparator.comparing(ApiKey::getKeyId)).toList();
  }
}
