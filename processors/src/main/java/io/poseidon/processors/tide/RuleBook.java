package io.poseidon.processors.tide;

import io.poseidon.schemas.tide.Condition;
import io.poseidon.schemas.tide.IngestKind;
import io.poseidon.schemas.tide.RawEnvelope;
import io.poseidon.schemas.tide.RoutingRule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * tide's routing rules, compiled (regular expressions included) and ordered highest priority first,
 * then by ruleId. One book per Streams client: the global-store updater ({@link GlobalUpdaters.Rules})
 * changes it as {@code tide.routing-rules} changes — while it restores too — and the routers read an
 * immutable snapshot, so a rule change applies on every node without a restart.
 */
final class RuleBook {

  /** A rule ready to match. */
  record Compiled(RoutingRule rule, IngestKind kind, Matcher source, Map<String, Matcher> attributes,
      Map<String, Matcher> payload) {

    String ruleId() {
      return rule.getRuleId();
    }

    boolean matches(RawEnvelope envelope, Map<String, Object> payloadFields) {
      if (kind != null && envelope.getKind() != kind) {
        return false;
      }
      if (source != null && !source.test(envelope.getSource())) {
        return false;
      }
      for (Map.Entry<String, Matcher> a : attributes.entrySet()) {
        if (!a.getValue().test(envelope.getAttributes().get(a.getKey()))) {
          return false;
        }
      }
      for (Map.Entry<String, Matcher> p : payload.entrySet()) {
        if (!p.getValue().test(Payloads.text(Payloads.path(payloadFields, p.getKey())))) {
          return false;
        }
      }
      return true;
    }
  }

  /** One compiled condition; {@code value} is null when the field is absent. */
  interface Matcher {
    boolean test(String value);
  }

  private static final Comparator<Compiled> ORDER = Comparator.<Compiled>comparingInt(c -> -c.rule().getPriority())
      .thenComparing(Compiled::ruleId);

  private final Map<String, Compiled> byId = new ConcurrentHashMap<>();
  private volatile List<Compiled> ordered = List.of();

  /** Puts (or with null, removes) a rule. Called by the global-store updater only. */
  synchronized void put(String ruleId, RoutingRule rule) {
    if (rule == null) {
      byId.remove(ruleId);
    } else {
      byId.put(ruleId, compile(rule));
    }
    List<Compiled> next = new ArrayList<>(byId.values());
    next.sort(ORDER);
    ordered = List.copyOf(next);
  }

  /** The rules now, in matching order. */
  List<Compiled> rules() {
    return ordered;
  }

  /**
   * The rules that take {@code envelope}: highest priority first, the first match ends the search
   * unless that rule continues ({@code continueMatching}); empty when none matches.
   */
  List<Compiled> route(RawEnvelope envelope, Map<String, Object> payloadFields) {
    List<Compiled> matched = new ArrayList<>(1);
    for (Compiled rule : ordered) {
      if (rule.matches(envelope, payloadFields)) {
        matched.add(rule);
        if (!rule.rule().getContinueMatching()) {
          break;
        }
      }
    }
    return matched;
  }

  /** Compiles a rule; an invalid regular expression is refused (the gateway checks rules before they are put). */
  static Compiled compile(RoutingRule rule) {
    Map<String, Matcher> attributes = new LinkedHashMap<>();
    rule.getMatch().getAttributes().forEach((k, c) -> attributes.put(k, matcher(c)));
    Map<String, Matcher> payload = new LinkedHashMap<>();
    rule.getMatch().getPayload().forEach((k, c) -> payload.put(k, matcher(c)));
    Condition source = rule.getMatch().getSource();
    return new Compiled(rule, rule.getMatch().getKind(), source == null ? null : matcher(source), Map.copyOf(attributes),
        Map.copyOf(payload));
  }

  static Matcher matcher(Condition condition) {
    String expected = condition.getValue();
    return switch (condition.getOp()) {
      case EQUALS -> value -> Objects.equals(value, expected);
      case PREFIX -> value -> value != null && value.startsWith(expected);
      case REGEX -> {
        Pattern pattern = Pattern.compile(expected);
        yield value -> value != null && pattern.matcher(value).matches();
      }
      case EXISTS -> {
        boolean present = Boolean.parseBoolean(expected);
        yield value -> (value != null) == present;
      }
    };
  }
}
