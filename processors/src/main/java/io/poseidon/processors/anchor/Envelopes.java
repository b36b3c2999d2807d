package io.poseidon.processors.anchor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Envelope encryption of secrets, AES-256-GCM (javax.crypto): each secret version gets a fresh random
 * 256-bit data key; the value is encrypted with it, and the data key is wrapped by a master key named by
 * its key id. Both ciphertexts are {@code IV (12 bytes) || ciphertext || tag (16 bytes)}. The additional
 * authenticated data binds the value to its service, environment and name, and the wrapped key to its key id
 * as well, so an envelope moved to another secret or relabelled with another key id does not open.
 * Unwrapped data keys live only in local variables and are zeroed after use.
 */
public final class Envelopes {

  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Envelopes() {}

  /** A sealed value: the wrapping key id, the wrapped data key, the encrypted value. */
  public record Sealed(String keyId, byte[] wrappedKey, byte[] ciphertext) {
    @Override
    public String toString() {
      return "Sealed[keyId=" + keyId + ", " + ciphertext.length + " bytes]";
    }
  }

  /** Decryption or encryption failed (wrong key, tampered bytes); the message never holds key or value material. */
  public static final class CryptoException extends RuntimeException {
    CryptoException(String message) {
      super(message, null, false, false);
    }
  }

  /** What a secret's envelope is bound to. */
  public static String coordinates(String service, String env, String name) {
    return service + "/" + env + "/" + name;
  }

  public static Sealed seal(MasterKeys keys, String keyId, String coordinates, byte[] plaintext) {
    byte[] dataKey = new byte[32];
    RANDOM.nextBytes(dataKey);
    try {
      byte[] ciphertext = encrypt(new SecretKeySpec(dataKey, "AES"), valueAad(coordinates), plaintext);
      byte[] wrapped = encrypt(keys.key(keyId), keyAad(keyId, coordinates), dataKey);
      return new Sealed(keyId, wrapped, ciphertext);
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  public static byte[] open(MasterKeys keys, String keyId, byte[] wrappedKey, byte[] ciphertext, String coordinates) {
    byte[] dataKey = decrypt(keys.key(keyId), keyAad(keyId, coordinates), wrappedKey, "the data key (master key "
        + keyId + ")");
    try {
      return decrypt(new SecretKeySpec(dataKey, "AES"), valueAad(coordinates), ciphertext, "the value");
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  /** The data key wrapped by {@code toKeyId} instead of {@code fromKeyId}; the value's ciphertext is unchanged. */
  public static byte[] rewrap(MasterKeys keys, String fromKeyId, byte[] wrappedKey, String toKeyId, String coordinates) {
    byte[] dataKey = decrypt(keys.key(fromKeyId), keyAad(fromKeyId, coordinates), wrappedKey, "the data key (master key "
        + fromKeyId + ")");
    try {
      return encrypt(keys.key(toKeyId), keyAad(toKeyId, coordinates), dataKey);
    } finally {
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  private static byte[] valueAad(String coordinates) {
    return ("poseidon.anchor.value|" + coordinates).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] keyAad(String keyId, String coordinates) {
    return ("poseidon.anchor.data-key|" + keyId + "|" + coordinates).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] encrypt(SecretKey key, byte[] aad, byte[] plaintext) {
    byte[] iv = new byte[IV_BYTES];
    RANDOM.nextBytes(iv);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
      cipher.updateAAD(aad);
      byte[] sealed = cipher.doFinal(plaintext);
      return ByteBuffer.allocate(IV_BYTES + sealed.length).put(iv).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot encrypt: " + e.getClass().getSimpleName());
    }
  }

  private static byte[] decrypt(SecretKey key, byte[] aad, byte[] sealed, String what) {
    if (sealed == null || sealed.length < IV_BYTES + TAG_BITS / 8) {
      throw new CryptoException("cannot decrypt " + what + ": too short");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, IV_BYTES));
      cipher.updateAAD(aad);
      return cipher.doFinal(sealed, IV_BYTES, sealed.length - IV_BYTES);
    } catch (GeneralSecurityException e) {
      throw new CryptoException("cannot decrypt " + what + ": wrong key or tampered ciphertext ("
          + e.getClass().getSimpleName() + ")");
    }
  }
}
