package io.poseidon.topology.validation;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The platform's rules for names and ids, written once: the gateway checks them before anything is
 * produced (400 with field details), the topologies check them again for records produced by anyone
 * else (dead letter with the reason).
 */
public final class Ids {

  /**
   * Ids of entities and instances (deployments, runs, workflows, instances): 1-128 of A-Z a-z 0-9 . _ : -.
   * Never a '|' (timer ids are built from them) nor a '/' (store keys are).
   */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  public static final String ID_RULE = "must be 1-128 characters of A-Z a-z 0-9 . _ : -";

  /**
   * Names of services and environments: lower-case kebab-case, 1-63 characters (a DNS label), so
   * they fit in topic keys, store keys and Kubernetes names.
   */
  public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  public static final String SERVICE_RULE = "must be lower-case kebab-case, 1-63 characters (e.g. checkout-api)";
  public static final String ENVIRONMENT_RULE = "must be lower-case kebab-case, 1-63 characters (dev, eu-prod-2)";

  /** A commit hash, abbreviated (7) to full SHA-1 (40). */
  public static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{7,40}");
  public static final String COMMIT_RULE = "must be a commit hash: 7-40 hexadecimal characters";

  private Ids() {}

  public static boolean isId(String value) {
    return value != null && ID.matcher(value).matches();
  }

  public static boolean isName(String value) {
    return value != null && NAME.matcher(value).matches();
  }

  /** Adds {@code field}'s problem when {@code value} is not an id. */
  public static void checkId(String field, String value, Map<String, String> problems) {
    if (!isId(value)) {
      problems.put(field, ID_RULE);
    }
  }

  /** Adds {@code field}'s problem when {@code value} is not a service name. */
  public static void checkService(String field, String value, Map<String, String> problems) {
    if (!isName(value)) {
      problems.put(field, SERVICE_RULE);
    }
  }

  /**
   * Adds {@code field}'s problem when {@code value} is blank, longer than {@code max} or holds control
   * characters (text that ends up in logs, headers and dashboards).
   */
  public static void checkText(String field, String value, int max, Map<String, String> problems) {
    if (value == null || value.isBlank() || value.length() > max) {
      problems.put(field, "must not be empty (at most " + max + " characters)");
    } else if (hasControlCharacters(value)) {
      problems.put(field, "must not contain control characters");
    }
  }

  public static boolean hasControlCharacters(String value) {
    return value.chars().anyMatch(c -> c < 0x20 || c == 0x7F);
  }

  /** The problems as one line, for a dead letter's reason: {@code field problem; field problem}. */
  public static String describe(Map<String, String> problems) {
    StringBuilder out = new StringBuilder();
    problems.forEach((field, problem) -> out.append(out.isEmpty() ? "" : "; ").append(field).append(' ').append(problem));
    return out.toString();
  }
}
