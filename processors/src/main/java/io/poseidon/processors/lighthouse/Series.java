package io.poseidon.processors.lighthouse;

import java.util.Map;
import java.util.TreeMap;

/**
 * Keys of lighthouse's stores. A series is service + metric name + labels; its key is
 * {@code <service>\0<metric>\0<k=v>\1<k=v>...} with labels in name order, so every series of a service
 * (or of one metric of it) is one prefix scan away, and the same labels always give the same key.
 */
public final class Series {

  static final char SEP = '\0';
  static final char LABEL_SEP = '\1';
  /** The label that names a series' environment (from the batch's attributes when a point lacks it). */
  public static final String ENVIRONMENT = "environment";
  /** The environment of data that names none. */
  public static final String DEFAULT_ENVIRONMENT = "default";

  private Series() {}

  public static String key(String service, String metric, Map<String, String> labels) {
    StringBuilder b = new StringBuilder(service.length() + metric.length() + 16 * labels.size() + 2);
    b.append(service).append(SEP).append(metric).append(SEP);
    appendLabels(b, labels);
    return b.toString();
  }

  private static void appendLabels(StringBuilder b, Map<String, String> labels) {
    if (labels.isEmpty()) {
      return;
    }
    Map<String, String> sorted = labels instanceof TreeMap<String, String> t ? t : new TreeMap<>(labels);
    boolean first = true;
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      if (!first) {
        b.append(LABEL_SEP);
      }
      first = false;
      b.append(e.getKey()).append('=').append(e.getValue());
    }
  }

  /** Prefix of every series of one metric of a service. */
  public static String prefix(String service, String metric) {
    return service + SEP + metric + SEP;
  }

  /** Prefix of every series of a service. */
  public static String prefix(String service) {
    return service + SEP;
  }

  /** The key of something lighthouse keeps per service and environment (health judgements). */
  public static String serviceEnvironment(String service, String environment) {
    return service + SEP + environment;
  }

  /** The environment a series' labels name, or {@link #DEFAULT_ENVIRONMENT}. */
  public static String environmentOf(Map<String, String> labels) {
    String env = labels.get(ENVIRONMENT);
    return env == null || env.isBlank() ? DEFAULT_ENVIRONMENT : env;
  }

  /** true when {@code labels} has every label of {@code wanted}, with the same value. */
  public static boolean matches(Map<String, String> labels, Map<String, String> wanted) {
    for (Map.Entry<String, String> e : wanted.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
