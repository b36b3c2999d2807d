package io.poseidon.gateway.http.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Bearer tokens (JWS, compact form) checked by {@code vertx-auth-jwt}: the signature with the
 * configured keys (a PEM public key and/or a JWKS file), {@code iss}, {@code aud}, {@code exp} and
 * {@code nbf} with a small leeway. Before the library sees a token, its header must name one of the
 * pinned algorithms ({@code http.auth.jwt.algorithms}): {@code none} and any algorithm without a key of
 * its own kind are refused, so an HS256 token "signed" with the RSA public key (key confusion) never
 * reaches a verifier. A token without {@code exp} is refused too. The role comes from a configurable
 * claim; the highest Poseidon role it names wins, a token naming none is authenticated but may do nothing.
 */
public final class JwtVerifier {

  /** A token that did not pass: the reason is for the node log, never for the caller. */
  public static final class Rejected extends RuntimeException {
    Rejected(String reason) {
      super(reason, null, false, false);
    }
  }

  public record Settings(List<String> algorithms, Path publicKeyFile, Path jwksFile, String issuer, String audience,
      int leewaySeconds, String rolesClaim, String servicesClaim) {}

  private final JWTAuth auth;
  private final Set<String> algorithms;
  private final Settings settings;

  private JwtVerifier(JWTAuth auth, Set<String> algorithms, Settings settings) {
    this.auth = auth;
    this.algorithms = algorithms;
    this.settings = settings;
  }

  /** The verifier of {@code settings}, or null when it names no key (JWTs are then not accepted). */
  public static JwtVerifier create(Vertx vertx, Settings settings) {
    Set<String> pinned = new HashSet<>();
    for (String alg : settings.algorithms()) {
      String a = alg.trim().toUpperCase(Locale.ROOT);
      if (a.equals("NONE")) {
        throw new IllegalArgumentException("http.auth.jwt.algorithms must not contain none");
      }
      if (!a.isEmpty()) {
        pinned.add(a);
      }
    }
    JWTOptions jwt = new JWTOptions().setLeeway(settings.leewaySeconds()).setIgnoreExpiration(false);
    if (settings.issuer() != null && !settings.issuer().isBlank()) {
      jwt.setIssuer(settings.issuer());
    }
    if (settings.audience() != null && !settings.audience().isBlank()) {
      jwt.setAudience(List.of(settings.audience()));
    }
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(jwt);
    int keys = 0;
    if (settings.publicKeyFile() != null) {
      keys += addPem(options, settings.publicKeyFile(), pinned);
    }
    if (settings.jwksFile() != null) {
      keys += addJwks(options, settings.jwksFile(), pinned);
    }
    if (keys == 0) {
      if (settings.publicKeyFile() != null || settings.jwksFile() != null) {
        throw new IllegalArgumentException("no JWT key of the pinned algorithms " + pinned + " in "
            + (settings.publicKeyFile() != null ? settings.publicKeyFile() : settings.jwksFile()));
      }
      return null;
    }
    return new JwtVerifier(JWTAuth.create(vertx, options), Set.copyOf(pinned), settings);
  }

  private static int addPem(JWTAuthOptions options, Path file, Set<String> pinned) {
    String pem = read(file);
    String family = keyFamily(pem, file);
    int added = 0;
    for (String alg : pinned) {
      if (alg.startsWith(family) || (family.equals("RS") && alg.startsWith("PS"))) {
        options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(alg).setBuffer(pem));
        added++;
      }
    }
    return added;
  }

  /** RS for an RSA key, ES for an EC key. */
  private static String keyFamily(String pem, Path file) {
    String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    byte[] der = Base64.getDecoder().decode(base64);
    for (String[] kind : new String[][] {{"RSA", "RS"}, {"EC", "ES"}}) {
      try {
        KeyFactory.getInstance(kind[0]).generatePublic(new X509EncodedKeySpec(der));
        return kind[1];
      } catch (Exception e) {
        // try the next kind
      }
    }
    throw new IllegalArgumentException(file + " is not a PEM public key (RSA or EC, -----BEGIN PUBLIC KEY-----)");
  }

  private static int addJwks(JWTAuthOptions options, Path file, Set<String> pinned) {
    JsonArray keys = new JsonObject(read(file)).getJsonArray("keys", new JsonArray());
    int added = 0;
    for (Object k : keys) {
      JsonObject jwk = ((JsonObject) k).copy();
      String alg = jwk.getString("alg");
      if (alg == null) {
        alg = switch (jwk.getString("kty", "")) {
          case "RSA" -> first(pinned, "RS");
          case "EC" -> first(pinned, "ES");
          case "oct" -> first(pinned, "HS");
          default -> null;
        };
      }
      if (alg != null && pinned.contains(alg.toUpperCase(Locale.ROOT)) && ("sig".equals(jwk.getString("use", "sig")))) {
        options.addJwk(jwk.put("alg", alg.toUpperCase(Locale.ROOT)));
        added++;
      }
    }
    return added;
  }

  private static String first(Set<String> pinned, String prefix) {
    return pinned.stream().filter(a -> a.startsWith(prefix)).sorted().findFirst().orElse(null);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** The principal of a valid token; a failed future ({@link Rejected}) otherwise. */
  public Future<Principal> verify(String token) {
    String problem = headerProblem(token);
    if (problem != null) {
      return Future.failedFuture(new Rejected(problem));
    }
    return auth.authenticate(new TokenCredentials(token))
        .recover(err -> Future.failedFuture(new Rejected(err.getMessage() == null ? err.toString() : err.getMessage())))
        .compose(user -> {
          JsonObject claims = user.attributes().getJsonObject("accessToken", user.principal());
          if (!(claims.getValue("exp") instanceof Number)) {
            return Future.failedFuture(new Rejected("the token has no exp"));
          }
          String sub = claims.getString("sub");
          if (sub == null || sub.isBlank()) {
            return Future.failedFuture(new Rejected("the token has no sub"));
          }
          Role role = highestRole(claim(claims, settings.rolesClaim()));
          Set<String> services = new HashSet<>(strings(claim(claims, settings.servicesClaim())));
          String iss = claims.getString("iss", "");
          return Future.succeededFuture(new Principal("jwt:" + (iss.isEmpty() ? "" : iss + "/") + sub, sub,
              Principal.Kind.JWT, role, services));
        });
  }

  /** Why the token's header is refused before any signature check, or null. */
  String headerProblem(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
      return "not a signed compact JWS";
    }
    try {
      JsonObject header = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
      String alg = header.getString("alg");
      if (alg == null || !algorithms.contains(alg)) {
        return "algorithm " + alg + " is not pinned";
      }
      if (header.containsKey("crit")) {
        return "critical header parameters are not supported";
      }
    } catch (RuntimeException e) {
      return "unreadable header";
    }
    return null;
  }

  private static Object claim(JsonObject claims, String path) {
    Object value = claims;
    for (String part : path.split("\\.")) {
      if (!(value instanceof JsonObject obj)) {
        return null;
      }
      value = obj.getValue(part);
    }
    return value;
  }

  private static List<String> strings(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof String s) {
      for (String part : s.split("[ ,]+")) {
        if (!part.isBlank()) {
          out.add(part);
        }
      }
    } else if (value instanceof JsonArray array) {
      array.forEach(v -> {
        if (v instanceof String s) {
          out.add(s);
        }
      });
    }
    return out;
  }

  /** The highest role named, or null when none is a Poseidon role. */
  static Role highestRole(Object value) {
    Role best = null;
    for (String name : strings(value)) {
      String n = name.startsWith("poseidon:") ? name.substring("poseidon:".length()) : name;
      Role role = Role.parse(n).orElse(null);
      if (role != null && (best == null || role.covers(best))) {
        best = role;
      }
    }
    return best;
  }
}
