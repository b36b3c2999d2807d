package io.poseidon.gateway.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The web dashboard: static files from the jar ({@code dashboard/} on the classpath), the page at
 * {@code GET /} and its assets under {@link #PREFIX}. The files are public — they hold no data; the page
 * reads everything through the API with the caller's credentials, and updates from the live stream. Its
 * answers carry their own Content-Security-Policy, which lets the page load its own scripts and styles
 * and call this origin only (no inline script, nothing from elsewhere); every other answer keeps the
 * gateway's {@code default-src 'none'}. A missing asset falls through to the gateway's JSON 404.
 */
public final class DashboardRoutes {

  /** Where the assets are served. */
  public static final String PREFIX = "/dashboard/";
  /** The policy of the dashboard's answers. */
  public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  private static final String ROOT = "dashboard";

  private DashboardRoutes() {}

  /** Mounts the page and its assets on {@code router}, after the API's routes. */
  public static void mount(Router router) {
    // the gateway's Cache-Control: no-store stays: a new jar's files are seen on the next load
    StaticHandler files = StaticHandler.create(ROOT).setCachingEnabled(false).setDirectoryListing(false)
        .setIncludeHidden(false).setIndexPage("index.html").setDefaultContentEncoding("UTF-8");
    for (HttpMethod method : new HttpMethod[] {HttpMethod.GET, HttpMethod.HEAD}) {
      router.route(method, "/").handler(DashboardRoutes::policy).handler(files);
      router.route(method, PREFIX + "*").handler(DashboardRoutes::policy).handler(files);
    }
  }

  /** The dashboard's policy on what it serves; an answer it does not serve (404) keeps the gateway's. */
  private static void policy(RoutingContext ctx) {
    ctx.addHeadersEndHandler(done -> {
      if (ctx.response().getStatusCode() < 400) {
        ctx.response().putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      }
    });
    ctx.next();
  }
}
