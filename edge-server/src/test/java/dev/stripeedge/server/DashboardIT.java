package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.StripeClient;
import com.stripe.net.Webhook;
import com.stripe.param.CustomerCreateParams;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * as .ci/run installs them): the page loads from the admin listener with nothing from elsewhere,
 * and its charts draw from live data after traffic through the edge. The screenshot goes to {@code
 * target/dashboard.png} (the one in {@code docs/} is a copy of it).
 */
class DashboardIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  private static final String KEY = "sk_test_dashboard_it";
  private static final String SECRET = "whsec_dashboard_it_secret";

  @TempDir Path dir;

  private EdgeServer edge;
  private ChromeDriver browser;

  @BeforeEach
  void start() {
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                .with("store.path", dir.resolve("edge.db").toString())
                .with("webhooks.secrets", List.of(SECRET)));
    Path driver = Path.of(System.getProperty("chromedriver", "/usr/bin/chromedriver"));
    Path chromium = Path.of(System.getProperty("chromium", "/usr/bin/chromium"));
    assertThat(driver)
        .as("chromedriver: apt-get install chromium chromium-driver (.ci/run does)")
        .isExecutable();
    ChromeOptions options =
        new ChromeOptions()
            .setBinary(chromium.toFile())
            .addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage");
    browser =
        new ChromeDriver(
            new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).build(),
            options);
    browser.manage().window().setSize(new Dimension(1200, 1600));
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (edge != null) {
      edge.close();
    }
  }

  @Test
  void theDashboardDrawsLiveDataAfterTraffic() throws Exception {
    String admin = "http://127.0.0.1:" + edge.adminPort();
    browser.get(admin + "/admin/dashboard");
    WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
    wait.until(b -> b.findElement(By.id("status")).getText().startsWith("ready"));
    assertThat(browser.findElement(By.cssSelector("#sizing .chart")).getText())
        .contains("nothing sampled yet");

    traffic();

    wait.until(b -> !b.findElements(By.cssSelector("#hit-ratio svg rect.hit")).isEmpty());
    wait.until(b -> !b.findElements(By.cssSelector("#upstream svg polyline.lane")).isEmpty());
    wait.until(b -> !b.findElements(By.cssSelector("#sizing svg polyline.curve")).isEmpty());
    List<WebElement> rows = browser.findElements(By.cssSelector("#hit-ratio tbody tr"));
    assertThat(rows)
        .extracting(WebElement::getText)
        .anyMatch(r -> r.startsWith("customers memory"));
    assertThat(browser.findElement(By.cssSelector("#latency tbody")).getText())
        .contains("/v1/customers/{id}")
        .containsPattern("upstream \\d+(\\.\\d)?%");
    assertThat(browser.findElement(By.cssSelector("#upstream svg line.limit"))).isNotNull();
    wait.until(b -> b.findElement(By.id("event-lag")).getText().startsWith("webhook: 1 applied"));
    List<LogEntry> errors =
        browser.manage().logs().get(LogType.BROWSER).getAll().stream()
            .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
            .toList();
    assertThat(errors).as("browser console errors (a CSP violation, a script error)").isEmpty();

    Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
    Files.createDirectories(Path.of("target"));
    Files.copy(shot, Path.of("target", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
  }

  /** A signed {@code customer.updated} created {@code secondsAgo} at "Stripe", delivered now. */
  private void deliverEvent(String customer, long secondsAgo) throws Exception {
    long now = Instant.now().getEpochSecond();
    String payload =
        "{\"id\":\"evt_dashboard_1\",\"object\":\"event\",\"type\":\"customer.updated\","
            + "\"created\":"
            + (now - secondsAgo)
            + ",\"data\":{\"object\":{\"id\":\""
            + customer
            + "\",\"object\":\"customer\"}}}";
    HttpResponse<String> answer =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + edge.port() + "/webhooks/stripe"))
                    .header("Content-Type", "application/json")
                    .header(
                        "Stripe-Signature",
                        Webhook.Signature.generateSignatureHeader(payload, SECRET, now))
                    .POST(HttpRequest.BodyPublishers.ofString(payload))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  /**
   * Customers created, then read again and again: misses, then memory hits; and one webhook for a
   * change made 5 s before.
   */
  private void traffic() throws Exception {
    StripeClient stripe =
        StripeClient.builder()
            .setApiKey(KEY)
            .setApiBase("http://127.0.0.1:" + edge.port())
            .setMaxNetworkRetries(0)
            .build();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      ids.add(stripe.v1().customers().create(CustomerCreateParams.builder().build()).getId());
    }
    HttpClient http = HttpClient.newHttpClient();
    for (int round = 0; round < 5; round++) {
      for (String id : ids) {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + edge.port() + "/v1/customers/" + id))
                    .header("Authorization", "Bearer " + KEY)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
      }
      Thread.sleep(1000);
    }
    deliverEvent(ids.get(0), 5);
  }
}
