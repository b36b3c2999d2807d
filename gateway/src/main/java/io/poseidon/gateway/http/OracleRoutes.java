package io.poseidon.gateway.http;

import io.poseidon.processors.oracle.Answers;
import io.poseidon.processors.oracle.OracleConfig;
import io.poseidon.processors.oracle.OracleQueries;
import io.poseidon.processors.oracle.OracleTopics;
import io.poseidon.processors.oracle.OracleValidation;
import io.poseidon.processors.oracle.Passage;
import io.poseidon.processors.oracle.Search;
import io.poseidon.schemas.common.EventMeta;
import io.poseidon.schemas.oracle.DocumentChanged;
import io.poseidon.schemas.oracle.DocumentDeleted;
import io.poseidon.schemas.oracle.DocumentEvent;
import io.poseidon.schemas.oracle.DocumentKind;
import io.poseidon.schemas.oracle.DocumentState;
import io.poseidon.schemas.oracle.IndexingStatus;
import io.poseidon.topology.events.EventMetas;
import io.poseidon.topology.query.QueryResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.streams.state.HostInfo;

/**
 * oracle over HTTP (operations of openapi/oracle.yaml): put, delete and read documents; search and
 * answer by scatter-gather over every node that holds index partitions (each answers its own
 * candidates, {@code ?scope=local}; this node merges and ranks them).
 */
public final class OracleRoutes implements ServiceRoutes {

  /** Passages an answer's sentences are taken from. */
  static final int ANSWER_PASSAGES = 5;
  static final int ANSWER_SENTENCES = 3;

  private final RouteContext<OracleQueries> context;
  private final OracleConfig config;

  public OracleRoutes(RouteContext<OracleQueries> context) {
    this.context = context;
    this.config = new OracleConfig(context.config());
  }

  @Override
  public void bind(Operations operations) {
    operations.on("putDocument", this::putDocument);
    operations.on("deleteDocument", this::deleteDocument);
    operations.on("getDocument", this::getDocument);
    operations.on("search", this::search);
    operations.on("answer", this::answer);
  }

  // --- documents ---

  private void putDocument(RoutingContext ctx) {
    String docId = ctx.pathParam("docId");
    JsonObject json = Commands.body(ctx);
    List<String> tags = new ArrayList<>();
    json.getJsonArray("tags", new JsonArray()).forEach(t -> tags.add(String.valueOf(t)));
    JsonObject source = json.getJsonObject("source", new JsonObject());
    DocumentChanged doc = DocumentChanged.newBuilder().setDocId(docId).setTitle(json.getString("title"))
        .setKind(DocumentKind.valueOf(json.getString("kind").toUpperCase(Locale.ROOT)))
        .setService(json.getString("service")).setTags(tags).setBody(json.getString("body"))
        .setSourceUri(source.getString("uri")).setAttributes(Map.of()).build();
    if (!Commands.valid(ctx, "the document", Commands.errors(OracleValidation.check(doc, config.maxBodyBytes())))) {
      return;
    }
    EventMeta meta = EventMetas.first("oracle.DocumentChanged", "gateway", Commands.actor(ctx),
        Commands.traceparent(ctx), context.clock());
    context.responses().accepted(ctx, meta, context.publisher().publish(OracleTopics.DOCUMENTS, docId,
        new DocumentEvent(meta, doc)), ack -> ack.put("docId", docId));
  }

  private void deleteDocument(RoutingContext ctx) {
    String docId = ctx.pathParam("docId");
    context.responses().onOwner(ctx, () -> visible(context.queries().get().document(docId)), known -> {
      if (known.isEmpty() || known.get().getDeleted()) {
        ApiError.send(ctx, 404, "document_not_found", "no document " + docId);
        return;
      }
      EventMeta meta = EventMetas.first("oracle.DocumentDeleted", "gateway", Commands.actor(ctx),
          Commands.traceparent(ctx), context.clock());
      context.responses().accepted(ctx, meta, context.publisher().publish(OracleTopics.DOCUMENTS, docId,
          new DocumentEvent(meta, new DocumentDeleted(docId))), ack -> ack.put("docId", docId));
    });
  }

  private void getDocument(RoutingContext ctx) {
    String docId = ctx.pathParam("docId");
    context.responses().lookup(ctx, () -> visible(context.queries().get().document(docId)), "document_not_found",
        "no document " + docId, OracleRoutes::documentJson);
  }

  /** A document that was deleted and left the index is not there any more (404). */
  private static QueryResult<Optional<DocumentState>> visible(QueryResult<Optional<DocumentState>> result) {
    if (result instanceof QueryResult.Local<Optional<DocumentState>> local) {
      return new QueryResult.Local<>(local.value().filter(s -> !(s.getDeleted() && s.getStatus() == IndexingStatus.INDEXED)),
          local.partition());
    }
    return result;
  }

  static JsonObject documentJson(DocumentState s) {
    return new JsonObject().put("docId", s.getDocId()).put("version", s.getVersion())
        .put("indexedVersion", s.getIndexedVersion()).put("status", s.getStatus().name()).put("deleted", s.getDeleted())
        .put("chunks", s.getChunks()).put("indexedAt", s.getIndexedAt() == null ? null : s.getIndexedAt().toString())
        .put("changedAt", s.getChangedAt().toString()).put("title", s.getTitle())
        .put("kind", s.getKind().name().toLowerCase(Locale.ROOT)).put("service", s.getService()).put("error", s.getError())
        .put("contentHash", s.getContentHash());
  }

  // --- search ---

  private Search.Request request(RoutingContext ctx, Search.Mode fallback, int defaultLimit) {
    String limit = ctx.queryParams().get("limit");
    Search.Mode mode = Optional.ofNullable(ctx.queryParams().get("mode")).flatMap(Search.Mode::parse).orElse(fallback);
    return new Search.Request(ctx.queryParams().get("q"), ctx.queryParams().get("service"), ctx.queryParams().get("kind"),
        limit == null ? defaultLimit : Math.max(1, Math.min(Search.MAX_LIMIT, Integer.parseInt(limit))), mode);
  }

  private void search(RoutingContext ctx) {
    Search.Request request = request(ctx, Search.Mode.HYBRID, 10);
    long started = System.nanoTime();
    if ("local".equals(ctx.queryParams().get("scope")) || QueryForwarder.wasForwarded(ctx)) {
      boolean withText = "true".equals(ctx.queryParams().get("text"));
      context.responses().offLoop(() -> localPart(request, withText))
          .onSuccess(part -> Responses.json(ctx, 200, part)).onFailure(err -> Responses.fail(ctx, err));
      return;
    }
    List<HostInfo> others = otherNodes(ctx);
    if (others == null) {
      return;
    }
    gather(ctx, request, false, others).onSuccess(g -> context.responses().offLoop(() -> {
      List<Passage> results = Search.rank(g.candidates(), request);
      JsonArray hits = new JsonArray();
      results.forEach(p -> hits.add(hitJson(p)));
      return g.describe(new JsonObject().put("query", request.query()).put("mode", request.mode().apiName())
          .put("results", hits)).put("tookMs", (System.nanoTime() - started) / 1_000_000);
    }).onSuccess(body -> Responses.json(ctx, 200, body)).onFailure(err -> Responses.fail(ctx, err)))
        .onFailure(err -> Responses.fail(ctx, err));
  }

  private void answer(RoutingContext ctx) {
    Search.Request request = new Search.Request(ctx.queryParams().get("q"), ctx.queryParams().get("service"),
        ctx.queryParams().get("kind"), ANSWER_PASSAGES, Search.Mode.HYBRID);
    List<HostInfo> others = otherNodes(ctx);
    if (others == null) {
      return;
    }
    gather(ctx, request, true, others).onSuccess(g -> context.responses().offLoop(() -> {
      OracleQueries queries = context.queries().get();
      String key = request.query() + "\u0001" + request.service() + "\u0001" + request.kind();
      Optional<JsonObject> cached = queries.cachedAnswer(key, g.candidates().partitions());
      if (cached.isPresent()) {
        return g.describe(cached.get().copy().put("cached", true));
      }
      List<Passage> top = Search.rank(g.candidates(), request);
      List<Answers.Sentence> sentences = Answers.extract(request.query(), top, queries.embedder(), ANSWER_SENTENCES);
      JsonArray sentenceJson = new JsonArray();
      StringBuilder text = new StringBuilder();
      for (Answers.Sentence s : sentences) {
        text.append(text.isEmpty() ? "" : " ").append(s.text());
        sentenceJson.add(new JsonObject().put("text", s.text()).put("docId", s.passage().docId())
            .put("title", s.passage().title()).put("score", round(s.score()))
            .put("citation", new JsonObject().put("heading", s.passage().heading()).put("start", s.start()).put("end", s.end())));
      }
      JsonArray sources = new JsonArray();
      top.forEach(p -> sources.add(hitJson(p)));
      JsonObject answer = new JsonObject().put("query", request.query()).put("answer", text.toString())
          .put("sentences", sentenceJson).put("sources", sources);
      if (!g.partial()) {
        queries.cacheAnswer(key, g.candidates().partitions(), answer);
      }
      return g.describe(answer.copy().put("cached", false));
    }).onSuccess(body -> Responses.json(ctx, 200, body)).onFailure(err -> Responses.fail(ctx, err)))
        .onFailure(err -> Responses.fail(ctx, err));
  }

  /** What the parts of a scatter-gather gave: merged candidates, who answered, what is missing. */
  private record Gathered(Search.Candidates candidates, List<String> servedBy, Set<Integer> missing) {
    boolean partial() {
      return !missing.isEmpty();
    }

    JsonObject describe(JsonObject body) {
      return body.put("servedBy", new JsonArray(servedBy)).put("partial", partial())
          .put("missingPartitions", new JsonArray(new ArrayList<>(missing)));
    }
  }

  /**
   * This node's candidates and every other node's ({@code ?scope=local}, within oracle.search.timeout),
   * merged. Fails with NotReady when this node has no index yet.
   */
  /** The other nodes to ask; null after answering 503 (oracle not running yet). */
  private List<HostInfo> otherNodes(RoutingContext ctx) {
    return Responses.otherNodes(ctx, () -> context.queries().get().nodes(), () -> context.queries().get().self());
  }

  private Future<Gathered> gather(RoutingContext ctx, Search.Request request, boolean withText, List<HostInfo> others) {
    Future<JsonObject> mine = context.responses().offLoop(() -> localPart(request, withText));
    List<Future<JsonObject>> parts = new ArrayList<>();
    parts.add(mine);
    String uri = "/api/v1/search?scope=local&mode=" + request.mode().apiName() + "&limit=" + request.limit()
        + "&q=" + encode(request.query()) + (request.service() == null ? "" : "&service=" + encode(request.service()))
        + (request.kind() == null ? "" : "&kind=" + request.kind()) + (withText ? "&text=true" : "");
    others.forEach(host -> parts.add(context.responses().fetch(ctx, host, uri, config.searchTimeout())));
    return Future.join(parts).transform(done -> context.responses().offLoop(() -> {
      OracleQueries queries = context.queries().get();
      List<Search.Candidates> answered = new ArrayList<>();
      List<String> servedBy = new ArrayList<>();
      Set<Integer> missing = new TreeSet<>();
      Map<HostInfo, Set<Integer>> assigned = queries.partitionsByNode();
      List<HostInfo> hosts = new ArrayList<>();
      hosts.add(queries.self());
      hosts.addAll(others);
      for (int i = 0; i < parts.size(); i++) {
        Future<JsonObject> part = parts.get(i);
        HostInfo host = hosts.get(i);
        if (part.succeeded()) {
          Search.Candidates c = candidates(part.result());
          answered.add(c);
          servedBy.add(part.result().getString("node", host.host() + ":" + host.port()));
          // a partition assigned to a node that answered without it (its task is still starting)
          assigned.getOrDefault(host, Set.of()).stream().filter(p -> !c.partitions().containsKey(p)).forEach(missing::add);
        } else if (i == 0) {
          throw part.cause() instanceof Exception e ? e : new IllegalStateException(part.cause());
        } else {
          missing.addAll(assigned.getOrDefault(host, Set.of()));
        }
      }
      Search.Candidates merged = Search.merge(answered, request);
      merged.partitions().keySet().forEach(missing::remove);
      return new Gathered(merged, servedBy, missing);
    }));
  }

  private JsonObject localPart(Search.Request request, boolean withText) {
    QueryResult<OracleQueries.Part> result = context.queries().get().localSearch(request);
    OracleQueries.Part part = ((QueryResult.Local<OracleQueries.Part>) result).value();
    JsonObject partitions = new JsonObject();
    part.candidates().partitions().forEach((p, g) -> partitions.put(Integer.toString(p), g));
    return new JsonObject().put("node", context.queries().get().nodeId()).put("cached", part.cached())
        .put("partitions", partitions)
        .put("keyword", passagesJson(part.candidates().keyword(), withText))
        .put("semantic", passagesJson(part.candidates().semantic(), withText));
  }

  private static JsonArray passagesJson(List<Passage> passages, boolean withText) {
    JsonArray out = new JsonArray();
    for (Passage p : passages) {
      JsonObject o = new JsonObject().put("key", p.key()).put("docId", p.docId()).put("title", p.title())
          .put("version", p.version()).put("kind", p.kind()).put("service", p.service()).put("heading", p.heading())
          .put("start", p.start()).put("end", p.end()).put("snippet", p.snippet()).put("score", p.score())
          .put("partition", p.partition());
      if (withText) {
        o.put("text", p.text());
      }
      out.add(o);
    }
    return out;
  }

  static Search.Candidates candidates(JsonObject part) {
    Map<Integer, Long> partitions = new TreeMap<>();
    part.getJsonObject("partitions", new JsonObject()).forEach(e -> partitions.put(Integer.parseInt(e.getKey()),
        ((Number) e.getValue()).longValue()));
    return new Search.Candidates(passages(part.getJsonArray("keyword"), Passage.Source.KEYWORD),
        passages(part.getJsonArray("semantic"), Passage.Source.SEMANTIC), partitions);
  }

  private static List<Passage> passages(JsonArray array, Passage.Source source) {
    List<Passage> out = new ArrayList<>();
    if (array == null) {
      return out;
    }
    for (int i = 0; i < array.size(); i++) {
      JsonObject o = array.getJsonObject(i);
      out.add(new Passage(o.getString("key"), o.getString("docId"), o.getString("title"), o.getLong("version"),
          o.getString("kind"), o.getString("service"), o.getString("heading"), o.getInteger("start"),
          o.getInteger("end"), o.getString("snippet"), o.getString("text", ""), o.getDouble("score"), source,
          o.getInteger("partition")));
    }
    return out;
  }

  static JsonObject hitJson(Passage p) {
    return new JsonObject().put("docId", p.docId()).put("title", p.title()).put("version", p.version())
        .put("kind", p.kind()).put("service", p.service()).put("score", round(p.score()))
        .put("citation", new JsonObject().put("heading", p.heading()).put("start", p.start()).put("end", p.end()))
        .put("snippet", p.snippet());
  }

  private static double round(double v) {
    return Math.round(v * 1e6) / 1e6;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
