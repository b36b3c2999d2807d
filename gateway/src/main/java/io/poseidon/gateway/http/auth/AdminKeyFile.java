package io.poseidon.gateway.http.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bootstrap admin key ({@code http.auth.admin-key-file}): a file holding one {@code psk_...} key
 * that the node makes valid at start-up when {@value ApiKeyDirectory#TOPIC} does not know its key id
 * yet (a key revoked on purpose stays revoked). {@code ./poseidon dev} creates it, mode 600, on its
 * first start.
 */
public final class AdminKeyFile {

  private static final Logger log = LoggerFactory.getLogger(AdminKeyFile.class);
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private AdminKeyFile() {}

  /** The key in {@code file}; a clear error when it is missing or not a key. */
  public static String read(Path file) {
    String key;
    try {
      key = Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the admin key file " + file + " (http.auth.admin-key-file): "
          + e.getMessage(), e);
    }
    if (ApiKeys.keyIdOf(key).isEmpty()) {
      throw new IllegalArgumentException(file + " (http.auth.admin-key-file) does not hold an API key (psk_...)");
    }
    try {
      if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
        log.warn("{} holds an admin key but others may read it: chmod 600 {}", file, file);
      }
    } catch (UnsupportedOperationException | IOException e) {
      // not a POSIX file system
    }
    return key;
  }

  /** The key in {@code file}, or a new admin key written there (mode 600) when there is no file. */
  public static String readOrCreate(Path file) {
    if (Files.exists(file)) {
      return read(file);
    }
    String key = ApiKeys.create("admin", Role.ADMIN, List.of(), "poseidon", Instant.EPOCH).key();
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (UnsupportedOperationException e) {
        Files.createFile(file);
      }
      Files.writeString(file, key + "\n", StandardCharsets.US_ASCII);
    } catch (FileAlreadyExistsException e) {
      return read(file);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the admin key file " + file + ": " + e.getMessage(), e);
    }
    return key;
  }

  /** The record that makes {@code key} valid, unless the directory already knows its key id. */
  public static Optional<io.poseidon.schemas.access.ApiKey> registration(String key, ApiKeys keys, String nodeId,
      Instant now) {
    String keyId = ApiKeys.keyIdOf(key).orElseThrow();
    Optional<io.poseidon.schemas.access.ApiKey> known = keys.get(keyId);
    if (known.isPresent()) {
      if (known.get().getRevokedAt() != null) {
        log.warn("The admin key in http.auth.admin-key-file ({}) was revoked; it stays revoked", keyId);
      }
      return Optional.empty();
    }
    return Optional.of(ApiKeys.record(keyId, key, "admin", Role.ADMIN, List.of(), "node " + nodeId, now));
  }
}
