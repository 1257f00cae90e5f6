package dev.stripeedge.cli;

import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.runtime.EdgeSettingsLoader;
import dev.stripeedge.server.EdgeServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code stripe-edge serve}: runs the sidecar proxy until interrupted. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the stripe-edge sidecar: point any Stripe client's API base at it.",
      "Settings: defaults < --config FILE < STRIPE_EDGE_HOST/PORT/UPSTREAM < flags.",
      "State-changing admin calls need STRIPE_EDGE_ADMIN_TOKEN (docs/security.md)."
    })
final class ServeCommand implements Callable<Integer> {

  @Option(
      names = "--upstream",
      description = "Stripe, or a simulator (default: https://api.stripe.com).")
  @Nullable String upstream;

  @Option(names = "--port", description = "Port to listen on (default: 8080; 0 = any free).")
  @Nullable Integer port;

  @Option(names = "--host", description = "Address to bind (default: 127.0.0.1).")
  @Nullable String host;

  @Option(
      names = "--admin-port",
      description =
          "Port of the admin listener: /admin/, /metrics (default: 8081, on 127.0.0.1; 0 = any"
              + " free).")
  @Nullable Integer adminPort;

  @Option(names = "--config", description = "YAML file; see docs/edge-config.example.yaml.")
  @Nullable Path config;

  @Override
  public Integer call() throws Exception {
    // Flags win over the environment and the file, and are checked as the file's values are.
    Map<String, Object> flags = new LinkedHashMap<>();
    if (upstream != null) {
      flags.put("upstream", upstream);
    }
    if (port != null) {
      flags.put("port", port);
    }
    if (host != null) {
      flags.put("host", host);
    }
    if (adminPort != null) {
      flags.put("listeners.admin.port", adminPort);
    }
    EdgeSettings settings = EdgeSettingsLoader.load(config, System.getenv(), flags);
    EdgeServer server = EdgeServer.start(settings);
    EdgeSettings.Listeners listeners = settings.listeners();
    return UntilStopped.run(
        server,
        "stripe-edge listening on %s://%s:%d, forwarding to %s; admin and metrics on %s://%s:%d"
            .formatted(
                listeners.proxyTls().on() ? "https" : "http",
                settings.host(),
                server.port(),
                settings.upstream(),
                listeners.admin().tls().on() ? "https" : "http",
                listeners.admin().host(),
                server.adminPort()));
  }
}
