package dev.stripeedge.cli;

import dev.stripeedge.cli.logging.JulBridge;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point: {@code stripe-edge <command>}.
 *
 * <p>Exit codes: 0 success, 1 failure, 2 usage error (picocli's defaults, kept on purpose).
 */
@Command(
    name = "stripe-edge",
    mixinStandardHelpOptions = true,
    versionProvider = StripeEdgeCli.Version.class,
    description = "An edge layer between applications and the Stripe API.",
    subcommands = {
      AdviseCommand.class,
      BenchCommand.class,
      DemoCommand.class,
      ReportCommand.class,
      ServeCommand.class,
      SimCommand.class,
      WarmCommand.class,
      WebhooksCommand.class,
      CommandLine.HelpCommand.class
    })
public final class StripeEdgeCli implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // Before any command logs: serve, sim and the rest all log through one redacting path.
    JulBridge.install();
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit code, without exiting the JVM (for tests). */
  public static int run(String... args) {
    return new CommandLine(new StripeEdgeCli())
        // Wrapped at the terminal's width (100 columns when it cannot be told), so a default
        // value or a URL is not broken across lines at picocli's 80.
        .setUsageHelpWidth(100)
        .setUsageHelpAutoWidth(true)
        .setExecutionExceptionHandler(
            (error, command, parsed) -> {
              // A bad flag value or config file is the user's to fix: say what, not a stack trace.
              command
                  .getErr()
                  .println("stripe-edge " + command.getCommandName() + ": " + message(error));
              return 1;
            })
        .execute(args);
  }

  private static String message(Throwable error) {
    return error.getMessage() == null ? error.toString() : error.getMessage();
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command");
  }

  /** The version baked into the jar at build time. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"stripe-edge " + version()};
    }

    static String version() {
      try (InputStream in = StripeEdgeCli.class.getResourceAsStream("version.properties")) {
        if (in == null) {
          return "unknown";
        }
        Properties properties = new Properties();
        properties.load(in);
        return properties.getProperty("version", "unknown");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
