package io.poseidon.gateway.http.auth;

import io.poseidon.gateway.http.ApiContract;
import io.poseidon.gateway.http.ApiError;
import io.poseidon.gateway.http.Bodies;
import io.poseidon.gateway.http.RequestIds;
import io.poseidon.topology.config.ConfigSource;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access control in front of every route: who is calling (an API key, a JWT, or the anonymous role),
 * whether that principal may call the operation (its {@code x-poseidon-role} in the contract, read once
 * into {@link OperationPolicy}), and whether it is within its rate. Answers 401 without (valid)
 * credentials — one message whatever check failed, the reason goes to the node log only — 403 with
 * the wrong role, 429 with Retry-After beyond the rate. After the contract validated a request,
 * {@link #objectCheck} applies the object-level rules: a principal limited to services may touch only
 * those, and a prod environment needs the operator role. Public operations (health, readiness,
 * metrics, the contract) need nothing and are never limited.
 */
public final class AccessControl {

  private static final Logger log = LoggerFactory.getLogger(AccessControl.class);
  public static final String API_KEY_HEADER = "X-API-Key";

  public enum Mode { REQUIRED, NONE }

  public record Settings(Mode mode, Role anonymousRole, Set<String> prodEnvironments, double requestsPerSecond,
      int burst, List<String> corsOrigins) {

    public static Settings from(PoseidonConfig config) {
      String anonymous = config.getString(PoseidonConfig.HTTP_AUTH_ANONYMOUS_ROLE);
      Set<String> prod = new LinkedHashSet<>();
      config.getList(PoseidonConfig.HTTP_AUTH_PROD_ENVIRONMENTS).forEach(e -> prod.add(e.toLowerCase(Locale.ROOT)));
      return new Settings(Mode.valueOf(config.getString(PoseidonConfig.HTTP_AUTH_MODE).toUpperCase(Locale.ROOT)),
          Role.parse(anonymous).orElse(null), prod, config.getDouble(PoseidonConfig.HTTP_RATE_LIMIT_REQUESTS_PER_SECOND),
          config.getInt(PoseidonConfig.HTTP_RATE_LIMIT_BURST), config.getList(PoseidonConfig.HTTP_CORS_ALLOWED_ORIGINS));
    }
  }

  private final Map<String, OperationPolicy> policies;
  private final ApiKeys keys;
  private final JwtVerifier jwt;
  private final Settings settings;
  private final RateLimiter limiter;

  public AccessControl(ApiContract contract, ApiKeys keys, JwtVerifier jwt, Settings settings) {
    this.policies = OperationPolicy.of(contract);
    this.keys = keys;
    this.jwt = jwt;
    this.settings = settings;
    this.limiter = new RateLimiter(settings.requestsPerSecond(), settings.burst());
  }

  /** The JWT verifier the configuration describes, or null when it names no key. */
  public static JwtVerifier jwtVerifier(Vertx vertx, PoseidonConfig config) {
    String pem = config.getString(PoseidonConfig.HTTP_AUTH_JWT_PUBLIC_KEY_FILE);
    String jwks = config.getString(PoseidonConfig.HTTP_AUTH_JWT_JWKS_FILE);
    return JwtVerifier.create(vertx, new JwtVerifier.Settings(config.getList(PoseidonConfig.HTTP_AUTH_JWT_ALGORITHMS),
        pem.isBlank() ? null : Path.of(pem), jwks.isBlank() ? null : Path.of(jwks),
        config.getString(PoseidonConfig.HTTP_AUTH_JWT_ISSUER), config.getString(PoseidonConfig.HTTP_AUTH_JWT_AUDIENCE),
        config.getInt(PoseidonConfig.HTTP_AUTH_JWT_LEEWAY_SECONDS), config.getString(PoseidonConfig.HTTP_AUTH_JWT_ROLES_CLAIM),
        config.getString(PoseidonConfig.HTTP_AUTH_JWT_SERVICES_CLAIM)));
  }

  /**
   * Refuses a node in {@code required} mode that nobody could ever call with an identity: no admin key
   * file and no JWT key. Says loudly when access control is off.
   */
  public static void checkIdentitySources(PoseidonConfig config) {
    boolean jwtConfigured = !config.getString(PoseidonConfig.HTTP_AUTH_JWT_PUBLIC_KEY_FILE).isBlank()
        || !config.getString(PoseidonConfig.HTTP_AUTH_JWT_JWKS_FILE).isBlank();
    Mode mode = Mode.valueOf(config.getString(PoseidonConfig.HTTP_AUTH_MODE).toUpperCase(Locale.ROOT));
    if (mode == Mode.NONE) {
      log.warn("*** ACCESS CONTROL IS OFF (http.auth.mode=none): anyone who reaches this node is an admin; "
          + "only run it like this behind your own authenticating proxy ***");
      return;
    }
    if (!jwtConfigured && config.getString(PoseidonConfig.HTTP_AUTH_ADMIN_KEY_FILE).isBlank()) {
      throw new org.apache.kafka.common.config.ConfigException("no identity source: set "
          + PoseidonConfig.HTTP_AUTH_JWT_JWKS_FILE + " or " + PoseidonConfig.HTTP_AUTH_JWT_PUBLIC_KEY_FILE
          + " (JWT bearer tokens) or " + PoseidonConfig.HTTP_AUTH_ADMIN_KEY_FILE + " (an admin API key to create "
          + "the others with), or run without access control on purpose with " + PoseidonConfig.HTTP_AUTH_MODE
          + "=none (" + ConfigSource.envName(PoseidonConfig.HTTP_AUTH_MODE) + "=none); see docs/security.md");
    }
  }

  public Settings settings() {
    return settings;
  }

  public Optional<OperationPolicy> policy(String operationId) {
    return Optional.ofNullable(policies.get(operationId));
  }

  /** CORS for the allow-listed origins, or null when none is. */
  public CorsHandler cors() {
    if (settings.corsOrigins().isEmpty()) {
      return null;
    }
    return CorsHandler.create().addOrigins(settings.corsOrigins())
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.PUT, HttpMethod.DELETE))
        .allowedHeaders(Set.of("Content-Type", "Authorization", API_KEY_HEADER, RequestIds.HEADER, "If-Match",
            "Idempotency-Key", "traceparent", "tracestate"))
        .exposedHeaders(Set.of(RequestIds.HEADER, "Retry-After", "ETag", "Location"))
        .maxAgeSeconds(600);
  }

  /** Headers every response carries: an API answer is never sniffed, framed, cached or referred. */
  public static void securityHeaders(io.vertx.core.http.HttpServerResponse response) {
    response.putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        .putHeader("Cache-Control", "no-store");
  }

  /**
   * The platform handler: authenticate, authorize by role, rate-limit; the principal goes on the context.
   *
   * @param operationId the operation the request is for (the method check matched it), null for none
   */
  public void authenticate(RoutingContext ctx, String operationId) {
    OperationPolicy policy = operationId == null ? null : policies.get(operationId);
    if (policy == null || policy.isPublic()) {
      ctx.next(); // unknown routes answer 404/405 after this; public ones need nobody
      return;
    }
    if (settings.mode() == Mode.NONE) {
      // no access control at all: behind an authenticating proxy every request comes from one address,
      // so a per-address limit would throttle everyone together
      ctx.put(Principal.CONTEXT_KEY, Principal.anonymous(Role.ADMIN));
      ctx.next();
      return;
    }
    String apiKey = ctx.request().getHeader(API_KEY_HEADER);
    String authorization = ctx.request().getHeader("Authorization");
    String bearer = null;
    if (authorization != null) {
      if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        unauthorized(ctx, "Authorization is not a bearer token");
        return;
      }
      bearer = authorization.substring(7).trim();
    }
    if (apiKey != null && bearer != null) {
      unauthorized(ctx, "both X-API-Key and Authorization were sent");
      return;
    }
    String key = apiKey != null ? apiKey.trim() : bearer != null && bearer.startsWith(ApiKeys.PREFIX) ? bearer : null;
    if (key != null) {
      Optional<Principal> principal = keys.authenticate(key);
      if (principal.isEmpty()) {
        unauthorized(ctx, "unknown, malformed or revoked API key " + ApiKeys.keyIdOf(key).orElse("(malformed)"));
      } else {
        admit(ctx, policy, principal.get());
      }
      return;
    }
    if (bearer != null) {
      if (jwt == null) {
        unauthorized(ctx, "a bearer token was sent but no JWT keys are configured");
        return;
      }
      jwt.verify(bearer).onComplete(done -> {
        if (done.failed()) {
          unauthorized(ctx, "JWT rejected: " + done.cause().getMessage());
        } else {
          admit(ctx, policy, done.result());
        }
      });
      return;
    }
    Role anonymous = settings.anonymousRole();
    if (anonymous != null && policy.anonymousAllowed() && anonymous.covers(policy.role())) {
      admit(ctx, policy, Principal.anonymous(anonymous));
    } else {
      unauthorized(ctx, null);
    }
  }

  private void admit(RoutingContext ctx, OperationPolicy policy, Principal principal) {
    if (principal.role() == null || !principal.role().covers(policy.role())) {
      ApiError.send(ctx, 403, "forbidden", (principal.role() == null ? "the token grants no Poseidon role"
          : "the role " + principal.role().id()) + " may not call " + policy.operationId() + ": it needs "
          + policy.role().id() + " (docs/security.md)");
      return;
    }
    String bucket = (principal.kind() == Principal.Kind.ANONYMOUS ? "anonymous@" + ctx.request().remoteAddress().hostAddress()
        : principal.id()) + "/" + policy.rateClass();
    long wait = limiter.acquire(bucket);
    if (wait > 0) {
      ctx.response().putHeader("Retry-After", Long.toString(wait));
      ApiError.send(ctx, 429, "rate_limited", "more than " + settings.requestsPerSecond() + " " + policy.rateClass()
          + " requests a second from " + principal.name() + " (http.rate-limit.requests-per-second); retry after "
          + wait + " s");
      return;
    }
    ctx.put(Principal.CONTEXT_KEY, principal);
    ctx.next();
  }

  private static void unauthorized(RoutingContext ctx, String reason) {
    if (reason != null) {
      log.info("401 for {} {} (request id {}): {}", ctx.request().method(), ctx.request().path(), RequestIds.of(ctx),
          reason);
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"poseidon\"");
    ApiError.send(ctx, 401, "unauthorized", reason == null
        ? "authentication required: send an API key (X-API-Key or Authorization: Bearer psk_...) or a JWT bearer token"
        : "the credentials were not accepted");
  }

  /**
   * The object-level rules of {@code operationId}, after the contract validated the request: true when
   * it may go on, else it answered 403.
   */
  public boolean objectCheck(RoutingContext ctx, String operationId) {
    OperationPolicy policy = policies.get(operationId);
    if (policy == null || policy.isPublic()) {
      return true;
    }
    Principal principal = Principal.of(ctx);
    if (!principal.services().isEmpty()) {
      if (policy.service() == null) {
        if (ctx.request().method() != HttpMethod.GET) {
          forbidden(ctx, operationId + " is not about one service; " + principal.name()
              + " is limited to " + new java.util.TreeSet<>(principal.services()));
          return false;
        }
      } else {
        List<String> services = values(ctx, policy.service());
        if (services.isEmpty() || !services.stream().allMatch(principal::mayAccess)) {
          forbidden(ctx, principal.name() + " is limited to services "
              + new java.util.TreeSet<>(principal.services()) + (services.isEmpty() ? "; name one with "
              + policy.service().in() + "." + policy.service().name() : "; not " + services));
          return false;
        }
      }
    }
    // reading prod is for viewers; changing it needs the prod role
    if (policy.environment() != null && ctx.request().method() != HttpMethod.GET
        && !principal.role().covers(policy.prodRole())) {
      for (String env : values(ctx, policy.environment())) {
        if (settings.prodEnvironments().contains(env.toLowerCase(Locale.ROOT))) {
          forbidden(ctx, "changing " + env + " needs the " + policy.prodRole().id() + " role; "
              + principal.name() + " is " + principal.role().id());
          return false;
        }
      }
    }
    return true;
  }

  private static void forbidden(RoutingContext ctx, String message) {
    ApiError.send(ctx, 403, "forbidden", message);
  }

  /** The values at {@code locus}: a path or query parameter, a body field (a string or an array of them). */
  private static List<String> values(RoutingContext ctx, OperationPolicy.Locus locus) {
    List<String> out = new ArrayList<>();
    Object value = switch (locus.in()) {
      case "path" -> ctx.pathParam(locus.name());
      case "query" -> ctx.queryParams().get(locus.name());
      default -> Bodies.parsed(ctx) instanceof JsonObject body ? body.getValue(locus.name()) : null;
    };
    if (value instanceof String s) {
      out.add(s);
    } else if (value instanceof JsonArray array) {
      array.forEach(v -> {
        if (v instanceof String s) {
          out.add(s);
        }
      });
    }
    return out;
  }
}
