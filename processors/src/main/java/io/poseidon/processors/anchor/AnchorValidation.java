package io.poseidon.processors.anchor;

import io.poseidon.schemas.anchor.Origin;
import io.poseidon.schemas.anchor.PutConfig;
import io.poseidon.schemas.anchor.PutSecret;
import io.poseidon.schemas.anchor.RollbackConfig;
import io.poseidon.topology.validation.Ids;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules anchor's commands follow beyond their Avro schemas: one rule set for the gateway (400 before
 * anything is produced) and the topology (a dead letter for a record produced by anyone else). No message
 * repeats a value it checks: a secret's value, or a config value, never ends up in an error body or a
 * dead letter's reason.
 */
public final class AnchorValidation {

  /** Config keys: 1-256 of A-Z a-z 0-9 . _ - (db.pool.size, FEATURE_X). */
  public static final Pattern CONFIG_KEY = Pattern.compile("[A-Za-z0-9._-]{1,256}");
  public static final String CONFIG_KEY_RULE = "keys must be 1-256 characters of A-Z a-z 0-9 . _ -";
  public static final int MAX_COMMENT_CHARS = 512;
  /** A wrapped data key: 12-byte IV, 32-byte key, 16-byte tag. */
  static final int WRAPPED_KEY_BYTES = 60;
  /** IV and tag around a value's ciphertext. */
  static final int ENVELOPE_OVERHEAD = 28;

  private AnchorValidation() {}

  /** Field name to problem for the coordinates of a config or a secret. */
  public static Map<String, String> checkCoordinates(String service, String env) {
    Map<String, String> problems = new LinkedHashMap<>();
    Ids.checkService("service", service, problems);
    if (!Ids.isName(env)) {
      problems.put("env", Ids.ENVIRONMENT_RULE);
    }
    return problems;
  }

  /** The configuration values of a put, as the gateway takes them. */
  public static Map<String, String> checkValues(Map<String, String> values, int maxKeys, int maxValueChars) {
    Map<String, String> problems = new LinkedHashMap<>();
    if (values.size() > maxKeys) {
      problems.put("values", "must have at most " + maxKeys + " keys (" + AnchorConfig.CONFIG_MAX_KEYS + "), got "
          + values.size());
      return problems;
    }
    values.forEach((k, v) -> {
      if (!CONFIG_KEY.matcher(k).matches()) {
        problems.put("values", CONFIG_KEY_RULE);
      } else if (v == null || v.length() > maxValueChars) {
        problems.put("values." + k, "must be a string of at most " + maxValueChars + " characters ("
            + AnchorConfig.CONFIG_MAX_VALUE_CHARS + ")");
      }
    });
    return problems;
  }

  public static void checkComment(String comment, Map<String, String> problems) {
    if (comment != null) {
      Ids.checkText("comment", comment, MAX_COMMENT_CHARS, problems);
    }
  }

  /** A secret's plaintext as the gateway takes it: 1 to max UTF-8 bytes. The message never repeats it. */
  public static Map<String, String> checkSecretValue(String value, int maxBytes) {
    Map<String, String> problems = new LinkedHashMap<>();
    if (value == null || value.isEmpty() || value.length() > maxBytes
        || value.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      problems.put("value", "must be a string of 1-" + maxBytes + " bytes (UTF-8; " + AnchorConfig.SECRET_MAX_BYTES + ")");
    }
    return problems;
  }

  public static Map<String, String> check(PutConfig put, AnchorConfig config) {
    Map<String, String> problems = checkCoordinates(put.getService(), put.getEnv());
    Ids.checkId("commandId", put.getCommandId(), problems);
    problems.putAll(checkValues(put.getValues(), config.configMaxKeys(), config.configMaxValueChars()));
    checkComment(put.getComment(), problems);
    checkExpected(put.getExpectedVersion(), problems);
    checkOrigin(put.getOrigin(), problems);
    return problems;
  }

  public static Map<String, String> check(RollbackConfig rollback) {
    Map<String, String> problems = checkCoordinates(rollback.getService(), rollback.getEnv());
    Ids.checkId("commandId", rollback.getCommandId(), problems);
    if (rollback.getToVersion() < 1) {
      problems.put("version", "must be a version: 1 or more");
    }
    checkComment(rollback.getComment(), problems);
    checkExpected(rollback.getExpectedVersion(), problems);
    checkOrigin(rollback.getOrigin(), problems);
    return problems;
  }

  public static Map<String, String> check(PutSecret put, AnchorConfig config) {
    Map<String, String> problems = checkCoordinates(put.getService(), put.getEnv());
    Ids.checkId("commandId", put.getCommandId(), problems);
    Ids.checkId("name", put.getName(), problems);
    Ids.checkId("keyId", put.getKeyId(), problems);
    if (put.getWrappedKey().remaining() != WRAPPED_KEY_BYTES) {
      problems.put("wrappedKey", "must be a wrapped 256-bit data key (" + WRAPPED_KEY_BYTES + " bytes)");
    }
    int sealed = put.getCiphertext().remaining();
    if (sealed <= ENVELOPE_OVERHEAD || sealed > config.secretMaxBytes() + ENVELOPE_OVERHEAD) {
      problems.put("ciphertext", "must be an AES-GCM ciphertext of a 1-" + config.secretMaxBytes() + " byte value");
    }
    checkOrigin(put.getOrigin(), problems);
    return problems;
  }

  private static void checkExpected(Integer expected, Map<String, String> problems) {
    if (expected != null && expected < 0) {
      problems.put("If-Match", "must be a version: 0 (none yet) or more");
    }
  }

  private static void checkOrigin(Origin origin, Map<String, String> problems) {
    Ids.checkText("origin.requestId", origin.getRequestId(), 128, problems);
    Ids.checkText("origin.node", origin.getNode(), 128, problems);
  }
}
