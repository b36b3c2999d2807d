package io.poseidon.gateway;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The client commands of {@code poseidon}: {@code publish} and {@code ingest} send NDJSON (a file or
 * stdin) to a running node's gateway, showing progress on long input (records/s, rejected) and a
 * summary at the end. A 503 (Kafka or the gateway busy) is retried after its Retry-After.
 *
 * <p>Exit codes, the same for every client command of {@code poseidon} (publish, ingest, search, ask,
 * status, tail, deploy, query, commit; docs/cli.md has the table):
 * <ul>
 *   <li>0 done: everything accepted; a deployment or workflow that succeeded
 *   <li>{@link #EXIT_REJECTED} 1 refused or failed: records rejected, a 4xx (403, 404, 409 ...), a
 *       deployment FAILED / ROLLED_BACK / CANCELLED, a workflow FAILED, nothing found
 *   <li>{@link #EXIT_USAGE} 2 usage: bad options or arguments, a 400 on them, a command of {@code ask}
 *       not confirmed
 *   <li>{@link #EXIT_UNREACHABLE} 3 the gateway cannot be reached or cannot answer (5xx)
 *   <li>{@link #EXIT_TIMEOUT} 4 not reached in time: {@code --wait} past {@code --timeout}, a
 *       read-your-writes position not reached (504)
 * </ul>
 */
@Command(name = "poseidon", mixinStandardHelpOptions = true, subcommands = {
    ClientCommands.Publish.class, ClientCommands.Ingest.class})
public final class ClientCommands {

  static final int EXIT_REJECTED = 1;
  static final int EXIT_USAGE = 2;
  static final int EXIT_UNREACHABLE = 3;
  static final int EXIT_TIMEOUT = 4;
  private static final int MAX_RETRIES = 8;
  private static final int SHOWN_REJECTIONS = 10;

  private ClientCommands() {}

  /** Runs {@code args} ({@code publish ...} or {@code ingest ...}); the exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    CommandLine line = new CommandLine(new ClientCommands());
    line.setOut(new java.io.PrintWriter(out, true));
    line.setErr(new java.io.PrintWriter(err, true));
    return line.execute(args);
  }

  /** What both commands share: where the gateway is, who calls, where the input comes from. */
  abstract static class Common implements Callable<Integer> {
    @Option(names = "--url", description = "The gateway (default: $POSEIDON_URL or http://localhost:8080).")
    String url;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "NDJSON input, one record per line (default: stdin).")
    Path file;

    @Option(names = "--api-key", description = "API key to send as X-API-Key (default: $POSEIDON_API_KEY, else "
        + ".poseidon/admin-key of a local stack).")
    String apiKey;

    @Option(names = "--quiet", description = "No progress lines, only the summary.")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final List<String> rejections = java.util.Collections.synchronizedList(new ArrayList<>());
    private long startNanos;
    private long lastProgress;
    private java.util.concurrent.ExecutorService workers;
    private Semaphore inFlight;
    private final List<CompletableFuture<Void>> pending = new ArrayList<>();

    /** Requests in flight at most. */
    abstract int concurrency();

    /** One request's work, on a worker thread. */
    interface Task {
      void run() throws Exception;
    }

    /** Runs {@code task} on a worker once fewer than {@link #concurrency()} requests are in flight. */
    void submit(Task task) throws InterruptedException {
      inFlight.acquire();
      pending.add(CompletableFuture.runAsync(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new java.util.concurrent.CompletionException(e);
        } finally {
          inFlight.release();
          progress(false);
        }
      }, workers));
      pending.removeIf(f -> f.isDone() && !f.isCompletedExceptionally()); // a failure stays, to be seen
    }

    /** A request already failed for good (the topic does not exist): stop reading input. */
    boolean failedForGood() {
      return pending.stream().anyMatch(CompletableFuture::isCompletedExceptionally);
    }

    String base() {
      String u = url != null ? url : System.getenv().getOrDefault("POSEIDON_URL", "http://localhost:8080");
      return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    java.util.Optional<String> apiKey() {
      return ClientCredentials.apiKey(apiKey);
    }

    BufferedReader input() throws IOException {
      return file == null ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
          : Files.newBufferedReader(file, StandardCharsets.UTF_8);
    }

    @Override
    public Integer call() throws Exception {
      startNanos = System.nanoTime();
      lastProgress = startNanos; // the first progress line after a second: a short run shows the summary only
      int threads = Math.max(1, concurrency());
      inFlight = new Semaphore(threads);
      workers = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, "poseidon-client");
        t.setDaemon(true);
        return t;
      });
      try (BufferedReader in = input()) {
        send(in);
        awaitAll(pending);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "no such file: " + file);
      } catch (ConnectException e) {
        spec.commandLine().getErr().println("poseidon: cannot reach the gateway at " + base()
            + " (is a node running? ./poseidon dev starts one; --url or POSEIDON_URL for another)");
        return EXIT_UNREACHABLE;
      } catch (TopicNotFound e) {
        spec.commandLine().getErr().println("poseidon: " + e.getMessage());
        return EXIT_USAGE;
      } finally {
        workers.shutdownNow();
      }
      progress(true);
      return rejected.get() + failed.get() == 0 ? 0 : EXIT_REJECTED;
    }

    abstract void send(BufferedReader in) throws Exception;

    abstract String noun();

    /** A POST, retried on 503 after Retry-After (Kafka or the gateway busy); the last answer. */
    HttpResponse<String> post(String path, String contentType, String body) throws Exception {
      HttpRequest request = ClientCredentials.with(HttpRequest.newBuilder(URI.create(base() + path))
          .timeout(Duration.ofSeconds(60)).header("Content-Type", contentType), apiKey())
          .POST(HttpRequest.BodyPublishers.ofString(body)).build();
      HttpResponse<String> response = null;
      for (int attempt = 0; attempt <= MAX_RETRIES; attempt++) {
        try {
          response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
          if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            throw new ConnectException(e.getMessage());
          }
          throw e;
        }
        if (response.statusCode() != 503) {
          return response;
        }
        long wait = response.headers().firstValue("Retry-After").map(Long::parseLong).orElse(1L);
        Thread.sleep(Math.min(wait * 1000L * (attempt + 1), 10_000L));
      }
      return response;
    }

    void reject(String where, String field, String message) {
      rejected.incrementAndGet();
      if (rejections.size() < SHOWN_REJECTIONS) {
        rejections.add(where + ": " + field + " " + message);
        spec.commandLine().getErr().println("  rejected " + where + ": " + field + " " + message);
      }
    }

    /** One progress line a second (and the summary at the end). */
    synchronized void progress(boolean done) {
      long now = System.nanoTime();
      if (!done && (quiet || now - lastProgress < 1_000_000_000L)) {
        return;
      }
      lastProgress = now;
      double seconds = Math.max(1e-3, (now - startNanos) / 1e9);
      String line = String.format(Locale.ROOT, "%s %,d %s in %.1f s (%,.0f/s): %,d accepted, %,d rejected%s",
          done ? "done:" : "…", sent.get(), noun(), seconds, sent.get() / seconds, accepted.get(), rejected.get(),
          failed.get() > 0 ? ", " + String.format(Locale.ROOT, "%,d", failed.get()) + " not written" : "");
      (done ? spec.commandLine().getOut() : spec.commandLine().getErr()).println(line);
      if (done && rejected.get() > rejections.size()) {
        spec.commandLine().getErr().println("  (" + (rejected.get() - rejections.size()) + " more rejections not shown)");
      }
    }
  }

  @Command(name = "publish", mixinStandardHelpOptions = true,
      description = "Publish events (JSON, one per line) to a public topic through a running node "
          + "(POST /api/v1/topics/{topic}/events; GET /api/v1/topics lists the topics).")
  static final class Publish extends Common {
    @Parameters(index = "0", paramLabel = "TOPIC", description = "A public topic, e.g. tide.ingest.")
    String topic;

    @Option(names = "--key", description = "The record key of every event.")
    String key;

    @Option(names = "--key-field", paramLabel = "PATH", description = "Take each event's key from this field (a.b for nested).")
    String keyField;

    @Option(names = "--concurrency", defaultValue = "16", description = "Requests in flight (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Override
    int concurrency() {
      return concurrency;
    }

    @Override
    String noun() {
      return "events";
    }

    @Override
    void send(BufferedReader in) throws Exception {
      if (key != null && keyField != null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "give --key or --key-field, not both");
      }
      String line;
      int lineNumber = 0;
      while ((line = in.readLine()) != null && !failedForGood()) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        String where = "line " + lineNumber;
        String eventKey = key;
        if (keyField != null) {
          try {
            Object value = path(new JsonObject(line), keyField);
            if (value == null) {
              reject(where, keyField, "is missing (the key)");
              sent.incrementAndGet();
              continue;
            }
            eventKey = String.valueOf(value);
          } catch (DecodeException | ClassCastException e) {
            reject(where, "line", "is not a JSON object");
            sent.incrementAndGet();
            continue;
          }
        }
        String query = eventKey == null ? "" : "?key=" + URLEncoder.encode(eventKey, StandardCharsets.UTF_8);
        String body = line;
        sent.incrementAndGet();
        submit(() -> {
          HttpResponse<String> response = post("/api/v1/topics/" + topic + "/events" + query, "application/json", body);
          if (response.statusCode() == 202) {
            accepted.incrementAndGet();
          } else if (response.statusCode() == 404) {
            throw new TopicNotFound(errorMessage(response.body()));
          } else if (response.statusCode() / 100 == 4) {
            JsonObject error = errorBody(response.body());
            JsonArray details = error.getJsonArray("details", new JsonArray());
            if (details.isEmpty()) {
              reject(where, "", error.getString("message", response.body()));
            } else {
              details.forEach(d -> reject(where, ((JsonObject) d).getString("field"), ((JsonObject) d).getString("message")));
              rejected.addAndGet(1 - details.size()); // one event, however many errors
            }
          } else {
            failed.incrementAndGet();
            spec.commandLine().getErr().println("  not written " + where + ": HTTP " + response.statusCode() + " "
                + errorMessage(response.body()));
          }
        });
      }
    }

    private static Object path(JsonObject json, String path) {
      Object current = json;
      for (String part : path.split("\\.")) {
        current = current instanceof JsonObject obj ? obj.getValue(part) : null;
      }
      return current;
    }
  }

  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = "Ingest raw records (IngestEnvelope JSON, one per line) through a running node's tide "
          + "(POST /api/v1/ingest as application/x-ndjson, in batches).")
  static final class Ingest extends Common {
    @Option(names = "--batch", defaultValue = "500", description = "Records per request, at most 1000 (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--concurrency", defaultValue = "2", description = "Batches in flight (default ${DEFAULT-VALUE}).")
    int concurrency;

    @Override
    int concurrency() {
      return concurrency;
    }

    @Override
    String noun() {
      return "records";
    }

    @Override
    void send(BufferedReader in) throws Exception {
      if (batch < 1 || batch > 1000) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--batch must be 1-1000, got " + batch);
      }
      StringBuilder body = new StringBuilder();
      List<Integer> lineNumbers = new ArrayList<>();
      String line;
      int lineNumber = 0;
      while (true) {
        line = in.readLine();
        if (line != null) {
          lineNumber++;
          if (line.isBlank()) {
            continue;
          }
          body.append(line).append('\n');
          lineNumbers.add(lineNumber);
        }
        if (!lineNumbers.isEmpty() && (line == null || lineNumbers.size() >= batch)) {
          String payload = body.toString();
          List<Integer> numbers = List.copyOf(lineNumbers);
          body.setLength(0);
          lineNumbers.clear();
          sent.addAndGet(numbers.size());
          submit(() -> answer(post("/api/v1/ingest", "application/x-ndjson", payload), numbers));
        }
        if (line == null) {
          break;
        }
      }
    }

    /** Counts one batch's answer; rejected items by their line in the input. */
    private void answer(HttpResponse<String> response, List<Integer> lineNumbers) {
      if (response.statusCode() == 202 || response.statusCode() == 400) {
        JsonObject body = errorBody(response.body());
        if (response.statusCode() == 202) {
          accepted.addAndGet(body.getLong("accepted", 0L));
          java.util.Set<Integer> counted = new java.util.HashSet<>();
          for (Object r : body.getJsonArray("rejected", new JsonArray())) {
            JsonObject item = (JsonObject) r;
            int index = item.getInteger("index", 0);
            String where = "line " + lineOf(lineNumbers, index);
            if (counted.add(index)) {
              reject(where, item.getString("field"), item.getString("message"));
            } else if (rejections.size() < SHOWN_REJECTIONS) {
              spec.commandLine().getErr().println("  rejected " + where + ": " + item.getString("field") + " "
                  + item.getString("message"));
            }
          }
        } else {
          java.util.Set<String> counted = new java.util.HashSet<>();
          for (Object d : body.getJsonArray("details", new JsonArray())) {
            JsonObject detail = (JsonObject) d;
            String field = detail.getString("field", "");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\[(\\d+)]\\.(.*)$").matcher(field);
            int index = m.matches() ? Integer.parseInt(m.group(1)) : -1;
            String where = index < 0 ? "batch" : "line " + lineOf(lineNumbers, index);
            if (counted.add(where)) {
              reject(where, m.matches() ? m.group(2) : field, detail.getString("message"));
            }
          }
          // a batch refused as a whole (no per-item details): every line of it
          rejected.addAndGet(Math.max(0, lineNumbers.size() - counted.size()));
        }
      } else {
        failed.addAndGet(lineNumbers.size());
        spec.commandLine().getErr().println("  not written: lines " + lineNumbers.get(0) + "-"
            + lineNumbers.get(lineNumbers.size() - 1) + ": HTTP " + response.statusCode() + " " + errorMessage(response.body()));
      }
    }

    /** NDJSON indexes are line numbers of the request body; the batch's own lines are not blank. */
    private static int lineOf(List<Integer> lineNumbers, int index) {
      return index >= 0 && index < lineNumbers.size() ? lineNumbers.get(index) : -1;
    }
  }

  /** The topic does not exist: nothing else will work either. */
  static final class TopicNotFound extends RuntimeException {
    TopicNotFound(String message) {
      super(message, null, false, false);
    }
  }

  private static void awaitAll(List<CompletableFuture<Void>> pending) throws Exception {
    try {
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  private static JsonObject errorBody(String body) {
    try {
      return new JsonObject(body);
    } catch (DecodeException e) {
      return new JsonObject().put("message", body);
    }
  }

  private static String errorMessage(String body) {
    return errorBody(body).getString("message", body);
  }
}
