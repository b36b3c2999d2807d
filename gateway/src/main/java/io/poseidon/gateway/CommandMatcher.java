package io.poseidon.gateway;

import io.poseidon.processors.oracle.Embedder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code poseidon ask "..."} does with a request rather than a question: finds the CLI command it
 * means by embedding similarity (all-MiniLM-L6-v2, oracle's {@link Embedder}) between the sentence and
 * the CLI's own verbs and arguments, and fills the arguments from the sentence (service names, versions,
 * environments, commits, ids, topics).
 *
 * <p>The sentence is compared with its arguments replaced by what they are ({@code deploy payments 1.4.2
 * to staging} becomes {@code deploy service version to environment}), so the similarity measures the
 * intent, not the names. A question ({@code how ...}, {@code why ...}, {@code what is ...}) or a sentence
 * below {@link #THRESHOLD} for every command is not a request: it goes to oracle's answer.
 */
final class CommandMatcher {

  /** The similarity a sentence needs with one of a command's phrasings to mean that command. */
  static final double THRESHOLD = 0.72;

  /** What was found in a sentence. */
  static final class Slots {
    String service;
    String version;
    final List<String> environments = new ArrayList<>();
    String commit;
    String id;
    String topic;
    String strategy;
    String instance;
    final Set<String> nouns = new LinkedHashSet<>();
  }

  /**
   * One command {@code ask} can resolve to.
   *
   * @param needs the slots the command line cannot do without
   * @param line the command line from the slots
   */
  record Intent(String name, List<String> phrases, List<String> needs, Function<Slots, List<String>> line) {}

  /** A resolved request: the command line (without {@code poseidon}) or what it still misses. */
  record Match(String intent, double score, String phrase, String masked, List<String> args, List<String> missing) {
    boolean complete() {
      return missing.isEmpty();
    }

    String commandLine() {
      StringBuilder s = new StringBuilder("poseidon");
      for (String a : args) {
        s.append(' ').append(a.isEmpty() || a.matches(".*[\\s'\"$`\\\\*?;&|<>()].*") ? "'" + a.replace("'", "'\\''") + "'" : a);
      }
      return s.toString();
    }
  }

  static final Map<String, String> ENVIRONMENTS = new LinkedHashMap<>();

  static {
    for (String e : List.of("dev", "staging", "prod", "qa", "test", "uat", "sandbox", "preprod", "canary-env")) {
      ENVIRONMENTS.put(e, e);
    }
    ENVIRONMENTS.put("development", "dev");
    ENVIRONMENTS.put("stage", "staging");
    ENVIRONMENTS.put("production", "prod");
  }

  /** Topics by the words that name them. */
  private static final Map<String, String> TOPIC_WORDS = Map.ofEntries(
      Map.entry("deployment", OpsCommands.DEPLOYMENT_EVENTS), Map.entry("deployments", OpsCommands.DEPLOYMENT_EVENTS),
      Map.entry("deploy", OpsCommands.DEPLOYMENT_EVENTS), Map.entry("workflow", OpsCommands.WORKFLOW_EVENTS),
      Map.entry("workflows", OpsCommands.WORKFLOW_EVENTS), Map.entry("commits", OpsCommands.WORKFLOW_EVENTS),
      Map.entry("pipeline", "forge.pipeline-events"), Map.entry("pipelines", "forge.pipeline-events"),
      Map.entry("builds", "forge.pipeline-events"), Map.entry("alerts", "lighthouse.alerts"),
      Map.entry("alert", "lighthouse.alerts"), Map.entry("logs", "lighthouse.logs"),
      Map.entry("health", "lighthouse.service-health"), Map.entry("instances", "depths.instance-changes"),
      Map.entry("registrations", "depths.instance-changes"), Map.entry("metrics", "lighthouse.metrics"),
      Map.entry("config", "anchor.config"), Map.entry("documents", "oracle.documents"));

  /** Topics whose key is the service name (tail --key); the others are filtered by service:S. */
  private static final Set<String> KEYED_BY_SERVICE = Set.of(OpsCommands.DEPLOYMENT_EVENTS, "lighthouse.alerts",
      "lighthouse.logs", "lighthouse.service-health", "depths.instance-changes", "lighthouse.metrics",
      "harbor.agent-commands", "harbor.agent-results", "harbor.deployment-commands", "depths.registrations");

  private static final Set<String> STOPWORDS = Set.copyOf(List.of("a", "an", "the", "to", "in", "into", "on", "of", "for", "and",
      "me", "my", "please", "now", "new", "version", "release", "service", "services", "environment", "environments",
      "env", "envs", "with", "from", "at", "is", "are", "it", "its", "all", "every", "this", "that", "what", "how",
      "can", "you", "i", "we", "our", "us", "let", "lets", "let's", "be", "do", "does", "run", "running", "show",
      "get", "give", "list", "tell", "about", "then", "up", "out", "by", "via", "using", "strategy", "rolling",
      "canary", "blue-green", "bluegreen", "deploy", "deployment", "deployments", "ship", "roll", "rollout",
      "push", "promote", "status", "state", "tail", "watch", "follow", "stream", "live", "events", "event", "query",
      "look", "read", "commit", "workflow", "workflows", "pipeline", "pipelines", "run", "runs", "instance",
      "instances", "config", "configuration", "settings", "health", "healthy", "versions", "timeline", "start",
      "trigger", "kick", "off", "build", "builds", "ci", "id", "where", "which", "who", "why", "when", "there",
      "alerts", "alert", "logs", "log", "metrics", "happening", "going", "overall", "platform", "cluster", "everything",
      "whole", "check", "current", "currently", "find", "fetch", "details", "detail", "history", "was", "were",
      "has", "have", "had", "did", "should", "could", "would", "will", "shall", "wait", "waiting", "branch", "main",
      "latest", "newest", "just", "also", "so", "than", "too", "very", "some", "any", "each", "one", "two", "both",
      "who's", "what's", "how's", "explain", "describe", "mean", "means", "work", "works", "happens", "steps",
      "step", "gate", "gates", "rollback", "back", "thing", "things", "registered", "live", "deployed", "jobs",
      "job", "changes", "change", "topic", "topics", "key", "keys", "sure", "go", "ahead", "kindly", "quickly",
      "into", "onto", "over", "across", "through", "per", "everywhere", "again", "dashboard", "overview", "summary",
      "cli", "poseidon", "command", "commands", "today", "right", "anything", "something", "shows", "view", "open"));

  private static final Pattern VERSION = Pattern.compile("(?<![\\w.-])v?(\\d+\\.\\d+(?:\\.\\d+)?(?:[-+][0-9A-Za-z.-]+)?)(?![\\w.])");
  private static final Pattern DEPLOYMENT_ID = Pattern.compile(
      "(?<![\\w.-])([a-z0-9][a-z0-9-]*\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![\\w.-])");
  private static final Pattern ID = Pattern.compile("(?<![\\w.:-])([A-Za-z0-9][A-Za-z0-9._:-]*[-.:][A-Za-z0-9._:-]*\\d"
      + "[A-Za-z0-9._:-]*|[A-Za-z0-9._:-]*\\d[A-Za-z0-9._:-]*[-.:][A-Za-z0-9._:-]*)(?![\\w.:-])");
  private static final Pattern SHA = Pattern.compile("(?<![\\w.-])([0-9a-f]{7,40})(?![\\w.-])");
  private static final Pattern TOPIC = Pattern.compile("(?<![\\w.-])([a-z]+\\.[a-z][a-z-]+)(?![\\w.-])");
  private static final Pattern WORD = Pattern.compile("[a-z0-9][a-z0-9'-]*");
  private static final Pattern QUESTION = Pattern.compile("^(how|why|explain|describe|when|who|where|what\\s+(is|are|does|do|did|happens|happened|if)"
      + "|what's|does|do|is|are|can|could|should|would|will)\\b.*", Pattern.DOTALL);

  static final List<Intent> INTENTS = List.of(
      new Intent("deploy", List.of("deploy service version to environment", "roll out service version to environment",
          "release service version to environment", "ship service version to environment",
          "push version of service to environment", "deploy service SERVICE VERSION --env ENV --strategy rolling --wait"),
          List.of("service", "version", "environment"), s -> {
            List<String> a = new ArrayList<>(List.of("deploy", s.service, s.version, "--env", String.join(",", s.environments)));
            if (s.strategy != null && !s.strategy.equals("rolling")) {
              a.addAll(List.of("--strategy", s.strategy));
            }
            a.add("--wait");
            return a;
          }),
      new Intent("status", List.of("show status", "show the status of the platform",
          "status of services, instances, health and deployments in flight", "show services and deployments in flight",
          "status --service SERVICE", "show the status of service"), List.of(), s -> s.service == null
          ? List.of("status") : List.of("status", "--service", s.service)),
      new Intent("tail", List.of("tail events", "tail the deployment events of service", "watch the live events",
          "follow events", "follow the live stream of events", "stream events live", "watch deployments of service",
          "watch the alerts of service live", "tail the logs of service", "watch the events of service live",
          "tail TOPIC --filter field:value --type type --key key"),
          List.of("topic"), s -> {
            List<String> a = new ArrayList<>(List.of("tail", s.topic));
            if (s.service != null) {
              a.addAll(KEYED_BY_SERVICE.contains(s.topic) ? List.of("--key", s.service) : List.of("--filter", "service:" + s.service));
            }
            return a;
          }),
      new Intent("query deployment", List.of("show deployment ID", "query deployment ID", "get the deployment ID",
          "state and history of deployment ID"), List.of("deployment id"), s -> List.of("query", "deployment", s.id)),
      new Intent("query workflow", List.of("show workflow ID", "query workflow ID", "get the workflow ID"),
          List.of("id"), s -> List.of("query", "workflow", s.id)),
      new Intent("query timeline", List.of("show the timeline of workflow ID", "timeline of workflow ID",
          "events of workflow ID in causal order"), List.of("id"), s -> List.of("query", "timeline", s.id)),
      new Intent("query pipeline", List.of("show pipeline run ID", "query pipeline ID", "get the pipeline run ID",
          "stages of the pipeline run ID"), List.of("id"), s -> List.of("query", "pipeline", s.id)),
      new Intent("query health", List.of("show the health of service", "health of service", "query health service",
          "is service healthy"), List.of("service"), s -> List.of("query", "health", s.service)),
      new Intent("query config", List.of("show the config of service in environment", "query config service environment",
          "configuration of service in environment"), List.of("service", "environment"),
          s -> List.of("query", "config", s.service + "/" + s.environments.get(0))),
      new Intent("query instances", List.of("show the instances of service", "list instances of service",
          "query instances service"), List.of("service"), s -> List.of("query", "instances", s.service)),
      new Intent("query versions", List.of("show the versions of service", "which version of service runs in each environment",
          "query versions service"), List.of("service"), s -> List.of("query", "versions", s.service)),
      new Intent("commit", List.of("start the workflow for commit of service", "run the commit workflow of service commit",
          "commit service commit --branch main --wait", "build and deploy commit of service"),
          List.of("service", "commit"), s -> List.of("commit", s.service, s.commit, "--wait")));

  private final Embedder embedder;
  private final Map<String, float[]> phraseVectors = new LinkedHashMap<>();

  CommandMatcher(Embedder embedder) {
    this.embedder = embedder;
  }

  /** The command {@code sentence} asks for, if it is a request (not a question) close enough to one. */
  Optional<Match> match(String sentence) {
    String text = sentence.strip();
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.isEmpty() || QUESTION.matcher(lower).matches() || lower.endsWith("?")) {
      return Optional.empty();
    }
    Slots slots = new Slots();
    String masked = extract(text, slots);
    float[] vector = embedder.embed(masked);
    Intent best = null;
    String bestPhrase = null;
    double bestScore = -1;
    for (Intent intent : INTENTS) {
      for (String phrase : intent.phrases()) {
        double score = Embedder.similarity(vector, phraseVectors.computeIfAbsent(phrase, embedder::embed));
        if (score > bestScore) {
          best = intent;
          bestScore = score;
          bestPhrase = phrase;
        }
      }
    }
    if (best == null || bestScore < THRESHOLD) {
      return Optional.empty();
    }
    if (best.name().equals("tail") && slots.topic == null) {
      slots.topic = slots.nouns.stream().map(TOPIC_WORDS::get).filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }
    List<String> missing = new ArrayList<>();
    for (String need : best.needs()) {
      boolean has = switch (need) {
        case "service" -> slots.service != null;
        case "version" -> slots.version != null;
        case "environment" -> !slots.environments.isEmpty();
        case "commit" -> slots.commit != null;
        case "topic" -> slots.topic != null;
        default -> slots.id != null;
      };
      if (!has) {
        missing.add(need);
      }
    }
    List<String> args = missing.isEmpty() ? best.line().apply(slots) : List.of();
    return Optional.of(new Match(best.name(), bestScore, bestPhrase, masked, args, missing));
  }

  /** Fills {@code slots} from {@code text}; the text with each argument replaced by what it is. */
  static String extract(String text, Slots slots) {
    String s = " " + text.strip() + " ";
    Matcher m = DEPLOYMENT_ID.matcher(s);
    if (m.find()) {
      slots.id = m.group(1);
      s = s.substring(0, m.start(1)) + "ID" + s.substring(m.end(1));
    }
    m = TOPIC.matcher(s);
    if (m.find() && (m.group(1).contains("-") || TOPIC_WORDS.containsValue(m.group(1)))) {
      slots.topic = m.group(1);
      s = s.substring(0, m.start(1)) + "events" + s.substring(m.end(1));
    }
    m = VERSION.matcher(s);
    if (m.find()) {
      slots.version = m.group(1);
      s = s.substring(0, m.start()) + "version" + s.substring(m.end());
    }
    m = SHA.matcher(s);
    while (m.find()) {
      String sha = m.group(1);
      if (sha.matches(".*[a-f].*") && sha.matches(".*\\d.*")) {
        slots.commit = sha;
        s = s.substring(0, m.start(1)) + "commit" + s.substring(m.end(1));
        break;
      }
    }
    if (slots.id == null) {
      m = ID.matcher(s);
      while (m.find()) {
        String id = m.group(1);
        if (!ENVIRONMENTS.containsKey(id.toLowerCase(Locale.ROOT)) && id.length() >= 3) {
          slots.id = id;
          s = s.substring(0, m.start(1)) + "ID" + s.substring(m.end(1));
          break;
        }
      }
    }
    StringBuilder out = new StringBuilder();
    Matcher words = WORD.matcher(s.toLowerCase(Locale.ROOT));
    int last = 0;
    String lowerS = s.toLowerCase(Locale.ROOT);
    String previous = "";
    while (words.find()) {
      String word = words.group();
      out.append(s, last, words.start());
      last = words.end();
      String original = s.substring(words.start(), words.end());
      String replacement = original;
      if (ENVIRONMENTS.containsKey(word)) {
        String env = ENVIRONMENTS.get(word);
        if (!slots.environments.contains(env)) {
          slots.environments.add(env);
        }
        replacement = slots.environments.size() > 1 && previous.equals("and") ? "" : "environment";
      } else if (List.of("canary", "blue-green", "bluegreen", "rolling").contains(word)) {
        slots.strategy = word.equals("bluegreen") ? "blue-green" : word;
      } else if (original.equals("ID") || original.equals("commit") && slots.commit != null) {
        replacement = original;
      } else if (previous.equals("instance") && slots.instance == null && word.matches("[a-z0-9][a-z0-9._:-]*")) {
        slots.instance = word;
      } else if (slots.service == null && !STOPWORDS.contains(word) && word.matches("[a-z][a-z0-9-]{1,62}")
          && !word.endsWith("-") && lowerS.contains(word)) {
        slots.service = word;
        replacement = "service";
      }
      if (TOPIC_WORDS.containsKey(word)) {
        slots.nouns.add(word);
      }
      out.append(replacement);
      previous = word;
    }
    out.append(s.substring(last));
    if (slots.environments.isEmpty() && lowerS.matches(".*\\ball (the )?environments\\b.*")) {
      slots.environments.addAll(List.of("dev", "staging", "prod"));
    }
    return out.toString().replaceAll("\\s+", " ").strip();
  }
}
