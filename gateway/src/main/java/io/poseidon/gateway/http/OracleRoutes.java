package io.poseidon.gateway.http;

import io.poseidon.processors.oracle.Answers;
import io.poseidon.processors.oracle.KeywordStats;
import io.poseidon.processors.oracle.OracleConfig;
import io.poseidon.processors.oracle.OracleQueries;
import io.poseidon.processors.oracle.OracleTopics;
import io.poseidon.processors.oracle.OracleValidation;
import io.poseidon.processors.oracle.PartitionIndex;
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
      localPart(ctx, request);
      return;
    }
    List<HostInfo> others = otherNodes(ctx);
    if (others == null) {
      return;
    }
    if (others.isEmpty()) {
      // one node: candidates, ranking, highlights and the answer in one go on the query pool
      context.responses().offLoop(() -> {
        OracleQueries queries = context.queries().get();
        Gathered g = gathered(queries, local(queries.localSearch(request)), List.of(), List.of(), request);
        List<Passage> ranked = Search.rank(g.candidates(), request);
        List<Passage> results = Search.withHighlights(ranked, queries.highlight(request.query(),
            ranked.stream().map(Passage::key).toList(), false));
        return searchJson(g, request, results, started);
      }).onSuccess(body -> Responses.json(ctx, 200, body)).onFailure(err -> Responses.fail(ctx, err));
      return;
    }
    gather(ctx, request, others)
        .compose(g -> context.responses().offLoop(() -> Search.rank(g.candidates(), request))
            .compose(ranked -> highlighted(ctx, g, request.query(), ranked, false))
            .map(results -> searchJson(g, request, results, started)))
        .onSuccess(body -> Responses.json(ctx, 200, body)).onFailure(err -> Responses.fail(ctx, err));
  }

  private static JsonObject searchJson(Gathered g, Search.Request request, List<Passage> results, long started) {
    JsonArray hits = new JsonArray();
    results.forEach(p -> hits.add(hitJson(p)));
    return g.describe(new JsonObject().put("query", request.query()).put("mode", request.mode().apiName())
        .put("results", hits)).put("tookMs", (System.nanoTime() - started) / 1_000_000);
  }

  private void answer(RoutingContext ctx) {
    Search.Request request = new Search.Request(ctx.queryParams().get("q"), ctx.queryParams().get("service"),
        ctx.queryParams().get("kind"), ANSWER_PASSAGES, Search.Mode.HYBRID);
    List<HostInfo> others = otherNodes(ctx);
    if (others == null) {
      return;
    }
    String key = request.query() + "\u0001" + request.service() + "\u0001" + request.kind();
    gather(ctx, request, others).compose(g -> {
      Optional<JsonObject> cached = context.queries().get().cachedAnswer(key, g.candidates().partitions());
      if (cached.isPresent()) {
        return Future.succeededFuture(g.describe(cached.get().copy().put("cached", true)));
      }
      return context.responses().offLoop(() -> Search.rank(g.candidates(), request))
          .compose(ranked -> highlighted(ctx, g, request.query(), ranked, true))
          .compose(top -> context.responses().offLoop(() -> {
            OracleQueries queries = context.queries().get();
            List<Answers.Sentence> sentences = Answers.extract(request.query(), top, queries.embedder(), ANSWER_SENTENCES);
            JsonArray sentenceJson = new JsonArray();
            StringBuilder text = new StringBuilder();
            for (Answers.Sentence s : sentences) {
              text.append(text.isEmpty() ? "" : " ").append(s.text());
              sentenceJson.add(new JsonObject().put("text", s.text()).put("docId", s.passage().docId())
                  .put("title", s.passage().title()).put("score", round(s.score()))
                  .put("citation", new JsonObject().put("heading", s.passage().heading()).put("start", s.start())
                      .put("end", s.end())));
            }
            JsonArray sources = new JsonArray();
            top.forEach(p -> sources.add(hitJson(p)));
            JsonObject answer = new JsonObject().put("query", request.query()).put("answer", text.toString())
                .put("sentences", sentenceJson).put("sources", sources);
            if (!g.partial()) {
              queries.cacheAnswer(key, g.candidates().partitions(), answer);
            }
            return g.describe(answer.copy().put("cached", false));
          }));
    }).onSuccess(body -> Responses.json(ctx, 200, body)).onFailure(err -> Responses.fail(ctx, err));
  }

  /**
   * What the parts of a scatter-gather gave: merged candidates, who answered, what is missing, and which
   * node answered for each partition (null: this one), so the results' highlights are asked of their node.
   */
  private record Gathered(Search.Candidates candidates, List<String> servedBy, Set<Integer> missing,
      Map<Integer, HostInfo> owners) {
    boolean partial() {
      return !missing.isEmpty();
    }

    JsonObject describe(JsonObject body) {
      return body.put("servedBy", new JsonArray(servedBy)).put("partial", partial())
          .put("missingPartitions", new JsonArray(new ArrayList<>(missing)));
    }
  }

  /** The other nodes to ask; null after answering 503 (oracle not running yet). */
  private List<HostInfo> otherNodes(RoutingContext ctx) {
    return Responses.otherNodes(ctx, () -> context.queries().get().nodes(), () -> context.queries().get().self());
  }

  /**
   * This node's candidates and every other node's ({@code ?scope=local}, within oracle.search.timeout),
   * merged. Fails with NotReady when this node's oracle is not running yet.
   */
  private Future<Gathered> gather(RoutingContext ctx, Search.Request request, List<HostInfo> others) {
    if (others.isEmpty() || request.mode() == Search.Mode.SEMANTIC) {
      return gather(ctx, request, others, null);
    }
    // keyword scores compare across nodes only with the cluster's statistics: sum every node's first
    List<Future<KeywordStats>> parts = new ArrayList<>();
    parts.add(context.responses().offLoop(() -> context.queries().get().stats(request.query())));
    others.forEach(host -> parts.add(context.responses().fetch(ctx, host, "/api/v1/search?scope=local&termStats=true&q="
        + encode(request.query()), config.searchTimeout()).map(j -> KeywordStats.fromJson(j.getString("stats")))));
    return Future.join(new ArrayList<>(parts)).transform(done -> {
      if (parts.get(0).failed()) {
        return Future.failedFuture(parts.get(0).cause());
      }
      List<KeywordStats> answered = parts.stream().filter(Future::succeeded).map(Future::result).toList();
      return gather(ctx, request, others, KeywordStats.sum(answered));
    });
  }

  private Future<Gathered> gather(RoutingContext ctx, Search.Request request, List<HostInfo> others, KeywordStats stats) {
    Future<OracleQueries.Part> mine = context.responses().offLoop(() ->
        local(context.queries().get().localSearch(request, stats)));
    List<Future<JsonObject>> parts = new ArrayList<>();
    String uri = "/api/v1/search?scope=local&mode=" + request.mode().apiName() + "&limit=" + request.limit()
        + "&q=" + encode(request.query()) + (request.service() == null ? "" : "&service=" + encode(request.service()))
        + (request.kind() == null ? "" : "&kind=" + request.kind())
        + (stats == null ? "" : "&stats=" + encode(stats.toJson()));
    others.forEach(host -> parts.add(context.responses().fetch(ctx, host, uri, config.searchTimeout())));
    List<Future<?>> all = new ArrayList<>(parts);
    all.add(mine);
    return Future.join(all).transform(done -> {
      if (mine.failed()) {
        return Future.failedFuture(mine.cause());
      }
      List<JsonObject> answered = new ArrayList<>();
      List<HostInfo> answeredBy = new ArrayList<>();
      for (int i = 0; i < parts.size(); i++) {
        if (parts.get(i).succeeded()) {
          answered.add(parts.get(i).result());
          answeredBy.add(others.get(i));
        }
      }
      return context.responses().offLoop(() -> {
        OracleQueries queries = context.queries().get();
        return gathered(queries, mine.result(), answered, answeredBy, request, others);
      });
    });
  }

  private Gathered gathered(OracleQueries queries, OracleQueries.Part mine, List<JsonObject> parts,
      List<HostInfo> partsFrom, Search.Request request) {
    return gathered(queries, mine, parts, partsFrom, request, partsFrom);
  }

  /** This node's part and the parts that came (from {@code partsFrom} of the {@code asked}), combined. */
  private Gathered gathered(OracleQueries queries, OracleQueries.Part mine, List<JsonObject> parts,
      List<HostInfo> partsFrom, Search.Request request, List<HostInfo> asked) {
    List<Search.Candidates> answered = new ArrayList<>();
    List<String> servedBy = new ArrayList<>();
    Set<Integer> missing = new TreeSet<>();
    Map<Integer, HostInfo> owners = new java.util.HashMap<>();
    Map<HostInfo, Set<Integer>> assigned = queries.partitionsByNode();
    Search.Candidates local = mine.candidates();
    answered.add(local);
    servedBy.add(queries.nodeId());
    local.partitions().keySet().forEach(p -> owners.put(p, null));
    assigned.getOrDefault(queries.self(), Set.of()).stream().filter(p -> !local.partitions().containsKey(p))
        .forEach(missing::add); // assigned here, index still being rebuilt
    for (int i = 0; i < parts.size(); i++) {
      HostInfo host = partsFrom.get(i);
      Search.Candidates c = candidates(parts.get(i));
      answered.add(c);
      servedBy.add(parts.get(i).getString("node", host.host() + ":" + host.port()));
      c.partitions().keySet().forEach(p -> owners.putIfAbsent(p, host));
      assigned.getOrDefault(host, Set.of()).stream().filter(p -> !c.partitions().containsKey(p)).forEach(missing::add);
    }
    for (HostInfo host : asked) {
      if (!partsFrom.contains(host)) {
        missing.addAll(assigned.getOrDefault(host, Set.of()));
      }
    }
    Search.Candidates merged = Search.merge(answered, request);
    merged.partitions().keySet().forEach(missing::remove);
    return new Gathered(merged, servedBy, missing, owners);
  }

  /**
   * {@code ranked} with their snippets (and texts): this node's chunks highlighted here, the others' by
   * their node; a node that does not answer leaves its results without a snippet.
   */
  private Future<List<Passage>> highlighted(RoutingContext ctx, Gathered g, String query, List<Passage> ranked,
      boolean withText) {
    Map<HostInfo, List<String>> remote = new java.util.HashMap<>();
    List<String> localKeys = new ArrayList<>();
    for (Passage p : ranked) {
      HostInfo owner = g.owners().get(p.partition());
      if (owner == null) {
        localKeys.add(p.key());
      } else {
        remote.computeIfAbsent(owner, h -> new ArrayList<>()).add(p.key());
      }
    }
    List<Future<Map<String, PartitionIndex.Highlight>>> parts = new ArrayList<>();
    parts.add(context.responses().offLoop(() -> context.queries().get().highlight(query, localKeys, withText)));
    remote.forEach((host, keys) -> parts.add(context.responses().fetch(ctx, host, "/api/v1/search?scope=local&q="
        + encode(query) + "&keys=" + encode(String.join(",", keys)) + (withText ? "&text=true" : ""),
        config.searchTimeout()).map(OracleRoutes::highlights)));
    return Future.join(new ArrayList<>(parts)).transform(done -> {
      Map<String, PartitionIndex.Highlight> all = new java.util.HashMap<>();
      parts.stream().filter(Future::succeeded).forEach(f -> all.putAll(f.result()));
      return Future.succeededFuture(Search.withHighlights(ranked, all));
    });
  }

  /** This node's part for another node: its candidates, or the highlights of {@code keys}. */
  private void localPart(RoutingContext ctx, Search.Request request) {
    String keys = ctx.queryParams().get("keys");
    boolean withText = "true".equals(ctx.queryParams().get("text"));
    KeywordStats stats;
    try {
      stats = ctx.queryParams().get("stats") == null ? null : KeywordStats.fromJson(ctx.queryParams().get("stats"));
    } catch (IllegalArgumentException e) {
      ApiError.send(ctx, 400, "validation_failed", "the request is not valid",
          List.of(new FieldError("stats", e.getMessage())));
      return;
    }
    context.responses().offLoop(() -> {
      OracleQueries queries = context.queries().get();
      if ("true".equals(ctx.queryParams().get("termStats"))) {
        return new JsonObject().put("node", queries.nodeId()).put("stats", queries.stats(request.query()).toJson());
      }
      if (keys != null) {
        JsonObject out = new JsonObject();
        queries.highlight(request.query(), List.of(keys.split(",")), withText).forEach((key, h) ->
            out.put(key, new JsonObject().put("snippet", h.snippet()).put("text", h.text())));
        return new JsonObject().put("node", queries.nodeId()).put("highlights", out);
      }
      OracleQueries.Part part = local(queries.localSearch(request, stats));
      JsonObject partitions = new JsonObject();
      part.candidates().partitions().forEach((p, gen) -> partitions.put(Integer.toString(p), gen));
      return new JsonObject().put("node", queries.nodeId()).put("cached", part.cached()).put("partitions", partitions)
          .put("keyword", passagesJson(part.candidates().keyword()))
          .put("semantic", passagesJson(part.candidates().semantic()));
    }).onSuccess(part -> Responses.json(ctx, 200, part)).onFailure(err -> Responses.fail(ctx, err));
  }

  private static OracleQueries.Part local(QueryResult<OracleQueries.Part> result) {
    return ((QueryResult.Local<OracleQueries.Part>) result).value();
  }

  private static Map<String, PartitionIndex.Highlight> highlights(JsonObject part) {
    Map<String, PartitionIndex.Highlight> out = new java.util.HashMap<>();
    part.getJsonObject("highlights", new JsonObject()).forEach(e -> {
      JsonObject h = (JsonObject) e.getValue();
      out.put(e.getKey(), new PartitionIndex.Highlight(h.getString("snippet"), h.getString("text")));
    });
    return out;
  }

  private static JsonArray passagesJson(List<Passage> passages) {
    JsonArray out = new JsonArray();
    for (Passage p : passages) {
      out.add(new JsonObject().put("key", p.key()).put("docId", p.docId()).put("title", p.title())
          .put("version", p.version()).put("kind", p.kind()).put("service", p.service()).put("heading", p.heading())
          .put("start", p.start()).put("end", p.end()).put("score", p.score()).put("partition", p.partition()));
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
          o.getInteger("end"), null, null, o.getDouble("score"), source, o.getInteger("partition")));
    }
    return out;
  }

  static JsonObject hitJson(Passage p) {
    return new JsonObject().put("docId", p.docId()).put("title", p.title()).put("version", p.version())
        .put("kind", p.kind()).put("service", p.service()).put("score", round(p.score()))
        .put("citation", new JsonObject().put("heading", p.heading()).put("start", p.start()).put("end", p.end()))
        .put("snippet", p.snippet() == null ? "" : p.snippet());
  }

  private static double round(double v) {
    return Math.round(v * 1e6) / 1e6;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
