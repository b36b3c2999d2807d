package io.poseidon.gateway.node;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * deploy/grafana/poseidon-dashboard.json as the tests read it: every PromQL expression of its panels and
 * template variables, and what each one needs from a node's {@code /metrics}: the metric names it
 * selects, the labels it matches on and the labels it groups by.
 */
final class GrafanaDashboard {

  /** One expression and where it is (panel title or variable name). */
  record Query(String where, String expr) {}

  /** A metric an expression selects and the labels its matchers name. */
  record Selector(String metric, Set<String> labels) {}

  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "bool", "and", "or", "unless", "offset", "inf", "nan");
  private static final Pattern GROUPING = Pattern.compile("\\b(?:by|without|on|ignoring)\\s*\\(([^)]*)\\)");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,\\s*"
      + "([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)");
  private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(?:=~|!~|!=|=)\\s*\"");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  private GrafanaDashboard() {}

  static Path file() {
    Path fromModule = Path.of("..", "deploy", "grafana", "poseidon-dashboard.json");
    return Files.exists(fromModule) ? fromModule : Path.of("deploy", "grafana", "poseidon-dashboard.json");
  }

  static JsonObject read() throws IOException {
    return new JsonObject(Files.readString(file()));
  }

  /** The panels that show data (rows left out), nested ones included. */
  static List<JsonObject> panels(JsonObject dashboard) {
    List<JsonObject> out = new ArrayList<>();
    collect(dashboard.getJsonArray("panels", new JsonArray()), out);
    return out;
  }

  private static void collect(JsonArray panels, List<JsonObject> out) {
    for (Object p : panels) {
      JsonObject panel = (JsonObject) p;
      if ("row".equals(panel.getString("type"))) {
        collect(panel.getJsonArray("panels", new JsonArray()), out);
      } else {
        out.add(panel);
      }
    }
  }

  /** Every expression of every panel and query variable. */
  static List<Query> queries(JsonObject dashboard) {
    List<Query> out = new ArrayList<>();
    for (JsonObject panel : panels(dashboard)) {
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        out.add(new Query("panel \"" + panel.getString("title") + "\"", ((JsonObject) t).getString("expr")));
      }
    }
    for (Object v : dashboard.getJsonObject("templating").getJsonArray("list")) {
      JsonObject variable = (JsonObject) v;
      if ("query".equals(variable.getString("type"))) {
        Object query = variable.getValue("query");
        out.add(new Query("variable $" + variable.getString("name"),
            query instanceof JsonObject q ? q.getString("query") : String.valueOf(query)));
      }
    }
    return out;
  }

  /** The metrics {@code expr} selects, with the labels its matchers (or label_values) name. */
  static List<Selector> selectors(String expr) {
    List<Selector> out = new ArrayList<>();
    Matcher values = LABEL_VALUES.matcher(expr);
    if (values.find()) {
      out.add(new Selector(values.group(1), Set.of(values.group(2))));
      return out;
    }
    String s = expr.replaceAll("\\[[^]]*]", " "); // range selectors: [5m], [$__rate_interval]
    s = GROUPING.matcher(s).replaceAll(" ");
    int i = 0;
    while (i < s.length()) {
      Matcher id = IDENTIFIER.matcher(s);
      if (!id.find(i)) {
        break;
      }
      String name = id.group();
      int end = id.end();
      boolean partOfNumber = id.start() > 0 && (Character.isDigit(s.charAt(id.start() - 1)) || s.charAt(id.start() - 1) == '.'
          || s.charAt(id.start() - 1) == '$');
      int next = end;
      while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
        next++;
      }
      boolean function = next < s.length() && s.charAt(next) == '(';
      Set<String> labels = new LinkedHashSet<>();
      if (next < s.length() && s.charAt(next) == '{') {
        int close = closingBrace(s, next);
        Matcher m = MATCHER.matcher(s.substring(next, close));
        while (m.find()) {
          labels.add(m.group(1));
        }
        end = close + 1;
      }
      if (!function && !partOfNumber && !KEYWORDS.contains(name.toLowerCase())) {
        out.add(new Selector(name, labels));
      }
      i = end;
    }
    return out;
  }

  /** The labels {@code expr} groups or matches on ({@code by (...)}, {@code without (...)}, {@code on (...)}). */
  static Set<String> groupingLabels(String expr) {
    Set<String> out = new LinkedHashSet<>();
    Matcher m = GROUPING.matcher(expr);
    while (m.find()) {
      for (String label : m.group(1).split(",")) {
        if (!label.isBlank()) {
          out.add(label.trim());
        }
      }
    }
    return out;
  }

  /** The end of a label-matcher block, quotes respected. */
  private static int closingBrace(String s, int open) {
    boolean quoted = false;
    for (int i = open + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && quoted) {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == '}' && !quoted) {
        return i;
      }
    }
    throw new IllegalArgumentException("unclosed { in " + s);
  }

  /** Prometheus text: every sample name with the label names it is exposed with. */
  static Map<String, Set<String>> exposed(String scrape) {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (String line : scrape.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.indexOf(' ');
      String name = brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, space);
      Set<String> labels = out.computeIfAbsent(name, n -> new LinkedHashSet<>());
      if (brace >= 0 && brace < space) {
        Matcher m = MATCHER.matcher(line.substring(brace, closingBrace(line, brace)));
        while (m.find()) {
          labels.add(m.group(1));
        }
      }
    }
    return out;
  }

  /**
   * What the dashboard asks of {@code exposed} that is not there: a metric no sample has, a label a
   * selector matches on or an expression groups by that none of its metrics carries. Empty when every
   * panel can be drawn from this node's {@code /metrics}.
   */
  static List<String> missing(JsonObject dashboard, Map<String, Set<String>> exposed) {
    List<String> problems = new ArrayList<>();
    for (Query q : queries(dashboard)) {
      List<Selector> selectors = selectors(q.expr());
      if (selectors.isEmpty()) {
        problems.add(q.where() + ": no metric in " + q.expr());
      }
      Set<String> available = new LinkedHashSet<>();
      for (Selector s : selectors) {
        Set<String> labels = exposed.get(s.metric());
        if (labels == null) {
          problems.add(q.where() + ": metric " + s.metric() + " is not on /metrics");
          continue;
        }
        available.addAll(labels);
        for (String label : s.labels()) {
          if (!labels.contains(label)) {
            problems.add(q.where() + ": " + s.metric() + " has no label " + label + " (it has " + labels + ")");
          }
        }
      }
      for (String label : groupingLabels(q.expr())) {
        if (!available.contains(label) && !selectors.isEmpty()) {
          problems.add(q.where() + ": grouped by " + label + ", which none of " + selectors.stream()
              .map(Selector::metric).toList() + " has");
        }
      }
    }
    return problems;
  }
}
