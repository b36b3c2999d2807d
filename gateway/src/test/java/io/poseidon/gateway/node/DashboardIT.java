package io.poseidon.gateway.node;

import static io.poseidon.deploy.testing.Await.until;
import static io.poseidon.gateway.node.NodeFixture.get;
import static io.poseidon.gateway.node.NodeFixture.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.poseidon.deploy.testing.PoseidonStackExtension;
import io.poseidon.deploy.testing.TestStack;
import io.poseidon.processors.harbor.HarborConfig;
import io.poseidon.processors.sim.SimConfig;
import io.poseidon.topology.config.PoseidonConfig;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser — Debian's headless Chromium driven over WebDriver — against a real
 * node (harbor and the simulated deploy agent on the embedded broker and registry): the page loads under
 * its Content-Security-Policy with every panel, and a deployment started over the API appears and
 * reaches its final state on screen without a reload, carried by the live stream. A screenshot is left
 * in {@code target/dashboard.png}. Without Chromium the test is skipped, naming the packages to install.
 */
@ExtendWith(PoseidonStackExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardIT {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Duration SAGA = Duration.ofSeconds(90);
  private static final List<String> TERMINAL = List.of("SUCCEEDED", "ROLLED_BACK", "FAILED_NEEDS_ATTENTION",
      "CANCELLED");
  private static final Path SCREENSHOT = Path.of(System.getProperty("basedir", "."), "target", "dashboard.png");

  private Node node;
  private WebDriver browser;
  private String service;

  @BeforeAll
  void start(TestStack stack) throws IOException {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "headless Chromium is not "
        + "installed (" + CHROMIUM + ", " + CHROMEDRIVER + "): apt-get install -y chromium chromium-driver");
    service = stack.uniqueName("storefront");
    node = NodeFixture.start(stack, stack.uniqueName("node"), stack.uniqueName("dash") + "-", Map.of(
        PoseidonConfig.NODE_SERVICES, "harbor,sim",
        HarborConfig.DEFAULT_HEALTH_GATE_SECONDS, "1",
        HarborConfig.TIMER_SCAN_INTERVAL_MS, "100",
        SimConfig.DEPLOY_DURATION_MS, "500",
        SimConfig.ROLLBACK_DURATION_MS, "200"));
    until("node ready", Duration.ofSeconds(90), () -> get(node, "/ready").statusCode() == 200);

    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000");
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    browser = new ChromeDriver(driver, options);
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void shouldLoadThePageWithEveryPanelUnderItsContentSecurityPolicy() {
    browser.get(url("/"));

    assertEquals("Poseidon dashboard", browser.getTitle());
    for (String panel : List.of("Deployments", "Services", "Alerts", "Workflows", "Pipeline runs", "Search",
        "Live event tail")) {
      assertTrue(browser.findElements(By.tagName("h2")).stream().anyMatch(h -> h.getText().equals(panel)),
          "panel " + panel + " on the page");
    }
    assertEquals("API key", browser.findElement(By.cssSelector("label[for=api-key]")).getText());
    assertEquals("polite", browser.findElement(By.id("tail-list")).getAttribute("aria-live"));
    new WebDriverWait(browser, Duration.ofSeconds(10)).withMessage("the script ran and said how the stream is")
        .until(d -> !"connecting".equals(d.findElement(By.id("live-status")).getAttribute("data-state")));
    List<String> refused = browser.manage().logs().get(LogType.BROWSER).getAll().stream().map(LogEntry::getMessage)
        .filter(m -> m.contains("Content Security Policy")).toList();
    assertEquals(List.of(), refused, "nothing the page needs is refused by its policy");
  }

  @Test
  void shouldShowADeploymentStartedOverTheApiReachItsFinalStateWithoutAReload() throws IOException {
    // given the page, open before the deployment exists
    browser.get(url("/"));
    ((JavascriptExecutor) browser).executeScript("window.poseidonSamePage = true;");

    // when a deployment is requested over the API
    HttpResponse<String> accepted = post(node, "/api/v1/deployments", "{\"service\":\"" + service
        + "\",\"version\":\"3.1.0\",\"environments\":[\"dev\",\"staging\",\"prod\"],\"strategy\":\"rolling\"}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    String id = new JsonObject(accepted.body()).getString("deploymentId");

    // then its card appears and reaches the final state, on the same page
    try {
      new WebDriverWait(browser, SAGA).pollingEvery(Duration.ofMillis(200))
          .withMessage(() -> "deployment " + id + " shown in a final state; the page says: " + statusOnPage(id)
              + " (live stream: " + liveStatus() + ")")
          .until(d -> TERMINAL.contains(statusOnPage(id)));
      assertEquals("SUCCEEDED", statusOnPage(id));
      String prod = textOf("[data-deployment-id=\"" + id + "\"] [data-environment=prod]");
      assertTrue(prod.contains("COMPLETED"), prod);
      assertEquals(Boolean.TRUE, ((JavascriptExecutor) browser).executeScript("return window.poseidonSamePage;"),
          "the page was not reloaded");
    } finally {
      screenshot();
    }
  }

  private String url(String path) {
    return "http://127.0.0.1:" + node.httpPort() + path;
  }

  /** The status the deployment's card shows, or "(no card)". */
  private String statusOnPage(String deploymentId) {
    return textOf("[data-deployment-id=\"" + deploymentId + "\"] [data-status]");
  }

  /**
   * The rendered text of the first element matching {@code selector}, or "(no card)": read in one script
   * call, since the page replaces a card's elements whenever its deployment changes.
   */
  private String textOf(String selector) {
    Object text = ((JavascriptExecutor) browser).executeScript(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : '(no card)';", selector);
    return String.valueOf(text);
  }

  private String liveStatus() {
    return browser.findElement(By.id("live-text")).getText();
  }

  private void screenshot() throws IOException {
    Path shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
    Files.createDirectories(SCREENSHOT.getParent());
    Files.copy(shot, SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);
  }
}
