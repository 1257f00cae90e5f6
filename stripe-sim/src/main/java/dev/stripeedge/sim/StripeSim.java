package dev.stripeedge.sim;

import dev.stripeedge.sim.internal.control.ControlApi;
import dev.stripeedge.sim.internal.engine.SimClock;
import dev.stripeedge.sim.internal.engine.SimRequest;
import dev.stripeedge.sim.internal.engine.SimResponse;
import dev.stripeedge.sim.internal.engine.SimState;
import dev.stripeedge.sim.internal.engine.Simulator;
import dev.stripeedge.sim.internal.http.SimHttpServer;
import dev.stripeedge.sim.internal.resources.Resources;
import dev.stripeedge.sim.internal.webhooks.DispatchingSink;
import dev.stripeedge.sim.internal.webhooks.WebhookDispatcher;
import dev.stripeedge.sim.internal.wire.Json;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A running simulator: an HTTP server on loopback that behaves like {@code api.stripe.com}.
 *
 * <p>Start with {@link #start(SimConfig)}, point a Stripe client at {@link #baseUrl()}, close when
 * done. Thread-safe. The simulator's own controls are under {@code /_sim/} and on this class.
 */
public final class StripeSim implements AutoCloseable {

  private final Vertx vertx;
  private final SimHttpServer server;
  private final WebhookDispatcher dispatcher;
  private final Simulator simulator;
  private final ControlApi control;
  private final String host;
  private final int port;

  private StripeSim(SimConfig config, SimClock clock) {
    this.vertx =
        Vertx.vertx(
            new VertxOptions()
                .setEventLoopPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors()))
                .setBlockedThreadCheckInterval(10)
                .setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
    DispatchingSink webhooks = new DispatchingSink();
    SimState state = new SimState(config, clock, webhooks);
    this.dispatcher =
        new WebhookDispatcher(
            vertx,
            () -> state.config().webhooks(),
            new SplittableRandom(config.seed()),
            clock::epochSeconds,
            webhooks);
    webhooks.bind(state.events(), dispatcher);
    this.simulator = new Simulator(state, Resources.router());
    this.control = new ControlApi(simulator, () -> {});
    this.server = new SimHttpServer(vertx, this::handle);
    this.host = config.host();
    int bound;
    try {
      bound = server.start(config.host(), config.port());
    } catch (RuntimeException e) {
      dispatcher.close();
      vertx.close();
      throw e;
    }
    this.port = bound;
  }

  /** Starts a simulator on real time; blocks until it listens. */
  public static StripeSim start(SimConfig config) {
    return new StripeSim(config, SimClock.system());
  }

  /** Starts a simulator whose clock stands still until {@link #advanceClock} (for tests). */
  public static StripeSim startWithManualClock(SimConfig config, long epochMillis) {
    return new StripeSim(config, SimClock.manual(epochMillis));
  }

  private SimResponse handle(SimRequest request) {
    if (request.path().equals("/") && request.method().equals("GET")) {
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("name", SimConfig.NAME);
      info.put("version", version());
      info.put("mode", config().mode().name().toLowerCase(java.util.Locale.ROOT));
      info.put("api_version", config().apiVersion());
      return new SimResponse(
          200, Map.of("Content-Type", "application/json"), Json.write(info), 0, null, () -> {});
    }
    if (request.path().startsWith("/_sim/")) {
      return control.handle(request);
    }
    return simulator.handle(request);
  }

  /** {@code http://host:port}, ready for {@code setApiBase}. */
  public String baseUrl() {
    String shownHost = host.contains(":") ? "[" + host + "]" : host;
    return "http://" + shownHost + ":" + port;
  }

  public int port() {
    return port;
  }

  public SimConfig config() {
    return simulator.state().config();
  }

  /** Applies a new configuration at once (limits, latency, faults, webhooks). */
  public void reconfigure(UnaryOperator<SimConfig> change) {
    simulator.reconfigure(change.apply(config()));
  }

  /** Moves the simulated clock forward. */
  public void advanceClock(Duration duration) {
    simulator.state().clock().advance(duration);
  }

  /** Forgets every account, object, idempotency key and counter. */
  public void reset() {
    simulator.state().accounts().clear();
    simulator.resetCounters();
  }

  /** Requests by {@code "METHOD /template outcome"}. */
  public Map<String, Long> counters() {
    return simulator.counters();
  }

  /** The simulator's version, from the jar manifest when packaged. */
  public static String version() {
    String version = StripeSim.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  @Override
  public void close() {
    server.close();
    dispatcher.close();
    vertx.close().toCompletionStage().toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }
}
