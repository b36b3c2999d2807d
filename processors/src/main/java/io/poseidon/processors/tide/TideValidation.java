package io.poseidon.processors.tide;

import io.poseidon.schemas.tide.Condition;
import io.poseidon.schemas.tide.ConditionOp;
import io.poseidon.schemas.tide.RawEnvelope;
import io.poseidon.schemas.tide.RoutingRule;
import io.poseidon.topology.catalog.TopicSpec;
import io.poseidon.topology.validation.Ids;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The rules a raw record and a routing rule must follow beyond their Avro schemas. One rule set, for
 * the gateway (a rejected item or a 400 before anything is produced) and for the topology (a dead
 * letter for a record produced by anyone else).
 */
public final class TideValidation {

  public static final int MAX_SOURCE_CHARS = 256;
  public static final int MAX_ID_CHARS = 256;
  public static final int MAX_ATTRIBUTES = 64;
  public static final int MAX_ATTRIBUTE_KEY_CHARS = 128;
  public static final int MAX_ATTRIBUTE_VALUE_CHARS = 1024;

  private TideValidation() {}

  /** Field name to problem; empty when the raw record is valid. */
  public static Map<String, String> check(RawEnvelope raw, int maxPayloadBytes) {
    Map<String, String> problems = new LinkedHashMap<>();
    Ids.checkText("source", raw.getSource(), MAX_SOURCE_CHARS, problems);
    if (raw.getId() != null) {
      Ids.checkText("id", raw.getId(), MAX_ID_CHARS, problems);
    }
    checkStrings("attributes", raw.getAttributes(), problems);
    if (raw.getPayload() == null || raw.getPayload().length() > maxPayloadBytes) {
      problems.put("payload", "must be a JSON object of at most " + maxPayloadBytes + " bytes");
    }
    return problems;
  }

  /** Field name to problem; empty when the rule is valid. */
  public static Map<String, String> check(RoutingRule rule) {
    Map<String, String> problems = new LinkedHashMap<>();
    Ids.checkId("ruleId", rule.getRuleId(), problems);
    TopicSpec destination = Destinations.byName(rule.getDestination());
    if (destination == null) {
      problems.put("destination", "must be one of " + Destinations.ALL.stream().map(TopicSpec::name).toList()
          + ", got " + rule.getDestination());
    }
    if (rule.getMatch().getSource() != null) {
      checkCondition("match.source", rule.getMatch().getSource(), problems);
    }
    rule.getMatch().getAttributes().forEach((k, c) -> checkCondition("match.attributes." + k, c, problems));
    rule.getMatch().getPayload().forEach((k, c) -> checkCondition("match.payload." + k, c, problems));
    checkStrings("set", rule.getSet(), problems);
    return problems;
  }

  private static void checkCondition(String field, Condition condition, Map<String, String> problems) {
    if (condition.getOp() == ConditionOp.REGEX) {
      try {
        Pattern.compile(condition.getValue());
      } catch (PatternSyntaxException e) {
        problems.put(field, "is not a regular expression: " + e.getDescription() + " near index " + e.getIndex());
      }
    } else if (condition.getOp() == ConditionOp.EXISTS && !condition.getValue().matches("true|false")) {
      problems.put(field, "exists must be true or false");
    }
  }

  private static void checkStrings(String field, Map<String, String> values, Map<String, String> problems) {
    if (values.size() > MAX_ATTRIBUTES) {
      problems.put(field, "must have at most " + MAX_ATTRIBUTES + " entries, got " + values.size());
      return;
    }
    values.forEach((k, v) -> {
      if (k.isEmpty() || k.length() > MAX_ATTRIBUTE_KEY_CHARS || Ids.hasControlCharacters(k)) {
        problems.put(field, "names must be 1-" + MAX_ATTRIBUTE_KEY_CHARS + " characters without control characters");
      } else if (v == null || v.length() > MAX_ATTRIBUTE_VALUE_CHARS) {
        problems.put(field + "." + k, "must be at most " + MAX_ATTRIBUTE_VALUE_CHARS + " characters");
      }
    });
  }
}
