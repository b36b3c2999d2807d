package io.poseidon.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./poseidon search "..."} and {@code ./poseidon ask "..."}: oracle's search and answers from the
 * terminal, through a running node ({@code GET /api/v1/search}, {@code GET /api/v1/answer}), each hit or
 * sentence with its citation (document, heading, character span of the body).
 *
 * <p>Exit codes: 0 answered (1 when nothing was found), 2 usage, 3 the gateway cannot be reached.
 */
@Command(name = "poseidon", mixinStandardHelpOptions = true, subcommands = {
    SearchCommands.SearchCommand.class, SearchCommands.AskCommand.class})
public final class SearchCommands {

  static final int EXIT_NOTHING = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_UNREACHABLE = 3;

  private SearchCommands() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine line = new CommandLine(new SearchCommands());
    line.setOut(new PrintWriter(out, true));
    line.setErr(new PrintWriter(err, true));
    return line.execute(args);
  }

  abstract static class Query implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "WORDS", description = "What to look for (quote it or not).")
    String[] words;

    @Option(names = "--service", description = "Only documents about this service.")
    String service;

    @Option(names = "--kind", description = "Only documents of this kind: runbook, adr, readme, incident, note.")
    String kind;

    @Option(names = "--url", description = "The gateway (default: $POSEIDON_URL or http://localhost:8080).")
    String url;

    @Option(names = "--json", description = "Print the gateway's JSON answer as it is (as --output json).")
    boolean json;

    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text (default) or json.")
    String output;

    @Option(names = "--api-key", description = "API key to send as X-API-Key (default: $POSEIDON_API_KEY, else "
        + ".poseidon/admin-key of a local stack).")
    String apiKey;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    String base() {
      String u = url != null ? url : System.getenv().getOrDefault("POSEIDON_URL", "http://localhost:8080");
      return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    boolean json() {
      return json || "json".equals(output);
    }

    String query() {
      return String.join(" ", words);
    }

    String filters() {
      return (service == null ? "" : "&service=" + enc(service)) + (kind == null ? "" : "&kind=" + enc(kind));
    }

    /** GET {@code path}; the JSON of a 200, or null after printing why not (the exit code in {@link #exit}). */
    JsonObject get(String path) throws Exception {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> r;
      try {
        r = http.send(ClientCredentials.with(HttpRequest.newBuilder(URI.create(base() + path))
                .timeout(Duration.ofSeconds(30)), ClientCredentials.apiKey(apiKey)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (ConnectException e) {
        spec.commandLine().getErr().println("poseidon: cannot reach the gateway at " + base()
            + " (is a node running? ./poseidon dev starts one; --url or POSEIDON_URL for another)");
        exit = EXIT_UNREACHABLE;
        return null;
      }
      if (r.statusCode() != 200) {
        JsonObject error = parse(r.body());
        spec.commandLine().getErr().println("poseidon: HTTP " + r.statusCode() + ": "
            + error.getString("message", r.body()) + details(error));
        exit = r.statusCode() == 400 || r.statusCode() == 404 ? EXIT_USAGE : EXIT_UNREACHABLE;
        return null;
      }
      return parse(r.body());
    }

    int exit;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    void printPartial(JsonObject answer) {
      if (answer.getBoolean("partial", false)) {
        out().println("(partial: partitions " + answer.getJsonArray("missingPartitions") + " did not answer)");
      }
    }
  }

  @Command(name = "search", mixinStandardHelpOptions = true,
      description = "Search the platform's documents (GET /api/v1/search): one hit per line with its citation.")
  static final class SearchCommand extends Query {
    @Option(names = "--mode", defaultValue = "hybrid", description = "keyword, semantic or hybrid (default ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--limit", defaultValue = "5", description = "Results (1-50, default ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() throws Exception {
      JsonObject answer = get("/api/v1/search?q=" + enc(query()) + "&mode=" + enc(mode) + "&limit=" + limit + filters());
      if (answer == null) {
        return exit;
      }
      if (json()) {
        out().println(answer.encodePrettily());
        return 0;
      }
      JsonArray results = answer.getJsonArray("results");
      if (results.isEmpty()) {
        out().println("nothing found for \"" + query() + "\"");
        printPartial(answer);
        return EXIT_NOTHING;
      }
      for (int i = 0; i < results.size(); i++) {
        JsonObject hit = results.getJsonObject(i);
        JsonObject c = hit.getJsonObject("citation");
        out().printf(Locale.ROOT, "%d. %s  [%s%s]  score %.4f%n", i + 1, hit.getString("title"), hit.getString("kind"),
            hit.getString("service") == null ? "" : " · " + hit.getString("service"), hit.getDouble("score"));
        out().printf(Locale.ROOT, "   %s v%d § %s  (chars %d–%d)%n", hit.getString("docId"), hit.getLong("version"),
            c.getString("heading").isEmpty() ? "(top)" : c.getString("heading"), c.getInteger("start"), c.getInteger("end"));
        out().println("   " + plain(hit.getString("snippet")));
      }
      printPartial(answer);
      out().printf(Locale.ROOT, "(%s, %d ms, served by %s)%n", answer.getString("mode"), answer.getLong("tookMs"),
          answer.getJsonArray("servedBy"));
      return 0;
    }
  }

  @Command(name = "ask", mixinStandardHelpOptions = true,
      description = "Ask in plain words. A request such as \"deploy payments 1.4.2 to staging\" is matched to the "
          + "command it means (embedding similarity over the CLI's commands), printed, and run once you confirm "
          + "(--yes: without asking; not a terminal and no --yes: printed only, exit 2). A question goes to oracle "
          + "(GET /api/v1/answer): the sentences of the documents that answer it best, each with its citation. "
          + "Nothing is generated.")
  static final class AskCommand extends Query {
    @Option(names = {"-y", "--yes"}, description = "Run the command a request resolves to without asking.")
    boolean yes;

    @Option(names = "--question", description = "A question for oracle, never a command.")
    boolean question;

    /** Where the confirmation is read (tests); null: the terminal. */
    static volatile java.io.BufferedReader answers;

    @Override
    public Integer call() throws Exception {
      if (!List.of("text", "json").contains(output)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--output must be text or json, got " + output);
      }
      if (!question && service == null && kind == null) {
        java.util.Optional<CommandMatcher.Match> match =
            new CommandMatcher(io.poseidon.processors.oracle.Embedder.shared()).match(query());
        if (match.isPresent()) {
          return request(this, match.get());
        }
      }
      JsonObject answer = get("/api/v1/answer?q=" + enc(query()) + filters());
      if (answer == null) {
        return exit;
      }
      if (json()) {
        out().println(answer.encodePrettily());
        return 0;
      }
      JsonArray sentences = answer.getJsonArray("sentences");
      if (sentences.isEmpty()) {
        out().println("no answer found for \"" + query() + "\"");
        printPartial(answer);
        return EXIT_NOTHING;
      }
      for (int i = 0; i < sentences.size(); i++) {
        JsonObject s = sentences.getJsonObject(i);
        out().println(s.getString("text") + " [" + (i + 1) + "]");
      }
      out().println();
      for (int i = 0; i < sentences.size(); i++) {
        JsonObject s = sentences.getJsonObject(i);
        JsonObject c = s.getJsonObject("citation");
        out().printf(Locale.ROOT, "[%d] %s (%s) § %s, chars %d–%d%n", i + 1, s.getString("title"), s.getString("docId"),
            c.getString("heading").isEmpty() ? "(top)" : c.getString("heading"), c.getInteger("start"), c.getInteger("end"));
      }
      printPartial(answer);
      if (answer.getBoolean("cached", false)) {
        out().println("(from the query cache)");
      }
      return 0;
    }
  }

  /**
   * A sentence that names a command: printed, then run once confirmed. The exit code: the command's, or 2
   * when it misses an argument or was not confirmed.
   */
  private static int request(AskCommand ask, CommandMatcher.Match match) throws java.io.IOException {
    PrintWriter out = ask.out();
    PrintWriter err = ask.spec.commandLine().getErr();
    String similarity = String.format(Locale.ROOT, "%.2f", match.score());
    if (!match.complete()) {
      err.println("poseidon: this reads as a request for `poseidon " + match.intent() + "` (similarity " + similarity
          + ") but the sentence names no " + String.join(", no ", match.missing()) + "; say it (e.g. \"deploy payments "
          + "1.4.2 to staging\"), or add --question to ask oracle");
      return EXIT_USAGE;
    }
    List<String> args = new java.util.ArrayList<>(match.args());
    if (ask.url != null) {
      args.addAll(List.of("--url", ask.url));
    }
    if (ask.apiKey != null) {
      args.addAll(List.of("--api-key", ask.apiKey));
    }
    if (ask.json()) {
      args.addAll(List.of("--output", "json"));
    }
    String line = match.commandLine();
    JsonObject resolved = new JsonObject().put("request", ask.query()).put("command", line)
        .put("args", new JsonArray(new java.util.ArrayList<>(match.args()))).put("intent", match.intent())
        .put("similarity", Math.round(match.score() * 1000) / 1000.0);
    (ask.json() ? err : out).println("→ " + line + "   (similarity " + similarity + " with \"" + match.phrase() + "\")");
    boolean run = ask.yes;
    if (!run) {
      java.io.BufferedReader in = AskCommand.answers;
      if (in == null && System.console() != null) {
        in = new java.io.BufferedReader(System.console().reader());
      }
      if (in == null) {
        if (ask.json()) {
          out.println(resolved.put("ran", false).encodePrettily());
        }
        err.println("poseidon: not run: confirm on a terminal, or add --yes to run it");
        return EXIT_USAGE;
      }
      err.print("run it? [y/N] ");
      err.flush();
      String answer = in.readLine();
      run = answer != null && List.of("y", "yes").contains(answer.strip().toLowerCase(Locale.ROOT));
      if (!run) {
        if (ask.json()) {
          out.println(resolved.put("ran", false).encodePrettily());
        }
        err.println("poseidon: not run");
        return EXIT_USAGE;
      }
    }
    return OpsCommands.run(args.toArray(String[]::new), out, err);
  }

  /** A snippet for the terminal: marks as «», HTML entities back to text, one line. */
  static String plain(String snippet) {
    return snippet.replace("<mark>", "«").replace("</mark>", "»").replace("&lt;", "<").replace("&gt;", ">")
        .replace("&quot;", "\"").replace("&#x27;", "'").replace("&#39;", "'").replace("&#x2F;", "/")
        .replace("&amp;", "&").replaceAll("\\s+", " ").strip();
  }

  private static JsonObject parse(String body) {
    try {
      return new JsonObject(body);
    } catch (RuntimeException e) {
      return new JsonObject();
    }
  }

  private static String details(JsonObject error) {
    JsonArray details = error.getJsonArray("details");
    if (details == null || details.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    details.forEach(d -> out.append("\n  ").append(((JsonObject) d).getString("field")).append(": ")
        .append(((JsonObject) d).getString("message")));
    return out.toString();
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
