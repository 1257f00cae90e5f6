package dev.stripeedge.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * What the core logs through {@code System.Logger} (backed by JUL) reaches stderr through the
 * production logback.xml: redacted, one line, no stray pattern text.
 */
class JulBridgeTest {

  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private PrintStream stderr;

  @BeforeEach
  void captureStderr() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(getClass().getResource("/logback.xml"));
    stderr = System.err;
    // Logback's console target writes to whatever System.err is at the time of each event.
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    JulBridge.install();
  }

  @AfterEach
  void restoreStderr() {
    System.setErr(stderr);
  }

  private String logged() {
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void systemLoggerLinesAreRedacted() {
    System.getLogger("dev.stripeedge.core.webhooks.WebhookForwarder")
        .log(
            System.Logger.Level.WARNING,
            "forwarding {0} to {1} failed: GET /v1/customers?api_key={2}",
            "evt_1",
            "https://user:hunter2pass@hooks.example.com/in?token=s3cr3tt0ken",
            "sk_live_51HxYzAbCdEfGhIjKlMn");

    assertThat(logged())
        .contains("forwarding evt_1 to https://[redacted]@hooks.example.com/in?token=[redacted]")
        .doesNotContain("hunter2pass", "s3cr3tt0ken", "51HxYzAbCdEfGh")
        .doesNotContain("%nopex");
  }

  @Test
  void julStackTracesAreRedactedAndOnOneLine() {
    java.util.logging.Logger.getLogger("dev.stripeedge.core.internal.DefaultEdgePipeline")
        .log(
            java.util.logging.Level.SEVERE,
            "edge pipeline failed for /v1/rk_live_abcdefghijklmnop",
            new IllegalStateException("whsec_0123456789abcdefghij rejected"));

    String line = logged();
    assertThat(line).contains("rk_live_***mnop", "whsec_***ghij", "IllegalStateException");
    assertThat(line).doesNotContain("abcdefghijklmnop", "0123456789abcdefghij", "%nopex");
    assertThat(line.strip()).doesNotContain("\n");
  }
}
