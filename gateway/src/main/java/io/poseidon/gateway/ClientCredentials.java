package io.poseidon.gateway;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The API key the CLI's client commands ({@code ingest}, {@code publish}, {@code search}, {@code ask})
 * send: {@code --api-key}, else {@code $POSEIDON_API_KEY}, else the local stack's admin key
 * ({@code .poseidon/admin-key}, written by {@code ./poseidon dev}); none, and the gateway decides
 * (its anonymous role, or 401).
 */
final class ClientCredentials {

  static final Path DEV_ADMIN_KEY = Path.of(".poseidon", "admin-key");

  private ClientCredentials() {}

  static Optional<String> apiKey(String explicit) {
    if (explicit != null && !explicit.isBlank()) {
      return Optional.of(explicit.trim());
    }
    String env = System.getenv("POSEIDON_API_KEY");
    if (env != null && !env.isBlank()) {
      return Optional.of(env.trim());
    }
    try {
      return Files.isReadable(DEV_ADMIN_KEY) ? Optional.of(Files.readString(DEV_ADMIN_KEY, StandardCharsets.US_ASCII)
          .trim()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** {@code request} with the key, when there is one. */
  static HttpRequest.Builder with(HttpRequest.Builder request, Optional<String> key) {
    key.ifPresent(k -> request.header("X-API-Key", k));
    return request;
  }
}
