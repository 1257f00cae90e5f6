package dev.stripeedge.server;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.tier.CacheTier;
import dev.stripeedge.core.tier.TierEntry;
import dev.stripeedge.runtime.EdgeRuntime;
import dev.stripeedge.runtime.EdgeSettings;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The sidecar in a JVM of its own, for {@link KillRestartIT}: {@code serve}'s server with the
 * SQLite store and tier, stopped only by SIGKILL (or when its standard input closes, so it never
 * outlives the test JVM).
 *
 * <p>Arguments: upstream URL, store file, webhook signing secret, port (0 for any). The system
 * property {@code stripe.edge.test.stall} places a crash point: {@code invalidation} holds every
 * invalidation of the SQLite tier forever (the delivery is recorded and answered, the tier never
 * hears of it); {@code record} holds every webhook delivery before it is verified and recorded.
 * Each stall prints {@code stalled <point>} on standard output; the port is printed as {@code
 * listening <port>}. {@code stripe.edge.test.asyncVisibilityMillis} shortens the asynchronous
 * writes' visibility timeout; {@code stripe.edge.test.asyncQueue} names their queue backend, and
 * {@code stripe.edge.test.asyncQueueOption.<name>} its options.
 */
final class KillableEdge {

  static final String STALL_PROPERTY = "stripe.edge.test.stall";

  /** A short visibility timeout for asynchronous writes, so a killed edge's writes return soon. */
  static final String ASYNC_VISIBILITY_PROPERTY = "stripe.edge.test.asyncVisibilityMillis";

  /** The asynchronous writes' queue backend ({@code sqlite} when unset). */
  static final String ASYNC_QUEUE_PROPERTY = "stripe.edge.test.asyncQueue";

  /** Prefix of the queue backend's options ({@code …asyncQueueOption.endpoint=http://…}). */
  static final String ASYNC_QUEUE_OPTION_PREFIX = "stripe.edge.test.asyncQueueOption.";

  private KillableEdge() {}

  public static void main(String[] args) throws IOException {
    EdgeSettings config =
        EdgeSettings.defaults()
            .with("port", Integer.parseInt(args[3]))
            .with("listeners.admin.port", 0)
            .with("upstream", args[0])
            .with("store.path", args[1])
            .with("webhooks.secrets", List.of(args[2]));
    String visibility = System.getProperty(ASYNC_VISIBILITY_PROPERTY);
    if (visibility != null) {
      config =
          config.with(
              "asyncWrites.visibilityTimeout", Duration.ofMillis(Long.parseLong(visibility)));
    }
    String queue = System.getProperty(ASYNC_QUEUE_PROPERTY);
    if (queue != null) {
      Map<String, String> options = new java.util.HashMap<>();
      System.getProperties()
          .stringPropertyNames()
          .forEach(
              name -> {
                if (name.startsWith(ASYNC_QUEUE_OPTION_PREFIX)) {
                  options.put(
                      name.substring(ASYNC_QUEUE_OPTION_PREFIX.length()), System.getProperty(name));
                }
              });
      config = config.with(Map.of("asyncWrites.queue", queue, "asyncWrites.queueOptions", options));
    }
    Duration journalSweep = EdgeRuntime.Hooks.NONE.journalSweep();
    EdgeServer.Hooks hooks =
        switch (System.getProperty(STALL_PROPERTY, "none")) {
          case "invalidation" ->
              new EdgeServer.Hooks(
                  new EdgeRuntime.Hooks(HeldInvalidations::new, journalSweep), () -> {});
          case "record" -> new EdgeServer.Hooks(EdgeRuntime.Hooks.NONE, () -> stall("record"));
          case "async-record" ->
              new EdgeServer.Hooks(
                  new EdgeRuntime.Hooks(UnaryOperator.identity(), journalSweep, HeldAnswers::new),
                  () -> {});
          case "none" -> EdgeServer.Hooks.NONE;
          default -> throw new IllegalArgumentException("unknown stall point");
        };
    EdgeServer edge = EdgeServer.start(config, hooks);
    say("listening " + edge.port());
    while (System.in.read() != -1) {
      // Nothing to read: waiting for the end of input (the test JVM is gone) or a SIGKILL.
    }
    Runtime.getRuntime().halt(1);
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }

  private static void stall(String point) {
    say("stalled " + point);
    try {
      Thread.sleep(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The workers' pipeline, except that Stripe's answers never reach the worker: the write is
   * applied at Stripe and never recorded as done.
   */
  private record HeldAnswers(EdgePipeline pipeline) implements EdgePipeline {
    @Override
    public CompletableFuture<EdgeResponse> handle(EdgeRequest request) {
      return pipeline
          .handle(request)
          .thenCompose(
              answer -> {
                say("stalled async-record " + answer.status());
                return new CompletableFuture<>();
              });
    }

    @Override
    public void invalidate(String objectId) {
      pipeline.invalidate(objectId);
    }

    @Override
    public long cachedBytes() {
      return pipeline.cachedBytes();
    }
  }

  /** The tier, except that its invalidations never complete (nor reach it). */
  private record HeldInvalidations(CacheTier tier) implements CacheTier {

    @Override
    public String name() {
      return tier.name();
    }

    @Override
    public CompletableFuture<@Nullable TierEntry> get(String key) {
      return tier.get(key);
    }

    @Override
    public CompletableFuture<Map<String, TierEntry>> getAll(Collection<String> keys) {
      return tier.getAll(keys);
    }

    @Override
    public CompletableFuture<Boolean> put(TierEntry entry) {
      return tier.put(entry);
    }

    @Override
    public CompletableFuture<Void> invalidate(Collection<String> ids) {
      say("stalled invalidation");
      return new CompletableFuture<>();
    }

    @Override
    public void onRemoteInvalidation(Consumer<Collection<String>> listener) {
      tier.onRemoteInvalidation(listener);
    }

    @Override
    public void close() {
      tier.close();
    }
  }
}
