package dev.stripeedge.cli.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Runs events through the production logback.xml, as the launcher would. */
class RedactingConverterTest {

  private final LoggerContext context = new LoggerContext();

  private String format(LoggingEvent event) throws Exception {
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(getClass().getResource("/logback.xml"));
    ConsoleAppender<?> appender =
        (ConsoleAppender<?>) context.getLogger("ROOT").getAppender("STDERR");
    var encoder = (PatternLayoutEncoder) appender.getEncoder();
    return new String(encoder.encode(event), StandardCharsets.UTF_8);
  }

  private LoggingEvent event(String message, Throwable error) {
    var logger = context.getLogger("test");
    return new LoggingEvent("test", logger, Level.WARN, message, error, null);
  }

  @Test
  void productionConfigRedactsMessageAndStackTrace() throws Exception {
    String line =
        format(
            event(
                "calling Stripe with Authorization: Bearer sk_live_51HxYzAbCdEfGhIjKlMn",
                new IllegalStateException("bad key sk_live_51HxYzAbCdEfGhIjKlMn")));

    assertThat(line).doesNotContain("51HxYzAbCdEfGh").contains("sk_live_***KlMn");
  }

  @Test
  void productionConfigWritesOneLinePerEvent() throws Exception {
    String line = format(event("first\nsecond", new RuntimeException("boom")));

    assertThat(line).endsWith(System.lineSeparator());
    assertThat(line.strip()).doesNotContain("\n").contains("first | second").contains("boom");
    // The pattern's own words never leak into the line (it once ended every line with %nopex).
    assertThat(line).doesNotContain("%nopex").doesNotContain("%");
  }
}
