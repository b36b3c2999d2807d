package io.poseidon.gateway.http;

import io.vertx.json.schema.OutputUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the contract's request validation found, as field errors: {@code port} "must be ≤ 65535"
 * rather than a schema keyword path. Parameter errors name the parameter; body errors the JSON path
 * of the value ({@code metadata.zone}, {@code environments[1]}).
 */
final class ContractErrors {

  private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"");
  static final String NOT_A_FIELD = "is not a field of this request (see /openapi.yaml)";

  private ContractErrors() {}

  /** The errors of a failed validation; {@code parameterName} names them when a parameter failed. */
  static List<FieldError> of(OutputUnit result, String parameterName) {
    List<FieldError> errors = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (OutputUnit unit : leaves(result)) {
      String field = parameterName != null ? parameterName : field(unit);
      String text = plain(unit.getError());
      if (seen.add(field + "|" + text)) {
        errors.add(new FieldError(field, text));
      }
    }
    if (errors.isEmpty()) {
      errors.add(new FieldError(parameterName != null ? parameterName : "body", plain(result.getError())));
    }
    // a property whose value fails its schema counts as unevaluated too: its "not a field" echo says nothing
    Set<String> explained = new LinkedHashSet<>();
    errors.stream().filter(error -> !error.message().equals(NOT_A_FIELD)).forEach(error -> explained.add(error.field()));
    // ... and so does a map whose value failed the map's value schema (the error is at the value)
    errors.removeIf(error -> error.message().equals(NOT_A_FIELD) && (explained.contains(error.field())
        || explained.stream().anyMatch(field -> field.startsWith(error.field() + "."))));
    return errors;
  }

  /** The errors that say something: those without nested errors (a failed "allOf" says only that a branch failed). */
  private static List<OutputUnit> leaves(OutputUnit unit) {
    List<OutputUnit> out = new ArrayList<>();
    if (unit.getErrors() == null || unit.getErrors().isEmpty()) {
      if (unit.getError() != null) {
        out.add(unit);
      }
      return out;
    }
    for (OutputUnit child : unit.getErrors()) {
      out.addAll(leaves(child));
    }
    List<OutputUnit> specific = out.stream().filter(u -> !isSummary(u)).toList();
    return specific.isEmpty() ? out : specific;
  }

  private static boolean isSummary(OutputUnit unit) {
    String error = unit.getError() == null ? "" : unit.getError();
    return error.startsWith("A subschema had errors") || error.startsWith("Property \"") && error.contains("does not match schema");
  }

  private static final Pattern TYPE = Pattern.compile("Instance type (\\w+) is invalid\\. Expected (\\w+)");

  /** The validator's sentence in the gateway's words where one is clearer ("is required", "must be an integer"). */
  static String plain(String error) {
    if (error == null) {
      return "is not valid";
    }
    if (error.startsWith("Instance does not have required property")) {
      return "is required";
    }
    if (error.contains("does not match additional properties schema")) {
      return NOT_A_FIELD;
    }
    if (error.startsWith("Instance does not match any of ")) {
      return "must be one of " + error.substring("Instance does not match any of ".length()).replace("\"", "");
    }
    Matcher type = TYPE.matcher(error);
    if (type.find()) {
      String expected = type.group(2);
      return "must be " + ("aeiou".indexOf(expected.charAt(0)) >= 0 ? "an " : "a ") + expected + ", not " + type.group(1);
    }
    return error;
  }

  /** {@code /metadata/zone} → {@code metadata.zone}; a missing property is named by the error. */
  private static String field(OutputUnit unit) {
    String location = unit.getInstanceLocation() == null ? "" : unit.getInstanceLocation();
    String path = location.replaceFirst("^#?/?", "").replaceAll("/(\\d+)(?=/|$)", "[$1]").replace('/', '.')
        .replace("~1", "/").replace("~0", "~");
    String error = unit.getError() == null ? "" : unit.getError();
    if (error.contains("required property") || error.contains("additional properties")
        || error.contains("does not match additional properties")) {
      Matcher quoted = QUOTED.matcher(error);
      if (quoted.find()) {
        String name = quoted.group(1);
        // a missing property is reported at its parent, an additional one at itself
        return path.isEmpty() ? name : path.equals(name) || path.endsWith("." + name) ? path : path + "." + name;
      }
    }
    return path.isEmpty() ? "body" : path;
  }
}
