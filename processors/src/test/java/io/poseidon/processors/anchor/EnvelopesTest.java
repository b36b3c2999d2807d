package io.poseidon.processors.anchor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import io.poseidon.topology.config.ConfigSource;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Envelope encryption: round trip, wrong key id, tampered bytes, moved envelopes, re-wrap; the key file. */
class EnvelopesTest {

  private static final byte[] K1 = random();
  private static final byte[] K2 = random();
  private static final MasterKeys KEYS = MasterKeys.of(Map.of("k1", K1, "k2", K2), "k1");
  private static final String WHERE = Envelopes.coordinates("payments", "prod", "db-password");
  private static final byte[] SECRET = "s3cr3t-hunter2".getBytes(StandardCharsets.UTF_8);

  private static byte[] random() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return b;
  }

  @Test
  void shouldOpenWhatItSealedWithAFreshDataKeyEachTime() {
    Envelopes.Sealed a = Envelopes.seal(KEYS, "k1", WHERE, SECRET);
    Envelopes.Sealed b = Envelopes.seal(KEYS, "k1", WHERE, SECRET);

    assertArrayEquals(SECRET, Envelopes.open(KEYS, "k1", a.wrappedKey(), a.ciphertext(), WHERE));
    assertFalse(java.util.Arrays.equals(a.wrappedKey(), b.wrappedKey()), "a fresh data key per version");
    assertFalse(java.util.Arrays.equals(a.ciphertext(), b.ciphertext()));
    assertEquals(60, a.wrappedKey().length, "IV, 32-byte data key, tag");
    assertEquals(SECRET.length + 28, a.ciphertext().length);
    assertFalse(a.toString().contains("hunter2"));
  }

  @Test
  void shouldRefuseTheWrongKeyIdATamperedCiphertextAndAnEnvelopeMovedToAnotherSecret() {
    Envelopes.Sealed sealed = Envelopes.seal(KEYS, "k1", WHERE, SECRET);

    Envelopes.CryptoException wrongKey = assertThrows(Envelopes.CryptoException.class,
        () -> Envelopes.open(KEYS, "k2", sealed.wrappedKey(), sealed.ciphertext(), WHERE));
    assertTrue(wrongKey.getMessage().contains("wrong key or tampered"), wrongKey.getMessage());
    assertThrows(Envelopes.CryptoException.class,
        () -> Envelopes.open(KEYS, "k9", sealed.wrappedKey(), sealed.ciphertext(), WHERE), "unknown key id");

    byte[] tampered = sealed.ciphertext().clone();
    tampered[tampered.length - 1] ^= 1;
    assertThrows(Envelopes.CryptoException.class, () -> Envelopes.open(KEYS, "k1", sealed.wrappedKey(), tampered, WHERE));
    byte[] tamperedKey = sealed.wrappedKey().clone();
    tamperedKey[20] ^= 1;
    assertThrows(Envelopes.CryptoException.class, () -> Envelopes.open(KEYS, "k1", tamperedKey, sealed.ciphertext(), WHERE));
    assertThrows(Envelopes.CryptoException.class, () -> Envelopes.open(KEYS, "k1", sealed.wrappedKey(),
        sealed.ciphertext(), Envelopes.coordinates("payments", "dev", "db-password")), "bound to its coordinates");
  }

  @Test
  void shouldReWrapTheDataKeySoTheNewKeyIdOpensTheSameCiphertext() {
    Envelopes.Sealed sealed = Envelopes.seal(KEYS, "k1", WHERE, SECRET);

    byte[] rewrapped = Envelopes.rewrap(KEYS, "k1", sealed.wrappedKey(), "k2", WHERE);

    assertArrayEquals(SECRET, Envelopes.open(KEYS, "k2", rewrapped, sealed.ciphertext(), WHERE));
    assertThrows(Envelopes.CryptoException.class, () -> Envelopes.open(KEYS, "k1", rewrapped, sealed.ciphertext(), WHERE),
        "the re-wrapped key is bound to its new key id");
    assertThrows(Envelopes.CryptoException.class, () -> Envelopes.rewrap(KEYS, "k2", sealed.wrappedKey(), "k1", WHERE));
  }

  @Test
  void shouldLoadTheKeyFileAndNameTheSettingWhenItIsMissingOrMalformed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("master-keys");
    ConfigException missing = assertThrows(ConfigException.class, () -> MasterKeys.load(config(file, false)));
    assertTrue(missing.getMessage().contains(AnchorConfig.MASTER_KEYS_FILE), missing.getMessage());
    ConfigException unset = assertThrows(ConfigException.class, () -> MasterKeys.load(AnchorConfig.defaults()));
    assertTrue(unset.getMessage().contains(AnchorConfig.MASTER_KEYS_FILE), unset.getMessage());

    String k1 = Base64.getEncoder().encodeToString(K1);
    Files.writeString(file, "# keys\nk1=" + k1 + "\nk2=" + Base64.getEncoder().encodeToString(K2) + "\n");
    MasterKeys loaded = MasterKeys.load(config(file, false));
    assertEquals(java.util.Set.of("k1", "k2"), loaded.keyIds());
    assertEquals("MasterKeys[k1, k2]", loaded.toString());

    Files.writeString(file, "k1=" + Base64.getEncoder().encodeToString(new byte[16]) + "\n");
    ConfigException shortKey = assertThrows(ConfigException.class, () -> MasterKeys.load(config(file, false)));
    assertTrue(shortKey.getMessage().contains("line 1"), shortKey.getMessage());
    Files.writeString(file, "k2=" + k1 + "\n");
    ConfigException noDefault = assertThrows(ConfigException.class, () -> MasterKeys.load(config(file, false)));
    assertTrue(noDefault.getMessage().contains(AnchorConfig.MASTER_KEY_ID), noDefault.getMessage());
    assertFalse(noDefault.getMessage().contains(k1), "never the key material");
  }

  @Test
  void shouldGenerateADevKeyFileWithOneKeyReadableByItsOwnerOnly(@TempDir Path dir) throws Exception {
    Path file = dir.resolve(".poseidon").resolve("master-keys");

    MasterKeys generated = MasterKeys.load(config(file, true));

    assertEquals(java.util.Set.of("k1"), generated.keyIds());
    assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    String before = Files.readString(file);
    MasterKeys.load(config(file, true));
    assertEquals(before, Files.readString(file), "an existing file is kept");
  }

  private static AnchorConfig config(Path file, boolean generate) {
    return new AnchorConfig(ConfigSource.of(Map.of(AnchorConfig.MASTER_KEYS_FILE, file.toString(),
        AnchorConfig.MASTER_KEYS_GENERATE, Boolean.toString(generate))));
  }
}
