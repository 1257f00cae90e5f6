package dev.stripeedge.cli;

import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.StripeSim;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code stripe-edge sim}: runs the Stripe simulator until interrupted. */
@Command(
    name = "sim",
    mixinStandardHelpOptions = true,
    description = {
      "Runs stripe-sim, a stateful Stripe API simulator, on loopback.",
      "Point a Stripe client at the printed URL with any sk_test_… key."
    })
final class SimCommand implements Callable<Integer> {

  /** The latency presets. */
  enum LatencyPreset {
    realistic,
    off
  }

  /** The limit presets. */
  enum LimitsPreset {
    stripe,
    off
  }

  /** The modes, as typed. */
  enum Mode {
    test,
    live
  }

  @Option(
      names = "--port",
      description = "Port to listen on (default: ${DEFAULT-VALUE}; 0 = any free).")
  int port = 12111;

  @Option(names = "--host", description = "Address to bind (default: ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  @Option(names = "--mode", description = "test or live: which keys work and which limits apply.")
  @Nullable Mode mode;

  @Option(names = "--latency", description = "realistic or off.")
  @Nullable LatencyPreset latency;

  @Option(names = "--limits", description = "stripe or off.")
  @Nullable LimitsPreset limits;

  @Option(names = "--seed", description = "Seed for latency, faults and webhook knobs.")
  @Nullable Long seed;

  @Option(names = "--config", description = "YAML or JSON file with any SimConfig field.")
  @Nullable Path config;

  @Override
  public Integer call() throws Exception {
    SimConfig settings = load(config).withHost(host).withPort(port);
    if (mode != null) {
      settings = settings.withMode(mode == Mode.live ? SimMode.LIVE : SimMode.TEST);
    }
    if (latency != null) {
      settings =
          settings.withLatency(
              latency == LatencyPreset.off
                  ? SimConfig.Latency.off()
                  : SimConfig.Latency.realistic());
    }
    if (limits != null) {
      settings =
          settings.withLimits(
              limits == LimitsPreset.off ? SimConfig.Limits.off() : SimConfig.Limits.stripe());
    }
    if (seed != null) {
      settings = settings.withSeed(seed);
    }
    StripeSim sim = StripeSim.start(settings);
    return UntilStopped.run(
        sim,
        "stripe-sim listening on %s (mode %s, latency %s, limits %s)"
            .formatted(
                sim.baseUrl(),
                settings.mode().name().toLowerCase(java.util.Locale.ROOT),
                settings.latency().enabled() ? "realistic" : "off",
                settings.limits().enabled() ? "stripe" : "off"));
  }

  private static SimConfig load(@Nullable Path file) {
    return file == null ? SimConfig.defaults() : SimConfig.load(file);
  }
}
