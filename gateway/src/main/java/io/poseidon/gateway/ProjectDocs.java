package io.poseidon.gateway;

import io.poseidon.processors.oracle.ContentHash;
import io.poseidon.schemas.oracle.DocumentChanged;
import io.poseidon.schemas.oracle.DocumentKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
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
import java.util.Map;
import java.util.stream.Stream;

/**
 * The project's own documentation as oracle documents, so search works on a fresh machine:
 * {@code ./poseidon dev} puts {@code README.md} and every {@code docs/**.md} through the gateway once
 * the node is ready — those oracle does not have yet, or whose content changed since (it compares the
 * normalized content hash oracle keeps); the others are left alone. ADRs are of kind {@code adr}, the
 * rest {@code readme}. Document ids are {@code poseidon.<path>}: {@code poseidon.docs.adr.0014-oracle-index.md}.
 */
final class ProjectDocs {

  record Doc(String docId, String path, DocumentChanged document) {}

  private ProjectDocs() {}

  /** The markdown files under {@code root}: README.md and docs/, as documents. */
  static List<Doc> collect(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    if (Files.isRegularFile(root.resolve("README.md"))) {
      files.add(root.resolve("README.md"));
    }
    Path docs = root.resolve("docs");
    if (Files.isDirectory(docs)) {
      try (Stream<Path> walk = Files.walk(docs)) {
        walk.filter(f -> f.toString().endsWith(".md") && Files.isRegularFile(f)).sorted().forEach(files::add);
      }
    }
    List<Doc> out = new ArrayList<>();
    for (Path f : files) {
      String rel = root.relativize(f).toString().replace('\\', '/');
      String body = Files.readString(f, StandardCharsets.UTF_8);
      if (body.isBlank()) {
        continue;
      }
      String docId = ("poseidon." + rel.replace('/', '.')).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
      DocumentKind kind = rel.startsWith("docs/adr/") ? DocumentKind.ADR : DocumentKind.README;
      DocumentChanged doc = DocumentChanged.newBuilder().setDocId(docId).setTitle(title(body, rel)).setKind(kind)
          .setService(null).setTags(List.of("poseidon", "docs")).setBody(body).setSourceUri(rel)
          .setAttributes(Map.of()).build();
      out.add(new Doc(docId, rel, doc));
    }
    return out;
  }

  static String title(String body, String fallback) {
    for (String line : body.split("\n", 50)) {
      if (line.startsWith("# ")) {
        return line.substring(2).strip();
      }
    }
    return fallback;
  }

  /**
   * Puts the documents oracle lacks or has another version of through {@code gateway}; the number put.
   * Failures are reported, not thrown: a dev stack without search is still a dev stack.
   */
  static int index(Path root, String gateway, String apiKey) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    int put = 0;
    int unchanged = 0;
    try {
      List<Doc> docs = collect(root);
      for (Doc d : docs) {
        String uri = gateway + "/api/v1/documents/" + URLEncoder.encode(d.docId(), StandardCharsets.UTF_8);
        HttpResponse<String> known = send(http, HttpRequest.newBuilder(URI.create(uri)).header("X-API-Key", apiKey).GET());
        if (known.statusCode() == 200
            && ContentHash.of(d.document()).equals(new JsonObject(known.body()).getString("contentHash"))) {
          unchanged++;
          continue;
        }
        JsonObject body = new JsonObject().put("title", d.document().getTitle())
            .put("kind", d.document().getKind().name().toLowerCase(Locale.ROOT))
            .put("tags", new JsonArray(d.document().getTags())).put("body", d.document().getBody())
            .put("source", new JsonObject().put("uri", d.path()));
        HttpResponse<String> r = send(http, HttpRequest.newBuilder(URI.create(uri)).header("Content-Type", "application/json")
            .header("X-API-Key", apiKey).PUT(HttpRequest.BodyPublishers.ofString(body.encode())));
        if (r.statusCode() == 202) {
          put++;
        } else {
          PoseidonCli.progress("could not index " + d.path() + " for search: HTTP " + r.statusCode() + " " + r.body());
        }
      }
      PoseidonCli.progress("search: " + put + " of the project's " + docs.size() + " docs sent to oracle for indexing"
          + (unchanged > 0 ? ", " + unchanged + " already indexed" : "") + " (try ./poseidon search \"health gate\")");
    } catch (IOException | RuntimeException e) {
      PoseidonCli.progress("could not index the project's docs for search: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return put;
  }

  /** A request, retried while the gateway answers 503 (oracle still starting). */
  private static HttpResponse<String> send(HttpClient http, HttpRequest.Builder request)
      throws IOException, InterruptedException {
    HttpResponse<String> r = null;
    for (int attempt = 0; attempt < 60; attempt++) {
      r = http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 503) {
        return r;
      }
      Thread.sleep(1_000);
    }
    return r;
  }
}
