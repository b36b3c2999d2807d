package io.poseidon.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The operations commands of {@code poseidon}, clients of a running node (docs/cli.md):
 * {@code status} (services, their instances and health, deployments in flight), {@code tail} (the live
 * stream in the terminal), {@code deploy} and {@code commit} (with {@code --wait}: progress from the live
 * stream until the end), {@code query} (the services' stores, with who answered and read-your-writes).
 * Every one takes {@code --output text|json}; the exit codes are {@link ClientCommands}'.
 */
@Command(name = "poseidon", mixinStandardHelpOptions = true, subcommands = {
    OpsCommands.Status.class, OpsCommands.Tail.class, OpsCommands.Deploy.class, OpsCommands.Query.class,
    OpsCommands.Commit.class})
public final class OpsCommands {

  static final List<String> NAMES = List.of("status", "tail", "deploy", "query", "commit");
  static final String DEPLOYMENT_EVENTS = "harbor.deployment-events";
  static final String WORKFLOW_EVENTS = "current.workflow-events";
  private static final int PAGE = 500;

  /** Whether stdout is a terminal (progress redrawn in place); tests set it. */
  static volatile Boolean terminal;

  private OpsCommands() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, new PrintWriter(out, true), new PrintWriter(err, true));
  }

  static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine line = new CommandLine(new OpsCommands());
    line.setOut(out);
    line.setErr(err);
    line.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof CliHttp.Failure f) {
        cmd.getErr().println("poseidon: " + f.getMessage());
        return f.exit;
      }
      throw e;
    });
    return line.execute(args);
  }

  /** Where the gateway is, who calls and how to print: every command's options. */
  static final class Target {
    @Option(names = "--url", description = "The gateway (default: $POSEIDON_URL or http://localhost:8080).")
    String url;

    @Option(names = "--api-key", description = "API key to send as X-API-Key (default: $POSEIDON_API_KEY, else "
        + ".poseidon/admin-key of a local stack).")
    String apiKey;

    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text (default) or json (one JSON "
        + "document; NDJSON for tail).")
    String output;

    CliHttp http() {
      return new CliHttp(url, apiKey);
    }

    boolean json() {
      return "json".equals(output);
    }
  }

  abstract static class Base implements Callable<Integer> {
    @Mixin
    Target target;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    CommandLine.ParameterException usage(String message) {
      return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    void checkOutput() {
      if (!List.of("text", "json").contains(target.output)) {
        throw usage("--output must be text or json, got " + target.output);
      }
    }

    @Override
    public Integer call() throws Exception {
      checkOutput();
      return execute(target.http());
    }

    abstract int execute(CliHttp http) throws Exception;
  }

  // status ------------------------------------------------------------------------------------------

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "Services with their instances (depths) and health (lighthouse, when it runs), and the "
          + "deployments in flight (harbor).")
  static final class Status extends Base {
    @Option(names = "--service", split = ",", paramLabel = "S", description = "Only these services "
        + "(default: every service the node knows of).")
    List<String> services = new ArrayList<>();

    @Override
    int execute(CliHttp http) throws Exception {
      JsonObject doc = new JsonObject();
      List<String> notes = new ArrayList<>();
      Set<String> names = new LinkedHashSet<>(services);
      Map<String, JsonArray> instancesOf = new java.util.TreeMap<>();
      if (names.isEmpty()) {
        CliHttp.Answer all = http.get("/api/v1/instances?limit=" + PAGE);
        if (all.status() == 200) {
          for (JsonObject i : pages(http, "/api/v1/instances?limit=" + PAGE, all, "instances")) {
            instancesOf.computeIfAbsent(i.getString("service", "?"), s -> new JsonArray()).add(i);
          }
          names.addAll(instancesOf.keySet());
          doc.put("servicesFrom", "instances");
        } else {
          doc.put("servicesFrom", "deployments");
          notes.add("services: this node has no GET /api/v1/instances (HTTP " + all.status() + "); listing the "
              + "services harbor deployed (--service names others)");
        }
      } else {
        doc.put("servicesFrom", "--service");
      }
      JsonArray deployments = null;
      CliHttp.Answer active = http.get("/api/v1/deployments?active=true&limit=" + PAGE);
      if (active.status() == 200) {
        deployments = new JsonArray(pages(http, "/api/v1/deployments?active=true&limit=" + PAGE, active, "deployments"));
        if (!services.isEmpty()) { // --service: only theirs
          JsonArray theirs = new JsonArray();
          deployments.forEach(d -> {
            if (services.contains(((JsonObject) d).getString("service"))) {
              theirs.add(d);
            }
          });
          deployments = theirs;
        }
      } else if (active.status() == 404 || active.status() == 405) {
        notes.add("deployments in flight: not offered by this node (GET /api/v1/deployments?active=true answered "
            + active.status() + ": " + active.json().getString("message", "older node or harbor not running") + ")");
      } else {
        throw CliHttp.failure("deployments in flight", active);
      }
      if ("deployments".equals(doc.getString("servicesFrom"))) {
        CliHttp.Answer recent = http.get("/api/v1/deployments?limit=" + PAGE);
        if (recent.status() == 200) {
          recent.json().getJsonArray("deployments", new JsonArray()).forEach(d ->
              names.add(((JsonObject) d).getString("service")));
        }
        if (deployments != null) {
          deployments.forEach(d -> names.add(((JsonObject) d).getString("service")));
        }
      } else if ("instances".equals(doc.getString("servicesFrom")) && deployments != null) {
        // a service being deployed before any instance of it registered is a service too
        deployments.forEach(d -> names.add(((JsonObject) d).getString("service")));
      }
      JsonArray rows = new JsonArray();
      for (String service : new java.util.TreeSet<>(names)) {
        JsonObject row = new JsonObject().put("service", service);
        JsonArray instances = instancesOf.get(service);
        if (instances == null) {
          String path = "/api/v1/services/" + CliHttp.seg(service) + "/instances?limit=" + PAGE;
          CliHttp.Answer answer = http.get(path);
          if (answer.status() == 200) {
            instances = new JsonArray(pages(http, path, answer, "instances"));
          } else if (answer.status() != 404) {
            throw CliHttp.failure("instances of " + service, answer);
          }
        }
        row.put("instances", instances);
        CliHttp.Answer health = http.get("/api/v1/services/" + CliHttp.seg(service) + "/health");
        row.put("health", health.status() == 200 ? health.json().getString("state", "UNKNOWN") : null);
        if (health.status() == 200) {
          row.put("environments", health.json().getJsonArray("environments"));
        }
        rows.add(row);
      }
      doc.put("services", rows).put("deployments", deployments).put("notes", new JsonArray(notes));
      if (target.json()) {
        out().println(doc.encodePrettily());
        return 0;
      }
      notes.forEach(n -> err().println("poseidon: " + n));
      out().println("services (" + rows.size() + ")");
      int width = rows.stream().mapToInt(r -> ((JsonObject) r).getString("service").length()).max().orElse(8);
      for (Object o : rows) {
        JsonObject r = (JsonObject) o;
        JsonArray instances = r.getJsonArray("instances");
        String health = r.getString("health") == null ? "unknown" : r.getString("health");
        String list = instances == null ? "instances unknown (depths not running)"
            : instances.size() + " instance" + (instances.size() == 1 ? "" : "s") + (instances.isEmpty() ? "" : ": "
            + String.join(", ", instances.stream().limit(5).map(i -> instance((JsonObject) i)).toList())
            + (instances.size() > 5 ? ", +" + (instances.size() - 5) : ""));
        out().printf(Locale.ROOT, "  %-" + width + "s  %-9s  %s%n", r.getString("service"), health, list);
      }
      if (deployments != null) {
        out().println("deployments in flight (" + deployments.size() + ")");
        for (Object o : deployments) {
          out().println("  " + deploymentLine((JsonObject) o));
        }
      }
      return 0;
    }

    private static String instance(JsonObject i) {
      return i.getString("instanceId") + " " + i.getString("host") + ":" + i.getValue("port")
          + (i.getString("version") == null ? "" : " " + i.getString("version"));
    }
  }

  static String deploymentLine(JsonObject d) {
    String where = d.getString("currentEnvironment") == null ? ""
        : "  " + d.getString("currentEnvironment") + (d.getString("currentAction") == null ? "" : " " + d.getString("currentAction"));
    return d.getString("deploymentId") + "  " + d.getString("service") + " " + d.getString("version") + "  "
        + d.getString("status") + where + "  (" + String.join(",", strings(d.getJsonArray("environments"))) + ")";
  }

  /** Every item of a paged list: {@code first} and the pages its {@code nextCursor} leads to. */
  static List<JsonObject> pages(CliHttp http, String path, CliHttp.Answer first, String items) throws InterruptedException {
    List<JsonObject> out = new ArrayList<>();
    CliHttp.Answer page = first;
    for (int i = 0; i < 1000; i++) {
      JsonObject body = page.json();
      body.getJsonArray(items, new JsonArray()).forEach(o -> out.add((JsonObject) o));
      String cursor = body.getString("nextCursor");
      if (cursor == null || cursor.isBlank()) {
        break;
      }
      page = http.get(path + (path.contains("?") ? "&" : "?") + "cursor=" + CliHttp.enc(cursor));
      if (page.status() != 200) {
        throw CliHttp.failure("the next page of " + path, page);
      }
    }
    return out;
  }

  static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(o -> out.add(String.valueOf(o)));
    }
    return out;
  }

  // tail --------------------------------------------------------------------------------------------

  @Command(name = "tail", mixinStandardHelpOptions = true,
      description = "The live stream (GET /api/v1/stream) in the terminal: one line per event (time, topic, key, "
          + "type, value), or NDJSON with --output json. Reconnects after a dropped connection without a gap or a "
          + "repeat; Ctrl-C ends it (exit 0).")
  static final class Tail extends Base {
    @Parameters(index = "0", paramLabel = "TOPIC[,TOPIC]", split = ",", arity = "1..*",
        description = "Public topics (GET /api/v1/topics), e.g. harbor.deployment-events.")
    List<String> topics;

    @Option(names = "--filter", paramLabel = "FIELD:VALUE", description = "Only events whose value has FIELD "
        + "(a dotted path, looked up at the top and in the payload) equal to VALUE; repeat for several (all must match).")
    List<String> filters = new ArrayList<>();

    @Option(names = "--type", split = ",", paramLabel = "T", description = "Only these event types, e.g. harbor.DeploymentFinished.")
    List<String> types = new ArrayList<>();

    @Option(names = "--key", split = ",", paramLabel = "K", description = "Only these record keys.")
    List<String> keys = new ArrayList<>();

    @Option(names = "--from", defaultValue = "latest", description = "latest (default), earliest, or a position "
        + "topic:partition:offset,... (an event's id).")
    String from;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N events (exit 0).")
    Integer count;

    @Option(names = "--until", paramLabel = "TYPE", description = "Stop after the first event of this type (exit 0).")
    String until;

    @Override
    int execute(CliHttp http) throws Exception {
      if (count != null && count < 1) {
        throw usage("--count must be at least 1");
      }
      for (String f : filters) {
        if (f.indexOf(':') < 1 || f.endsWith(":")) {
          throw usage("--filter takes FIELD:VALUE, got " + f);
        }
      }
      StringBuilder query = new StringBuilder("topics=").append(CliHttp.enc(String.join(",", topics)));
      if (!keys.isEmpty()) {
        query.append("&key=").append(CliHttp.enc(String.join(",", keys)));
      }
      if (!types.isEmpty()) {
        query.append("&type=").append(CliHttp.enc(String.join(",", types)));
      }
      filters.forEach(f -> query.append("&filter=").append(CliHttp.enc(f)));
      Follower follower = new Follower(new EventStream(http, query.toString(), from), e -> true, err());
      follower.quietReconnects = false;
      onInterrupt(follower::stop);
      int seen = 0;
      try {
        while (true) {
          Object next = follower.next(null);
          if (next == Follower.STOPPED) {
            return 0;
          }
          EventStream.Event event = (EventStream.Event) next;
          out().println(target.json() ? event.message().encode() : line(event));
          seen++;
          if (count != null && seen >= count || until != null && until.equals(event.type())) {
            return 0;
          }
        }
      } finally {
        follower.stop();
      }
    }
  }

  /** One readable line for an event: time, topic, key, type and its payload, short. */
  static String line(EventStream.Event e) {
    JsonObject m = e.message();
    String time = m.getString("time", "");
    int t = time.indexOf('T');
    String clock = t >= 0 ? time.substring(t + 1) : time;
    return String.format(Locale.ROOT, "%-13s %s  %s  %s  %s", clock, m.getString("topic", "?"),
        m.getString("key") == null ? "-" : m.getString("key"), e.type(), shortValue(e, 160));
  }

  /** The payload's fields as {@code name=value}, nulls left out, cut at {@code max} characters. */
  static String shortValue(EventStream.Event e, int max) {
    Object value = e.message().getValue("value");
    if (!(value instanceof JsonObject)) {
      return value == null ? "(no value)" : String.valueOf(value);
    }
    JsonObject payload = e.payload();
    StringBuilder s = new StringBuilder();
    for (Map.Entry<String, Object> field : payload) {
      if (field.getValue() == null || field.getKey().equals("meta")) {
        continue;
      }
      Object v = field.getValue();
      String text = v instanceof JsonObject || v instanceof JsonArray ? v.toString() : String.valueOf(v);
      s.append(s.length() == 0 ? "" : " ").append(field.getKey()).append('=').append(text);
    }
    return s.length() > max ? s.substring(0, max - 1) + "…" : s.toString();
  }

  /**
   * A stream read on a daemon thread: its events (those {@code wanted}) in a queue for the command's thread,
   * which decides when to stop (a deadline, an event, Ctrl-C).
   */
  static final class Follower {
    static final Object STOPPED = new Object();
    private final EventStream stream;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final CompletableFuture<Boolean> connected = new CompletableFuture<>();
    private final PrintWriter err;
    volatile boolean quietReconnects = true;
    final List<String> comments = new java.util.concurrent.CopyOnWriteArrayList<>();

    Follower(EventStream stream, Predicate<EventStream.Event> wanted, PrintWriter err) {
      this.stream = stream;
      this.err = err;
      Thread reader = new Thread(() -> {
        try {
          stream.run(new EventStream.Listener() {
            @Override
            public void connected(boolean first) {
              connected.complete(true);
            }

            @Override
            public void event(EventStream.Event event) {
              if (wanted.test(event)) {
                queue.add(event);
              }
            }

            @Override
            public void comment(String text) {
              comments.add(text);
              err.println("poseidon: the server says: " + text);
            }

            @Override
            public void reconnecting(String lastId, String why) {
              if (!quietReconnects) {
                err.println("poseidon: " + why + "; reconnecting" + (lastId == null ? "" : " after " + lastId));
              }
            }
          });
          queue.add(STOPPED);
        } catch (CliHttp.Failure f) {
          connected.completeExceptionally(f);
          queue.add(f);
        } catch (InterruptedException e) {
          queue.add(STOPPED);
        } catch (RuntimeException e) {
          CliHttp.Failure f = new CliHttp.Failure(ClientCommands.EXIT_UNREACHABLE, "the live stream failed: " + e);
          connected.completeExceptionally(f);
          queue.add(f);
        }
      }, "poseidon-stream");
      reader.setDaemon(true);
      reader.start();
    }

    /** Waits until the server took the stream; a refusal is thrown. */
    void awaitConnected(Duration timeout) throws InterruptedException {
      try {
        connected.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        throw (CliHttp.Failure) e.getCause();
      } catch (java.util.concurrent.TimeoutException e) {
        throw new CliHttp.Failure(ClientCommands.EXIT_TIMEOUT, "the live stream did not start within " + timeout);
      }
    }

    /** The next event, {@link #STOPPED}, or null at {@code deadline} (null: none); a stream failure is thrown. */
    Object next(Instant deadline) throws InterruptedException {
      Object next = deadline == null ? queue.take()
          : queue.poll(Math.max(0, Duration.between(Instant.now(), deadline).toMillis()), TimeUnit.MILLISECONDS);
      if (next instanceof CliHttp.Failure f) {
        throw f;
      }
      return next;
    }

    void stop() {
      stream.close();
      queue.add(STOPPED);
    }
  }

  /** Ctrl-C runs {@code stop} instead of ending the JVM with 130: the command then ends with 0. */
  @SuppressWarnings("restriction")
  static void onInterrupt(Runnable stop) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> stop.run());
    } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
      // no such signal here: the JVM's default (exit 130)
    }
  }

  // deploy ------------------------------------------------------------------------------------------

  /** Options of the commands that start something and may wait for its end. */
  abstract static class Waiting extends Base {
    @Option(names = "--wait", description = "Follow it on the live stream until it ends (progress per environment or step).")
    boolean await;

    @Option(names = "--timeout", defaultValue = "10m", description = "How long --wait waits (default ${DEFAULT-VALUE}; 30s, 10m, 1h).")
    String timeout;

    @Option(names = "--idempotency-key", paramLabel = "KEY", description = "Sent as Idempotency-Key: a retried "
        + "command with the same key names the same entity (default: a new one per run).")
    String idempotencyKey;

    Duration waitLimit() {
      try {
        return duration(timeout);
      } catch (IllegalArgumentException e) {
        throw usage("--timeout: " + e.getMessage());
      }
    }

    boolean tty() {
      Boolean t = terminal;
      return t != null ? t : System.console() != null;
    }

    Map<String, String> idempotency() {
      return Map.of("Idempotency-Key", idempotencyKey != null ? idempotencyKey : UUID.randomUUID().toString());
    }

    /** The position token of a 202 ({@code position.token}, else the Poseidon-Position header). */
    static String token(CliHttp.Answer accepted) {
      JsonObject position = accepted.json().getJsonObject("position");
      return position != null && position.getString("token") != null ? position.getString("token")
          : accepted.header("Poseidon-Position").orElse(null);
    }
  }

  /** {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, a number of seconds, or ISO-8601 ({@code PT5M}). */
  static Duration duration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\s*(ms|s|m|h)?$").matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      Duration d = switch (unit) {
        case "ms" -> Duration.ofMillis(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofSeconds(n);
      };
      if (!d.isZero()) {
        return d;
      }
    }
    try {
      Duration d = Duration.parse(text.trim().toUpperCase(Locale.ROOT));
      if (!d.isNegative() && !d.isZero()) {
        return d;
      }
    } catch (java.time.format.DateTimeParseException e) {
      // below
    }
    throw new IllegalArgumentException("a duration such as 30s, 10m or 1h, got " + text);
  }

  @Command(name = "deploy", mixinStandardHelpOptions = true,
      description = "Deploy a version of a service through environments in order (POST /api/v1/deployments); "
          + "prints the deployment id. With --wait: a line per environment, updated as its steps change, until "
          + "the deployment ends (exit 0 SUCCEEDED, 1 FAILED / ROLLED_BACK / CANCELLED, 4 --timeout).")
  static final class Deploy extends Waiting {
    @Parameters(index = "0", paramLabel = "SERVICE")
    String service;

    @Parameters(index = "1", paramLabel = "VERSION")
    String version;

    @Option(names = {"--env", "--environments"}, required = true, split = ",", paramLabel = "ENV",
        description = "Environments in order, e.g. dev,staging,prod.")
    List<String> environments;

    @Option(names = "--strategy", defaultValue = "rolling", description = "rolling (default), canary or blue-green.")
    String strategy;

    @Option(names = "--health-gate", paramLabel = "DURATION", description = "How long each health gate watches "
        + "(default: harbor's harbor.default.health.gate.seconds).")
    String healthGate;

    @Override
    int execute(CliHttp http) throws Exception {
      if (!List.of("rolling", "canary", "blue-green").contains(strategy)) {
        throw usage("--strategy must be rolling, canary or blue-green, got " + strategy);
      }
      Duration limit = waitLimit();
      JsonObject request = new JsonObject().put("service", service).put("version", version)
          .put("environments", new JsonArray(new ArrayList<>(environments))).put("strategy", strategy);
      if (healthGate != null) {
        try {
          request.put("healthGateSeconds", Math.max(1, duration(healthGate).toSeconds()));
        } catch (IllegalArgumentException e) {
          throw usage("--health-gate: " + e.getMessage());
        }
      }
      String[] id = new String[1];
      List<EventStream.Event> early = new java.util.concurrent.CopyOnWriteArrayList<>();
      Follower follower = null;
      if (await) { // before the POST: no event of the deployment can be missed
        follower = new Follower(new EventStream(http, "topics=" + DEPLOYMENT_EVENTS + "&key=" + CliHttp.enc(service),
            "latest"), e -> id[0] == null ? early.add(e) : id[0].equals(e.payload().getString("deploymentId")), err());
        follower = connected(follower);
      }
      CliHttp.Answer accepted = http.post("/api/v1/deployments", request, idempotency());
      if (accepted.status() != 202) {
        stop(follower);
        throw CliHttp.failure("deploy " + service + " " + version, accepted);
      }
      JsonObject body = accepted.json();
      id[0] = body.getString("deploymentId");
      if (!await) {
        if (target.json()) {
          out().println(body.encodePrettily());
        } else {
          out().println(id[0]);
        }
        return 0;
      }
      if (!target.json()) {
        out().println(id[0]);
      }
      Progress progress = new Progress(target.json() ? new PrintWriter(java.io.OutputStream.nullOutputStream())
          : out(), tty(), Clock.systemUTC(), environments);
      DeploymentWatch watch = new DeploymentWatch(id[0], service, version, progress);
      for (EventStream.Event e : early) { // what came between the connection and the 202
        if (id[0].equals(e.payload().getString("deploymentId"))) {
          watch.apply(e.type(), e.payload());
        }
      }
      String status = follower != null ? watch.follow(follower, Instant.now().plus(limit))
          : watch.poll(http, token(accepted), Instant.now().plus(limit));
      stop(follower);
      return finishWith(this, http, "deployment", id[0], "/api/v1/deployments/" + CliHttp.seg(id[0]), accepted, status,
          watch.reason, watch.events, limit, List.of("SUCCEEDED"));
    }

    /** The follower once connected; null (poll instead) when the node has no stream route. */
    private Follower connected(Follower follower) throws InterruptedException {
      try {
        follower.awaitConnected(Duration.ofSeconds(20));
        return follower;
      } catch (CliHttp.Failure f) {
        if (f.getMessage().contains("HTTP 404") || f.getMessage().contains("HTTP 406")) {
          err().println("poseidon: this node has no live stream (" + f.getMessage().lines().findFirst().orElse("")
              + "); polling the deployment instead");
          follower.stop();
          return null;
        }
        follower.stop();
        throw f;
      }
    }
  }

  private static void stop(Follower follower) {
    if (follower != null) {
      follower.stop();
    }
  }

  /**
   * What a command ends with once it waited: the entity's final document ({@code --output json}) or the
   * final line; the exit code for {@code status} (null: the wait timed out).
   */
  static int finishWith(Base command, CliHttp http, String noun, String id, String path, CliHttp.Answer accepted,
      String status, String reason, JsonArray events, Duration limit, List<String> success) throws InterruptedException {
    boolean timedOut = status == null;
    if (command.target.json()) {
      JsonObject doc = new JsonObject().put(noun + "Id", id).put("accepted", accepted.json())
          .put("status", timedOut ? "TIMED_OUT" : status).put("events", events);
      CliHttp.Answer current = http.get(path);
      Instant until = Instant.now().plusSeconds(3); // the store may answer a moment after the final event
      while (!timedOut && current.status() == 200 && !status.equals(current.json().getString("status"))
          && Instant.now().isBefore(until)) {
        Thread.sleep(100);
        current = http.get(path);
      }
      doc.put(noun, current.status() == 200 ? current.json() : null);
      command.out().println(doc.encodePrettily());
    } else if (timedOut) {
      command.err().println("poseidon: " + noun + " " + id + " did not end within " + human(limit)
          + " (poseidon query " + noun + " " + id + " shows where it is)");
    } else {
      command.out().println(noun + " " + id + " " + status + (reason == null ? "" : ": " + reason));
    }
    return timedOut ? ClientCommands.EXIT_TIMEOUT : success.contains(status) ? 0 : ClientCommands.EXIT_REJECTED;
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    return s % 3600 == 0 && s > 0 ? s / 3600 + "h" : s % 60 == 0 && s > 0 ? s / 60 + "m" : s > 0 ? s + "s" : d.toMillis() + "ms";
  }

  /** A deployment's progress from its events (harbor.deployment-events) or from its history (polling). */
  static final class DeploymentWatch {
    final String id;
    final String service;
    final String version;
    final Progress progress;
    final JsonArray events = new JsonArray();
    String status = "QUEUED";
    String reason;
    boolean finished;

    DeploymentWatch(String id, String service, String version, Progress progress) {
      this.id = id;
      this.service = service;
      this.version = version;
      this.progress = progress;
      header();
    }

    private void header() {
      progress.header("deployment " + id + ": " + service + " " + version + "  " + status
          + (reason == null ? "" : " (" + reason + ")"));
    }

    /** One event of the deployment: {@code type} as harbor.EnvironmentStepChanged, its payload. */
    void apply(String type, JsonObject p) {
      events.add(new JsonObject().put("type", type).put("payload", p));
      String simple = type == null ? "" : type.substring(type.lastIndexOf('.') + 1);
      switch (simple) {
        case "DeploymentQueued" -> {
          status = "QUEUED";
          reason = "behind " + p.getString("behind");
        }
        case "DeploymentStarted" -> {
          status = "RUNNING";
          reason = null;
        }
        case "EnvironmentStepChanged" -> step(p.getString("environment"), p.getString("action"), p.getString("status"),
            p.getInteger("attempt", 1), p.getString("detail"));
        case "DeploymentFinished" -> {
          status = p.getString("status");
          reason = p.getString("reason");
          finished = true;
        }
        default -> { }
      }
      header();
    }

    void step(String environment, String action, String stepStatus, int attempt, String detail) {
      if (environment == null || action == null || stepStatus == null) {
        return;
      }
      if ("ROLLBACK".equals(action) && !"ROLLING_BACK".equals(status) && !finished) {
        status = "ROLLING_BACK";
        header();
      }
      String again = attempt > 1 ? " (attempt " + attempt + ")" : "";
      String why = detail == null || detail.isBlank() ? "" : ": " + detail;
      String state;
      String text;
      switch (action + " " + stepStatus) {
        case "DEPLOY RUNNING" -> {
          state = "RUNNING";
          text = "deploying" + again;
        }
        case "DEPLOY COMPLETED" -> {
          state = "RUNNING";
          text = "deployed, health gate next";
        }
        case "HEALTH_GATE RUNNING" -> {
          state = "RUNNING";
          text = "deployed, health gate watching" + why;
        }
        case "HEALTH_GATE COMPLETED" -> {
          state = "COMPLETED";
          text = "deployed, health gate passed";
        }
        case "ROLLBACK RUNNING" -> {
          state = "RUNNING";
          text = "rolling back" + again;
        }
        case "ROLLBACK COMPLETED" -> {
          state = "ROLLED_BACK";
          text = "rolled back";
        }
        default -> {
          state = stepStatus;
          text = action.toLowerCase(Locale.ROOT).replace('_', ' ') + " " + stepStatus.toLowerCase(Locale.ROOT)
              .replace('_', ' ') + again + why;
        }
      }
      progress.update(environment, state, text);
    }

    /** Follows the stream until the deployment finished (its status) or {@code deadline} (null). */
    String follow(Follower follower, Instant deadline) throws InterruptedException {
      while (!finished) {
        Object next = follower.next(deadline);
        if (next == null || next == Follower.STOPPED) {
          return finished ? status : null;
        }
        EventStream.Event e = (EventStream.Event) next;
        apply(e.type(), e.payload());
      }
      return status;
    }

    /** Without a stream: the deployment read every second until it finished. */
    String poll(CliHttp http, String after, Instant deadline) throws InterruptedException {
      int applied = 0;
      String path = "/api/v1/deployments/" + CliHttp.seg(id) + (after == null ? "" : "?after=" + CliHttp.enc(after));
      while (Instant.now().isBefore(deadline)) {
        CliHttp.Answer answer = http.get(path);
        if (answer.status() == 200) {
          JsonObject d = answer.json();
          JsonArray history = d.getJsonArray("history", new JsonArray());
          for (; applied < history.size(); applied++) {
            JsonObject h = history.getJsonObject(applied);
            step(h.getString("environment"), h.getString("action"), h.getString("status"), 1, h.getString("detail"));
          }
          status = d.getString("status", status);
          reason = d.getString("reason");
          header();
          if (!List.of("QUEUED", "RUNNING", "ROLLING_BACK").contains(status)) {
            finished = true;
            return status;
          }
        } else if (answer.status() != 404 && answer.status() != 504) {
          throw CliHttp.failure("deployment " + id, answer);
        }
        Thread.sleep(1000);
      }
      return null;
    }
  }

  // commit ------------------------------------------------------------------------------------------

  @Command(name = "commit", mixinStandardHelpOptions = true,
      description = "Start a commit workflow (POST /api/v1/workflows): quality checks, the CI pipeline, then the "
          + "deployment; prints the workflow id. With --wait: a line per step until it ends (exit 0 COMPLETED, "
          + "1 FAILED, 4 --timeout).")
  static final class Commit extends Waiting {
    @Parameters(index = "0", paramLabel = "SERVICE")
    String service;

    @Parameters(index = "1", paramLabel = "COMMIT", description = "The commit's sha (7-40 hex digits).")
    String commit;

    @Option(names = "--branch", defaultValue = "main", description = "Default ${DEFAULT-VALUE}.")
    String branch;

    @Option(names = "--author", description = "Default: $USER.")
    String author;

    @Option(names = {"--env", "--environments"}, split = ",", paramLabel = "ENV",
        description = "Where the workflow deploys, in order (default: current's, dev,staging,prod).")
    List<String> environments;

    @Override
    int execute(CliHttp http) throws Exception {
      Duration limit = waitLimit();
      String who = author != null ? author : System.getenv().getOrDefault("USER", "poseidon-cli");
      JsonObject request = new JsonObject().put("service", service).put("commit", commit).put("branch", branch)
          .put("author", who);
      if (environments != null && !environments.isEmpty()) {
        request.put("environments", new JsonArray(new ArrayList<>(environments)));
      }
      String[] id = new String[1];
      List<EventStream.Event> early = new java.util.concurrent.CopyOnWriteArrayList<>();
      Follower follower = null;
      if (await) { // workflow events are keyed by the workflow id, known after the POST: read them all, keep ours
        follower = new Follower(new EventStream(http, "topics=" + WORKFLOW_EVENTS, "latest"),
            e -> id[0] == null ? early.add(e) : id[0].equals(e.payload().getString("workflowId")), err());
        follower.awaitConnected(Duration.ofSeconds(20));
      }
      CliHttp.Answer accepted = http.post("/api/v1/workflows", request, idempotency());
      if (accepted.status() != 202) {
        stop(follower);
        throw CliHttp.failure("commit " + service + " " + commit, accepted);
      }
      id[0] = accepted.json().getString("workflowId");
      if (!await) {
        out().println(target.json() ? accepted.json().encodePrettily() : id[0]);
        return 0;
      }
      if (!target.json()) {
        out().println(id[0]);
      }
      Progress progress = new Progress(target.json() ? new PrintWriter(java.io.OutputStream.nullOutputStream())
          : out(), tty(), Clock.systemUTC(), List.of("QUALITY_CHECKS", "PIPELINE", "DEPLOYMENT"));
      WorkflowWatch watch = new WorkflowWatch(id[0], service, commit, progress);
      for (EventStream.Event e : early) {
        if (id[0].equals(e.payload().getString("workflowId"))) {
          watch.apply(e.type(), e.payload());
        }
      }
      String status = watch.follow(follower, Instant.now().plus(limit));
      stop(follower);
      return finishWith(this, http, "workflow", id[0], "/api/v1/workflows/" + CliHttp.seg(id[0]), accepted, status,
          watch.reason, watch.events, limit, List.of("COMPLETED"));
    }
  }

  /** A workflow's progress per step from current.workflow-events. */
  static final class WorkflowWatch {
    final String id;
    final Progress progress;
    final String title;
    final JsonArray events = new JsonArray();
    String status = "RUNNING";
    String reason;
    boolean finished;

    WorkflowWatch(String id, String service, String commit, Progress progress) {
      this.id = id;
      this.progress = progress;
      this.title = "workflow " + id + ": " + service + " @ " + commit;
      progress.header(title + "  " + status);
    }

    void apply(String type, JsonObject p) {
      events.add(new JsonObject().put("type", type).put("payload", p));
      String simple = type == null ? "" : type.substring(type.lastIndexOf('.') + 1);
      switch (simple) {
        case "WorkflowStepChanged" -> {
          String s = p.getString("status", "");
          String ref = p.getString("reference");
          String detail = p.getString("detail");
          progress.update(p.getString("step"), s, s.toLowerCase(Locale.ROOT).replace('_', ' ')
              + (ref == null ? "" : " " + ref) + (detail == null || detail.isBlank() ? "" : ": " + detail));
        }
        case "WorkflowCompleted" -> {
          status = "COMPLETED";
          reason = "deployment " + p.getString("deploymentId");
          finished = true;
        }
        case "WorkflowFailed" -> {
          status = "FAILED";
          reason = p.getString("step") + ": " + p.getString("cause");
          progress.update(p.getString("step"), "FAILED", "failed: " + p.getString("cause"));
          finished = true;
        }
        default -> { }
      }
      progress.header(title + "  " + status + (reason == null ? "" : " (" + reason + ")"));
    }

    String follow(Follower follower, Instant deadline) throws InterruptedException {
      while (!finished) {
        Object next = follower.next(deadline);
        if (next == null || next == Follower.STOPPED) {
          return finished ? status : null;
        }
        EventStream.Event e = (EventStream.Event) next;
        apply(e.type(), e.payload());
      }
      return status;
    }
  }

  // query -------------------------------------------------------------------------------------------

  /** The kinds {@code query} knows: what the id is and where it is read. */
  enum Kind {
    DEPLOYMENT("ID", "a deployment's saga state and history (harbor)"),
    WORKFLOW("ID", "a commit workflow (current)"),
    TIMELINE("WORKFLOW_ID", "every event of a workflow, causes first (current)"),
    PIPELINE("RUN_ID", "a CI pipeline run with its stages (forge)"),
    INSTANCE("SERVICE/INSTANCE", "one live instance (depths)"),
    INSTANCES("SERVICE", "a service's live instances (depths)"),
    CONFIG("SERVICE/ENV", "the configuration in effect (anchor)"),
    HEALTH("SERVICE", "lighthouse's judgement per environment"),
    VERSIONS("SERVICE", "the version running in each environment (harbor)");

    final String id;
    final String what;

    Kind(String id, String what) {
      this.id = id;
      this.what = what;
    }

    String path(String id) {
      String[] parts = id.split("/", 2);
      boolean pair = parts.length == 2 && !parts[0].isBlank() && !parts[1].isBlank();
      return switch (this) {
        case DEPLOYMENT -> "/api/v1/deployments/" + CliHttp.seg(id);
        case WORKFLOW -> "/api/v1/workflows/" + CliHttp.seg(id);
        case TIMELINE -> "/api/v1/workflows/" + CliHttp.seg(id) + "/timeline";
        case PIPELINE -> "/api/v1/pipeline-runs/" + CliHttp.seg(id);
        case INSTANCE -> pair ? "/api/v1/services/" + CliHttp.seg(parts[0]) + "/instances/" + CliHttp.seg(parts[1]) : null;
        case INSTANCES -> "/api/v1/services/" + CliHttp.seg(id) + "/instances";
        case CONFIG -> pair ? "/api/v1/config/" + CliHttp.seg(parts[0]) + "/" + CliHttp.seg(parts[1]) : null;
        case HEALTH -> "/api/v1/services/" + CliHttp.seg(id) + "/health";
        case VERSIONS -> "/api/v1/services/" + CliHttp.seg(id) + "/versions";
      };
    }

    static String list() {
      StringBuilder s = new StringBuilder();
      for (Kind k : values()) {
        s.append(String.format(Locale.ROOT, "%n  %-10s %-17s %s", k.name().toLowerCase(Locale.ROOT), k.id, k.what));
      }
      return s.toString();
    }
  }

  @Command(name = "query", mixinStandardHelpOptions = true,
      description = "Read a service's store: KIND ID, where KIND is deployment, workflow, timeline, pipeline, "
          + "instance (SERVICE/INSTANCE), instances, config (SERVICE/ENV), health or versions. Prints who answered "
          + "(Poseidon-Served-By, -Replica, -Lag) on stderr, or under \"_meta\" with --output json.")
  static final class Query extends Base {
    @Parameters(index = "0", paramLabel = "KIND")
    String kind;

    @Parameters(index = "1", paramLabel = "ID")
    String id;

    @Option(names = "--after", paramLabel = "POSITION", description = "Read your writes: the position token of a "
        + "command's 202 (topic:partition:offset); the store answers once it processed it.")
    String after;

    @Option(names = "--wait-for", paramLabel = "DURATION", description = "How long --after waits on the node "
        + "(its ?timeout=, default 5s, at most 30s).")
    String waitFor;

    @Override
    int execute(CliHttp http) throws Exception {
      Kind k;
      try {
        k = Kind.valueOf(kind.toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw usage("unknown kind " + kind + "; one of:" + Kind.list());
      }
      String path = k.path(id);
      if (path == null) {
        throw usage(k.name().toLowerCase(Locale.ROOT) + " takes " + k.id + ", got " + id);
      }
      StringBuilder query = new StringBuilder();
      if (after != null) {
        query.append("after=").append(CliHttp.enc(after));
      }
      if (waitFor != null) {
        query.append(query.length() > 0 ? "&" : "").append("timeout=").append(CliHttp.enc(waitFor));
      }
      String full = path + (query.length() > 0 ? "?" + query : "");
      CliHttp.Answer answer = http.get(full);
      if (answer.status() == 404) {
        throw new CliHttp.Failure(ClientCommands.EXIT_REJECTED, "no " + k.name().toLowerCase(Locale.ROOT) + " " + id
            + " (HTTP 404 " + answer.json().getString("code", "") + ": " + answer.json().getString("message", answer.body())
            + ")");
      }
      if (answer.status() != 200) {
        throw CliHttp.failure(k.name().toLowerCase(Locale.ROOT) + " " + id, answer);
      }
      JsonObject body = answer.json();
      if (k == Kind.INSTANCES) {
        body.put("instances", new JsonArray(pages(http, full, answer, "instances"))).remove("nextCursor");
      }
      JsonObject meta = answer.meta();
      if (target.json()) {
        out().println(body.copy().put("_meta", meta).encodePrettily());
      } else {
        render(body, out());
        err().println(metaLine(meta));
      }
      return 0;
    }
  }

  /** {@code served by node-1 (active, lag 0)} from a query's headers. */
  static String metaLine(JsonObject meta) {
    if (meta.isEmpty()) {
      return "(the answer names no node: no Poseidon-Served-By header)";
    }
    List<String> parts = new ArrayList<>();
    if (meta.getValue("replica") != null) {
      parts.add(String.valueOf(meta.getValue("replica")));
    }
    if (meta.getValue("lag") != null) {
      parts.add("lag " + meta.getValue("lag"));
    }
    return "served by " + meta.getValue("servedBy", "?") + (parts.isEmpty() ? "" : " (" + String.join(", ", parts) + ")");
  }

  /** A JSON answer as text: scalars as {@code name: value}, lists one item a line, objects inline. */
  static void render(JsonObject body, PrintWriter out) {
    int width = 0;
    for (String name : body.fieldNames()) {
      width = Math.max(width, name.length());
    }
    for (Map.Entry<String, Object> field : body) {
      Object v = field.getValue();
      if (v instanceof JsonArray list && !list.isEmpty() && list.getValue(0) instanceof JsonObject) {
        out.println(field.getKey() + ":");
        for (Object item : list) {
          out.println("  - " + inline((JsonObject) item));
        }
      } else {
        out.printf(Locale.ROOT, "%-" + (width + 1) + "s %s%n", field.getKey() + ":",
            v instanceof JsonObject o ? inline(o) : v instanceof JsonArray a ? String.join(", ", strings(a)) : String.valueOf(v));
      }
    }
  }

  private static String inline(JsonObject o) {
    StringBuilder s = new StringBuilder();
    for (Map.Entry<String, Object> f : o) {
      if (f.getValue() != null) {
        s.append(s.length() == 0 ? "" : "  ").append(f.getKey()).append('=').append(f.getValue());
      }
    }
    return s.toString();
  }
}
