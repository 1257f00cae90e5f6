package dev.stripeedge.cli;

import dev.stripeedge.core.SystemTime;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.runtime.EdgeSettingsLoader;
import dev.stripeedge.store.sqlite.SqliteEventLedger;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code stripe-edge webhooks …}: operator commands for events forwarded to the application. */
@Command(
    name = "webhooks",
    mixinStandardHelpOptions = true,
    description = "Operator commands for events the edge forwards to the application.",
    subcommands = {WebhooksCommand.Replay.class})
final class WebhooksCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand: replay");
  }

  /**
   * {@code stripe-edge webhooks replay}: puts dead deliveries back to pending, in the SQLite store
   * directly (a running edge picks them up at its next poll; a stopped one when it starts).
   */
  @Command(
      name = "replay",
      mixinStandardHelpOptions = true,
      description = {
        "Puts dead forwarded deliveries back to pending in the store (store.path of --config).",
        "A running edge sends them within its next poll; a stopped one when it starts."
      })
  static final class Replay implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "EVENT_ID", description = "The event to replay.")
    @Nullable String eventId;

    @Option(names = "--all", description = "Replay every dead delivery.")
    boolean all;

    @Option(names = "--config", description = "YAML file; see docs/edge-config.example.yaml.")
    @Nullable Path config;

    @Override
    public Integer call() {
      if (all == (eventId != null)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "Give either --all or one EVENT_ID");
      }
      EdgeSettings settings = EdgeSettingsLoader.load(config, System.getenv());
      if (!settings.store().backend().equals("sqlite")) {
        // A shared store is replayed through any running edge, which holds its connection.
        throw new IllegalArgumentException(
            "store.backend is "
                + settings.store().backend()
                + ": replay through a running edge (POST /admin/webhooks/dead/replay)");
      }
      Path file = Path.of(settings.store().path());
      if (!Files.exists(file)) {
        throw new IllegalArgumentException("no store at " + file + " (store.path)");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (SqliteEventLedger store = SqliteEventLedger.open(file)) {
        int replayed = store.replay(all ? null : eventId, SystemTime.clock().instant());
        out.println(
            "replayed %d dead deliver%s%s"
                .formatted(replayed, replayed == 1 ? "y" : "ies", all ? "" : " of " + eventId));
        out.flush();
        return replayed == 0 && !all ? 1 : 0;
      }
    }
  }
}
