package io.poseidon.processors.anchor;

/** The store keys of anchor, written once for the topology and the queries. */
public final class AnchorStores {

  private AnchorStores() {}

  /** {@code <service>/<env>/<version, 10 digits>}: versions of one configuration sort in order. */
  public static String historyKey(String service, String env, int version) {
    return AnchorTopics.key(service, env) + "/" + String.format("%010d", version);
  }

  /** {@code <service>/<env>/<name>/<version, 10 digits>}. */
  public static String secretKey(String service, String env, String name, int version) {
    return secretPrefix(service, env, name) + String.format("%010d", version);
  }

  /** Every version of one secret. */
  public static String secretPrefix(String service, String env, String name) {
    return AnchorTopics.key(service, env) + "/" + name + "/";
  }

  /** {@code <service>/<env>/<commandId>}. */
  public static String outcomeKey(String service, String env, String commandId) {
    return AnchorTopics.key(service, env) + "/" + commandId;
  }

  /** {@code <service>|<epoch millis, 19 digits>|<eventId>}: one service's entries in time order. */
  public static String auditKey(String service, long epochMillis, String eventId) {
    return auditBound(service, epochMillis) + "|" + eventId;
  }

  /** The smallest key of {@code service}'s entries at {@code epochMillis}; {@code + "|~"} is past its largest. */
  public static String auditBound(String service, long epochMillis) {
    return service + "|" + String.format("%019d", Math.max(0, epochMillis));
  }
}
