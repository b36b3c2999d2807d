package io.poseidon.processors.anchor;

import io.poseidon.topology.validation.Ids;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.common.config.ConfigException;

/**
 * The master keys of a node, read from {@code anchor.master-keys.file} (lines {@code keyId=base64(32 bytes)}):
 * they wrap and unwrap data keys and are never written anywhere else. Nothing here prints key material:
 * errors name the file, the line number and the config key; {@link #toString()} names the key ids only.
 */
public final class MasterKeys {

  public static final int KEY_BYTES = 32;

  private final Map<String, SecretKey> keys;
  private final String defaultKeyId;

  MasterKeys(Map<String, SecretKey> keys, String defaultKeyId) {
    this.keys = Map.copyOf(keys);
    this.defaultKeyId = defaultKeyId;
    if (!this.keys.containsKey(defaultKeyId)) {
      throw new ConfigException(AnchorConfig.MASTER_KEY_ID, defaultKeyId, "no master key '" + defaultKeyId
          + "' in " + AnchorConfig.MASTER_KEYS_FILE + " (it has " + keyIds() + ")");
    }
  }

  /** Keys given in memory (tests): key id → 32 bytes. */
  public static MasterKeys of(Map<String, byte[]> raw, String defaultKeyId) {
    Map<String, SecretKey> keys = new LinkedHashMap<>();
    raw.forEach((id, bytes) -> keys.put(id, new SecretKeySpec(bytes.clone(), "AES")));
    return new MasterKeys(keys, defaultKeyId);
  }

  /**
   * The keys of {@code anchor.master-keys.file}; with {@code anchor.master-keys.generate} a missing file is
   * first created with one random key named {@code anchor.master-key.id}. A ConfigException naming the setting
   * when the file is not set, missing, unreadable or malformed, or lacks the default key.
   */
  public static MasterKeys load(AnchorConfig config) {
    Path file = config.masterKeysFile();
    if (file == null) {
      throw new ConfigException(AnchorConfig.MASTER_KEYS_FILE, "", "anchor needs a master key file: set "
          + AnchorConfig.MASTER_KEYS_FILE + " (POSEIDON_ANCHOR_MASTER_KEYS_FILE) to a file of lines keyId=base64(32 bytes)");
    }
    if (!Files.exists(file) && config.generateMasterKeys()) {
      generate(file, config.masterKeyId());
    }
    if (!Files.isReadable(file)) {
      throw new ConfigException(AnchorConfig.MASTER_KEYS_FILE, file.toString(), "no readable master key file at "
          + file.toAbsolutePath() + ": anchor does not start without its master keys (create it with lines "
          + "keyId=base64(32 random bytes), mode 600)");
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(AnchorConfig.MASTER_KEYS_FILE, file.toString(), "cannot read the master key file: "
          + e.getClass().getSimpleName());
    }
    return new MasterKeys(parse(file, lines), config.masterKeyId());
  }

  /**
   * The keys of {@code config}, loaded on first use and then kept (a failed load is tried again on the next
   * use): what the topology and the routes of a node share the load of.
   */
  public static java.util.function.Supplier<MasterKeys> lazily(AnchorConfig config) {
    return new java.util.function.Supplier<>() {
      private volatile MasterKeys keys;

      @Override
      public MasterKeys get() {
        MasterKeys k = keys;
        if (k == null) {
          synchronized (this) {
            if (keys == null) {
              keys = load(config);
            }
            k = keys;
          }
        }
        return k;
      }
    };
  }

  static Map<String, SecretKey> parse(Path file, List<String> lines) {
    Map<String, SecretKey> keys = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      String where = file + " line " + (i + 1);
      if (eq <= 0) {
        throw new ConfigException(AnchorConfig.MASTER_KEYS_FILE, file.toString(), where + " is not keyId=base64(32 bytes)");
      }
      String id = line.substring(0, eq).trim();
      if (!Ids.isId(id)) {
        throw new ConfigException(AnchorConfig.MASTER_KEYS_FILE, file.toString(), where + ": the key id " + Ids.ID_RULE);
      }
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(line.substring(eq + 1).trim());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(AnchorConfig.MASTER_KEYS_FILE, file.toString(), where + " (key " + id
            + "): the key is not base64");
      }
      if (bytes.length != KEY_BYTES) {
        throw new ConfigException(AnchorConfig.MASTER_KEYS_FILE, file.toString(), where + " (key " + id + "): a key is "
            + KEY_BYTES + " bytes, this one " + bytes.length);
      }
      if (keys.put(id, new SecretKeySpec(bytes, "AES")) != null) {
        throw new ConfigException(AnchorConfig.MASTER_KEYS_FILE, file.toString(), where + ": key id " + id + " twice");
      }
    }
    return keys;
  }

  /** Creates {@code file} (mode 600 where the file system has POSIX modes) with one random key; keeps an existing one. */
  public static void generate(Path file, String keyId) {
    byte[] key = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(key);
    String text = "# anchor master keys (development): keyId=base64(32 bytes). Never commit this file.\n"
        + keyId + "=" + Base64.getEncoder().encodeToString(key) + "\n";
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".master-keys", ".tmp");
      try {
        try {
          Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          // not a POSIX file system: the directory's protection applies
        }
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
          // another process made it first: keep theirs
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new ConfigException(AnchorConfig.MASTER_KEYS_FILE, file.toString(), "cannot create the master key file: "
          + e.getClass().getSimpleName() + " " + e.getMessage());
    } finally {
      java.util.Arrays.fill(key, (byte) 0);
    }
  }

  public boolean has(String keyId) {
    return keys.containsKey(keyId);
  }

  /** The key that wraps new data keys before any rotation ({@code anchor.master-key.id}). */
  public String defaultKeyId() {
    return defaultKeyId;
  }

  public Set<String> keyIds() {
    return new java.util.TreeSet<>(keys.keySet());
  }

  SecretKey key(String keyId) {
    SecretKey key = keys.get(keyId);
    if (key == null) {
      throw new Envelopes.CryptoException("no master key '" + keyId + "' on this node");
    }
    return key;
  }

  @Override
  public String toString() {
    return "MasterKeys" + keyIds();
  }
}
