package dev.stripeedge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Help text an operator can read (issue 19): whole summaries, whole URLs, no issue numbers. */
class HelpTextTest {

  private static String help(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli =
        new CommandLine(new StripeEdgeCli()).setUsageHelpWidth(100).setOut(new PrintWriter(out));
    cli.execute(args);
    return out.toString();
  }

  @Test
  void everyCommandSummaryIsAWholeSentence() {
    String top = help("--help");
    boolean inCommands = false;
    for (String line : top.split("\n")) {
      if (line.startsWith("Commands:")) {
        inCommands = true;
        continue;
      }
      if (inCommands && line.startsWith("  ") && !line.isBlank()) {
        assertThat(line.strip()).as("summary of %s", line).endsWith(".");
      }
    }
    assertThat(inCommands).isTrue();
  }

  @Test
  void benchHelpNamesNoIssueNumbers() {
    assertThat(help("bench", "--help")).doesNotContainPattern("issue \\d");
  }

  @Test
  void urlsAreNotBrokenAcrossLines() {
    for (String command : new String[] {"serve", "warm", "sim", "demo", "bench"}) {
      String text = help(command, "--help");
      for (String line : text.split("\n")) {
        // A URL cut by wrapping ends a line with its scheme or a bare host.
        assertThat(line).doesNotEndWith("https://").doesNotEndWith("http://");
      }
      assertThat(text.replace("\n", " ")).doesNotContain("https:// ");
    }
    assertThat(help("serve", "--help")).contains("https://api.stripe.com");
  }
}
