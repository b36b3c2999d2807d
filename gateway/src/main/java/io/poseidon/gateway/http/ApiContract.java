package io.poseidon.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.openapi.contract.OpenAPIContract;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The gateway's HTTP contract: the base document ({@value #BASE}: info, the node's own routes, the
 * shared components) merged with one fragment per service ({@code openapi/<service>.yaml}: its paths
 * and components). The router is built from it, bound by operationId; {@code /openapi.yaml} serves it.
 * Every node serves the whole contract, whichever services it runs.
 */
public final class ApiContract {

  public static final String BASE = "openapi/poseidon.yaml";
  static final List<String> METHODS = List.of("get", "put", "post", "delete", "patch", "head", "options");
  private static final List<String> COMPONENT_KINDS = List.of("parameters", "responses", "schemas", "headers");

  private final JsonObject document;
  private final Map<String, List<String>> operationsByFragment;
  private final List<PathMethods> paths;

  private record PathMethods(String template, String[] segments, Map<String, String> operationByMethod,
      Set<String> methods) {

    /** Segment by segment: a {@code {parameter}} segment matches any non-empty segment. */
    boolean matches(String path) {
      int from = path.startsWith("/") ? 1 : 0;
      for (int i = 0; i < segments.length; i++) {
        int end = path.indexOf('/', from);
        if (end < 0) {
          end = path.length();
        }
        if (from > path.length() || (i == segments.length - 1) != (end == path.length())) {
          return false;
        }
        String segment = segments[i];
        boolean parameter = segment.startsWith("{") && segment.endsWith("}");
        if (parameter ? end == from : !path.regionMatches(from, segment, 0, segment.length())
            || end - from != segment.length()) {
          return false;
        }
        from = end + 1;
      }
      return true;
    }
  }

  private ApiContract(JsonObject document, Map<String, List<String>> operationsByFragment) {
    this.document = document;
    this.operationsByFragment = operationsByFragment;
    List<PathMethods> list = new ArrayList<>();
    document.getJsonObject("paths").forEach(entry -> {
      Map<String, String> methods = new LinkedHashMap<>();
      ((JsonObject) entry.getValue()).forEach(op -> {
        if (METHODS.contains(op.getKey())) {
          methods.put(op.getKey().toUpperCase(Locale.ROOT), ((JsonObject) op.getValue()).getString("operationId"));
        }
      });
      String template = entry.getKey();
      list.add(new PathMethods(template, template.substring(1).split("/"), methods,
          java.util.Collections.unmodifiableSet(new TreeSet<>(methods.keySet()))));
    });
    this.paths = List.copyOf(list);
  }

  /** The base document merged with the fragments (classpath resources), in order. */
  public static ApiContract load(List<String> fragments) {
    JsonObject document = read(BASE);
    Map<String, List<String>> operations = new LinkedHashMap<>();
    operations.put(BASE, operationIds(document));
    List<String> problems = new ArrayList<>();
    for (String fragment : fragments) {
      JsonObject part = read(fragment);
      operations.put(fragment, operationIds(part));
      merge(document, part, fragment, problems);
    }
    Set<String> seen = new LinkedHashSet<>();
    operations.values().forEach(ids -> ids.forEach(id -> {
      if (!seen.add(id)) {
        problems.add("operationId " + id + " is used twice");
      }
    }));
    if (!problems.isEmpty()) {
      throw new IllegalStateException("the OpenAPI contract does not merge: " + String.join("; ", problems));
    }
    documentAccessControl(document);
    documentReads(document);
    documentPages(document, problems);
    if (!problems.isEmpty()) {
      throw new IllegalStateException("the OpenAPI contract's lists are not valid: " + String.join("; ", problems));
    }
    return new ApiContract(document, operations);
  }

  /**
   * What access control answers, written into every operation from its {@code x-poseidon-role}: a
   * public operation needs no security ({@code security: []}); any other documents 401, 403 and 429
   * (the shared responses of the base document), so no fragment has to repeat them.
   */
  private static void documentAccessControl(JsonObject document) {
    document.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (!METHODS.contains(op.getKey())) {
        return;
      }
      JsonObject operation = (JsonObject) op.getValue();
      if ("public".equals(operation.getString("x-poseidon-role"))) {
        operation.put("security", new JsonArray());
        return;
      }
      JsonObject responses = operation.getJsonObject("responses");
      Map.of("401", "Unauthorized", "403", "Forbidden", "429", "TooManyRequests").forEach((code, name) -> {
        if (!responses.containsKey(code)) {
          responses.put(code, new JsonObject().put("$ref", "#/components/responses/" + name));
        }
      });
    }));
  }

  /** Operations that read no store: the node's own, the live stream and the gateway-side key list. */
  static final Set<String> NOT_STORE_READS = Set.of("health", "ready", "metrics", "openapi", "listTopics", "stream",
      "listApiKeys");

  /**
   * Every query (a GET of a service) takes the read-your-writes parameters ({@code after}, {@code timeout},
   * the {@code Poseidon-Position} header) and may answer 504 ({@link ReadBound}); documented once here
   * rather than in every fragment.
   */
  private static void documentReads(JsonObject document) {
    document.getJsonObject("paths").forEach(path -> {
      JsonObject get = ((JsonObject) path.getValue()).getJsonObject("get");
      if (get == null || NOT_STORE_READS.contains(get.getString("operationId"))) {
        return;
      }
      JsonArray parameters = get.getJsonArray("parameters");
      if (parameters == null) {
        parameters = new JsonArray();
        get.put("parameters", parameters);
      }
      for (String name : List.of("After", "Timeout", "PositionHeader")) {
        parameters.add(new JsonObject().put("$ref", "#/components/parameters/" + name));
      }
      get.getJsonObject("responses").put("504", new JsonObject().put("$ref", "#/components/responses/PositionNotReached"));
    });
  }

  /**
   * Every list ({@code x-poseidon-list}, {@link Paging}) takes {@code ?limit=} and {@code ?cursor=} and
   * answers {@code nextCursor}; documented once here rather than in every fragment.
   */
  private static void documentPages(JsonObject document, List<String> problems) {
    document.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (!METHODS.contains(op.getKey())) {
        return;
      }
      JsonObject operation = (JsonObject) op.getValue();
      Paging.Spec spec;
      try {
        spec = Paging.Spec.of(operation);
      } catch (RuntimeException e) {
        problems.add(operation.getString("operationId") + ": " + e.getMessage());
        return;
      }
      if (spec == null) {
        return;
      }
      if (!"get".equals(op.getKey())) {
        problems.add(operation.getString("operationId") + " is not a GET but declares x-poseidon-list");
        return;
      }
      JsonArray parameters = operation.getJsonArray("parameters");
      if (parameters == null) {
        parameters = new JsonArray();
        operation.put("parameters", parameters);
      }
      parameters.add(new JsonObject().put("$ref", "#/components/parameters/Limit"));
      parameters.add(new JsonObject().put("$ref", "#/components/parameters/Cursor"));
      JsonObject ok = operation.getJsonObject("responses").getJsonObject("200");
      JsonObject media = ok == null ? null : ok.getJsonObject("content", new JsonObject()).getJsonObject("application/json");
      if (media == null || media.getJsonObject("schema") == null) {
        problems.add(operation.getString("operationId") + " declares x-poseidon-list without a JSON 200 schema");
        return;
      }
      media.put("schema", new JsonObject().put("allOf", new JsonArray().add(media.getJsonObject("schema"))
          .add(new JsonObject().put("$ref", "#/components/schemas/Page"))));
    }));
  }

  /** How each list operation pages (operationId → its {@code x-poseidon-list}). */
  public Map<String, Paging.Spec> lists() {
    Map<String, Paging.Spec> out = new LinkedHashMap<>();
    document.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (METHODS.contains(op.getKey())) {
        Paging.Spec spec = Paging.Spec.of((JsonObject) op.getValue());
        if (spec != null) {
          out.put(((JsonObject) op.getValue()).getString("operationId"), spec);
        }
      }
    }));
    return out;
  }

  private static void merge(JsonObject document, JsonObject part, String fragment, List<String> problems) {
    JsonObject paths = document.getJsonObject("paths");
    part.getJsonObject("paths", new JsonObject()).forEach(entry -> {
      if (paths.containsKey(entry.getKey())) {
        problems.add(fragment + " declares " + entry.getKey() + " again");
      } else {
        paths.put(entry.getKey(), entry.getValue());
      }
    });
    JsonObject components = document.getJsonObject("components");
    JsonObject partComponents = part.getJsonObject("components", new JsonObject());
    for (String kind : partComponents.fieldNames()) {
      if (!COMPONENT_KINDS.contains(kind)) {
        problems.add(fragment + " has components." + kind + ", which the merge does not know");
        continue;
      }
      JsonObject target = components.getJsonObject(kind);
      if (target == null) {
        target = new JsonObject();
        components.put(kind, target);
      }
      for (Map.Entry<String, Object> entry : partComponents.getJsonObject(kind)) {
        Object before = target.getValue(entry.getKey());
        if (before != null && !before.equals(entry.getValue())) {
          problems.add(fragment + " redefines components." + kind + "." + entry.getKey());
        }
        target.put(entry.getKey(), entry.getValue());
      }
    }
  }

  private static List<String> operationIds(JsonObject document) {
    List<String> ids = new ArrayList<>();
    document.getJsonObject("paths", new JsonObject()).forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (METHODS.contains(op.getKey())) {
        ids.add(((JsonObject) op.getValue()).getString("operationId"));
      }
    }));
    return ids;
  }

  private static JsonObject read(String resource) {
    try (InputStream in = ApiContract.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("OpenAPI document " + resource + " is missing from the classpath");
      }
      Object yaml = new Yaml(new SafeConstructor(new LoaderOptions())).load(new String(in.readAllBytes(),
          StandardCharsets.UTF_8));
      if (!(yaml instanceof Map<?, ?> map)) {
        throw new IllegalStateException(resource + " is not a YAML mapping");
      }
      return (JsonObject) toJson(map);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + resource, e);
    }
  }

  private static Object toJson(Object yaml) {
    if (yaml instanceof Map<?, ?> map) {
      JsonObject out = new JsonObject();
      map.forEach((k, v) -> out.put(String.valueOf(k), toJson(v)));
      return out;
    }
    if (yaml instanceof List<?> list) {
      JsonArray out = new JsonArray();
      list.forEach(v -> out.add(toJson(v)));
      return out;
    }
    return yaml;
  }

  private static Object toYaml(Object json) {
    if (json instanceof JsonObject obj) {
      Map<String, Object> out = new LinkedHashMap<>();
      obj.forEach(e -> out.put(e.getKey(), toYaml(e.getValue())));
      return out;
    }
    if (json instanceof JsonArray arr) {
      List<Object> out = new ArrayList<>();
      arr.forEach(v -> out.add(toYaml(v)));
      return out;
    }
    return json;
  }

  /** The merged document (a copy). */
  public JsonObject document() {
    return document.copy();
  }

  /** The merged document as YAML, as {@code /openapi.yaml} serves it. */
  public String yaml() {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setWidth(120);
    return new Yaml(options).dump(toYaml(document));
  }

  /** The operationIds a document declares (the base or a fragment). */
  public List<String> operationsOf(String resource) {
    return operationsByFragment.getOrDefault(resource, List.of());
  }

  /** Every operationId of the contract. */
  public List<String> operationIds() {
    return operationsByFragment.values().stream().flatMap(List::stream).toList();
  }

  /** The methods of the contract's path that {@code requestPath} matches, for 405's Allow; empty when none does. */
  public Optional<Set<String>> methodsOf(String requestPath) {
    return pathOf(requestPath).map(PathMethods::methods);
  }

  /** The operation a request is for, when the contract has one for its method and path. */
  public Optional<String> operationOf(String method, String requestPath) {
    return pathOf(requestPath).map(p -> p.operationByMethod().get(method));
  }

  /**
   * The operationId by method (upper case) of the contract's path that {@code requestPath} matches; empty
   * when none does. One match per request answers both the method check and access control.
   */
  public Optional<Map<String, String>> operationsByMethod(String requestPath) {
    return pathOf(requestPath).map(PathMethods::operationByMethod);
  }

  private Optional<PathMethods> pathOf(String requestPath) {
    for (PathMethods p : paths) {
      if (p.matches(requestPath)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The path template an operation belongs to and its method, e.g. {@code POST /api/v1/deployments}. */
  public Map<String, String> operationRoutes() {
    Map<String, String> routes = new LinkedHashMap<>();
    document.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (METHODS.contains(op.getKey())) {
        routes.put(((JsonObject) op.getValue()).getString("operationId"),
            op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
      }
    }));
    return routes;
  }

  /** The status codes the contract documents for an operation. */
  public Set<Integer> documentedStatuses(String operationId) {
    Set<Integer> statuses = new TreeSet<>();
    document.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (METHODS.contains(op.getKey()) && operationId.equals(((JsonObject) op.getValue()).getString("operationId"))) {
        ((JsonObject) op.getValue()).getJsonObject("responses").fieldNames().forEach(code -> statuses.add(
            Integer.parseInt(code)));
      }
    }));
    return statuses;
  }

  /** Whether {@code method} is one HTTP defines (anything else is answered 501, never routed). */
  static boolean isKnownMethod(HttpMethod method) {
    return HttpMethod.values().contains(method);
  }

  /**
   * Media types the gateway reads itself ({@link Bodies}) that vertx-openapi 5.0 does not know: the
   * served contract lists them, the copy the router is built from does not ({@link #resolve}), and
   * {@link ContractValidation} compiles their schemas on its own.
   */
  static final Set<String> GATEWAY_MEDIA_TYPES = Set.of(Bodies.NDJSON);

  /** Response media types the gateway writes itself (the live stream) that vertx-openapi 5.0 refuses. */
  static final Set<String> GATEWAY_RESPONSE_MEDIA_TYPES = Set.of("text/event-stream");

  /** Resolves the references of the merged document for the router and the validator. */
  public Future<OpenAPIContract> resolve(Vertx vertx) {
    JsonObject copy = document.copy();
    // access control is the gateway's own (AccessControl), not the router's security handlers
    copy.remove("security");
    copy.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (METHODS.contains(op.getKey())) {
        ((JsonObject) op.getValue()).remove("security");
      }
    }));
    copy.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (METHODS.contains(op.getKey()) && ((JsonObject) op.getValue()).getJsonObject("requestBody") != null) {
        JsonObject content = ((JsonObject) op.getValue()).getJsonObject("requestBody").getJsonObject("content");
        GATEWAY_MEDIA_TYPES.forEach(content::remove);
      }
      if (METHODS.contains(op.getKey()) && ((JsonObject) op.getValue()).getJsonObject("responses") != null) {
        ((JsonObject) op.getValue()).getJsonObject("responses").forEach(response -> {
          JsonObject content = response.getValue() instanceof JsonObject r ? r.getJsonObject("content") : null;
          if (content != null) {
            GATEWAY_RESPONSE_MEDIA_TYPES.forEach(content::remove);
            if (content.isEmpty()) {
              ((JsonObject) response.getValue()).remove("content");
            }
          }
        });
      }
    }));
    return OpenAPIContract.from(vertx, copy);
  }

  /**
   * The schema of each {@link #GATEWAY_MEDIA_TYPES} body, by operationId and media type: a reference
   * to a component schema ({@code #/components/schemas/X}), as the contract declares it.
   */
  Map<String, Map<String, String>> gatewayMediaTypes() {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    document.getJsonObject("paths").forEach(path -> ((JsonObject) path.getValue()).forEach(op -> {
      if (!METHODS.contains(op.getKey())) {
        return;
      }
      JsonObject operation = (JsonObject) op.getValue();
      JsonObject body = operation.getJsonObject("requestBody");
      if (body == null) {
        return;
      }
      for (String type : GATEWAY_MEDIA_TYPES) {
        JsonObject media = body.getJsonObject("content").getJsonObject(type);
        if (media != null) {
          String ref = media.getJsonObject("schema", new JsonObject()).getString("$ref");
          if (ref == null || !ref.startsWith("#/components/schemas/")) {
            throw new IllegalStateException(operation.getString("operationId") + ": the " + type
                + " body schema must be a $ref to #/components/schemas/...");
          }
          out.computeIfAbsent(operation.getString("operationId"), id -> new LinkedHashMap<>()).put(type, ref);
        }
      }
    }));
    return out;
  }
}
