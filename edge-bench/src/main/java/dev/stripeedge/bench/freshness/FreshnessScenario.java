package dev.stripeedge.bench.freshness;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.stripeedge.bench.SimKeys;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.server.EdgeServer;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.StripeSim;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 6's freshness benchmark: while clients read customers through the sidecar ({@link
 * EdgeServer}, webhooks and reconciliation on), the customers change out of band on the simulator,
 * as the Dashboard would change them. For each change: the time from the change's acknowledgement
 * until a read through the edge first returns it. Besides: regressions (a read returning an older
 * version than the one its reader saw before) and stale reads after the application's own writes.
 *
 * <pre>{@code
 * bin/stripe-edge bench freshness [--duration 30] [--delay-ms 100] [--reconcile-seconds 5]
 *                                 [--latency realistic|off] [--json FILE]
 * }</pre>
 *
 * <p>Three runs, each on a fresh simulator and edge: clean deliveries; 10% of deliveries dropped
 * (repaired by the reconciler); 20% duplicated and 20% reordered.
 */
public final class FreshnessScenario {

  // Over 400 lines: one benchmark's workload, measurement and report, read top to bottom.

  // A live key: the sandbox budget (25/s per endpoint) would queue the bench's own misses.
  private static final String KEY = SimKeys.live("freshness");
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern SECRET = Pattern.compile("\"secret\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern NAME = Pattern.compile("\"name\"\\s*:\\s*\"[a-z]+(\\d+)\"");
  private static final int OBJECTS = 20;
  private static final int OWN_OBJECTS = 5;
  private static final Duration POLL = Duration.ofMillis(10);
  private static final Duration CHANGE_EVERY = Duration.ofMillis(200);

  /** How deliveries misbehave in one run. */
  record Variant(String name, double drop, double duplicate, double reorder) {}

  /** One out-of-band change and when a read through the edge first returned it. */
  static final class Change {
    final String object;
    final int version;
    final long ackNanos;
    volatile long seenNanos;

    Change(String object, int version, long ackNanos) {
      this.object = object;
      this.version = version;
      this.ackNanos = ackNanos;
    }
  }

  /** What one run measured. */
  record Outcome(
      Variant variant,
      int changes,
      List<Double> freshnessMillis,
      int unseen,
      long reads,
      long regressions,
      long ownWrites,
      long staleOwnReads,
      long fromWebhooks,
      long fromReconciler) {

    double percentile(double p) {
      if (freshnessMillis.isEmpty()) {
        return Double.NaN;
      }
      List<Double> sorted = freshnessMillis.stream().sorted().toList();
      int index = (int) Math.ceil(p / 100 * sorted.size()) - 1;
      return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
  }

  private final Duration duration;
  private final long delayMillis;
  private final long reconcileSeconds;
  private final SimConfig.Latency latency;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .executor(Executors.newVirtualThreadPerTaskExecutor())
          .build();

  FreshnessScenario(
      Duration duration, long delayMillis, long reconcileSeconds, SimConfig.Latency latency) {
    this.duration = duration;
    this.delayMillis = delayMillis;
    this.reconcileSeconds = reconcileSeconds;
    this.latency = latency;
  }

  public static void main(String[] args) throws Exception {
    Duration duration = Duration.ofSeconds(30);
    long delay = 100;
    long reconcile = 5;
    SimConfig.Latency latency = SimConfig.Latency.realistic();
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--duration" -> duration = Duration.ofSeconds(Long.parseLong(value));
        case "--delay-ms" -> delay = Long.parseLong(value);
        case "--reconcile-seconds" -> reconcile = Long.parseLong(value);
        case "--latency" ->
            latency =
                switch (value) {
                  case "realistic" -> SimConfig.Latency.realistic();
                  case "off" -> SimConfig.Latency.off();
                  default -> throw usage("--latency is realistic or off: " + value);
                };
        case "--json" -> json = Path.of(value);
        default -> throw usage("unknown option " + args[i]);
      }
      i++;
    }
    FreshnessScenario scenario = new FreshnessScenario(duration, delay, reconcile, latency);
    System.out.printf(
        Locale.ROOT,
        "freshness: %d customers read every %d ms through the sidecar, one changed out of band"
            + " every %d ms for %d s per run; webhook delay %d ms, reconciliation every %d s,"
            + " simulator latency %s%n",
        OBJECTS,
        POLL.toMillis(),
        CHANGE_EVERY.toMillis(),
        duration.toSeconds(),
        delay,
        reconcile,
        latency.enabled() ? "realistic" : "off");
    List<Outcome> outcomes = new ArrayList<>();
    for (Variant variant :
        List.of(
            new Variant("clean", 0, 0, 0),
            new Variant("10% dropped", 0.1, 0, 0),
            new Variant("dup+reorder", 0, 0.2, 0.2))) {
      outcomes.add(scenario.run(variant));
    }
    scenario.print(outcomes);
    if (json != null) {
      Files.writeString(json, scenario.json(outcomes));
      System.out.println("wrote " + json);
    }
    System.exit(0);
  }

  private static IllegalArgumentException usage(String message) {
    return new IllegalArgumentException(
        message
            + "\nusage: freshness [--duration S] [--delay-ms MS] [--reconcile-seconds S]"
            + " [--latency realistic|off] [--json FILE]");
  }

  Outcome run(Variant variant) throws Exception {
    SimConfig simConfig =
        SimConfig.defaults()
            .withPort(0)
            .withMode(SimMode.LIVE)
            .withLimits(SimConfig.Limits.off())
            .withLatency(latency)
            .withWebhooks(
                new SimConfig.Webhooks(
                    delayMillis,
                    1000,
                    8,
                    10_000,
                    variant.drop(),
                    variant.duplicate(),
                    variant.reorder(),
                    500));
    Path dir = Files.createTempDirectory("freshness");
    int port = freePort();
    try (StripeSim sim = StripeSim.start(simConfig)) {
      String endpoint =
          send(
                  sim.baseUrl(),
                  "POST",
                  "/v1/webhook_endpoints",
                  "url="
                      + URLEncoder.encode(
                          "http://127.0.0.1:" + port + "/webhooks/stripe", StandardCharsets.UTF_8)
                      + "&enabled_events[]=*")
              .body();
      EdgeSettings config =
          EdgeSettings.defaults()
              .with(
                  Map.of(
                      "port",
                      port,
                      "listeners.admin.port",
                      0,
                      "upstream",
                      sim.baseUrl(),
                      "webhooks.secrets",
                      List.of(group(SECRET, endpoint)),
                      "reconcile.period",
                      java.time.Duration.ofSeconds(reconcileSeconds),
                      "reconcile.apiKey",
                      KEY,
                      "reconcile.driftSample",
                      0,
                      "store.path",
                      dir.resolve("edge.db").toString()));
      try (EdgeServer edge = EdgeServer.start(config)) {
        return measure(variant, sim.baseUrl(), "http://127.0.0.1:" + edge.port(), edge);
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private Outcome measure(Variant variant, String simBase, String edgeBase, EdgeServer edge)
      throws Exception {
    List<String> objects = new ArrayList<>();
    for (int i = 0; i < OBJECTS + OWN_OBJECTS; i++) {
      objects.add(group(ID, send(edgeBase, "POST", "/v1/customers", "name=v0").body()));
    }
    List<String> read = objects.subList(0, OBJECTS);
    List<String> own = objects.subList(OBJECTS, objects.size());
    Map<String, Change> pending = new ConcurrentHashMap<>();
    List<Change> changes = new ArrayList<>();
    AtomicBoolean reading = new AtomicBoolean(true);
    AtomicLong reads = new AtomicLong();
    AtomicLong regressions = new AtomicLong();
    List<Thread> readers = new ArrayList<>();
    for (String object : read) {
      readers.add(
          Thread.ofVirtual()
              .start(() -> readLoop(edgeBase, object, pending, reading, reads, regressions)));
    }
    // Let every reader fill the cache before anything changes.
    Thread.sleep(1_000);

    AtomicLong ownWrites = new AtomicLong();
    AtomicLong staleOwn = new AtomicLong();
    AtomicBoolean writing = new AtomicBoolean(true);
    Thread ownWriter =
        Thread.ofVirtual().start(() -> ownWrites(edgeBase, own, writing, ownWrites, staleOwn));

    SplittableRandom random = new SplittableRandom(42);
    Map<String, AtomicInteger> versions = new ConcurrentHashMap<>();
    long end = System.nanoTime() + duration.toNanos();
    long next = System.nanoTime();
    while (System.nanoTime() < end) {
      String object = read.get(random.nextInt(read.size()));
      Change previous = pending.get(object);
      if (previous == null || previous.seenNanos != 0) {
        int version = versions.computeIfAbsent(object, o -> new AtomicInteger()).incrementAndGet();
        HttpResponse<String> changed =
            send(simBase, "POST", "/_sim/objects/" + object, "name=v" + version);
        if (changed.statusCode() != 200) {
          throw new IllegalStateException("out-of-band change failed: " + changed.body());
        }
        Change change = new Change(object, version, System.nanoTime());
        changes.add(change);
        pending.put(object, change);
      }
      next += CHANGE_EVERY.toNanos();
      Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
    }
    writing.set(false);
    ownWriter.join();
    // Dropped deliveries wait for the reconciler: give it a full interval and some.
    long drainUntil =
        System.nanoTime()
            + Duration.ofSeconds(reconcileSeconds + 5).toNanos()
            + delayMillis * 1_000_000;
    while (System.nanoTime() < drainUntil && changes.stream().anyMatch(c -> c.seenNanos == 0)) {
      Thread.sleep(20);
    }
    reading.set(false);
    for (Thread reader : readers) {
      reader.join();
    }
    List<Double> freshness = new ArrayList<>();
    int unseen = 0;
    for (Change change : changes) {
      if (change.seenNanos == 0) {
        unseen++;
      } else {
        freshness.add((change.seenNanos - change.ackNanos) / 1e6);
      }
    }
    return new Outcome(
        variant,
        changes.size(),
        freshness,
        unseen,
        reads.get(),
        regressions.get(),
        ownWrites.get(),
        staleOwn.get(),
        events(edge, "webhook"),
        events(edge, "reconcile"));
  }

  /** Events applied for the first time from {@code source}: webhook or reconcile. */
  private static long events(EdgeServer edge, String source) {
    return (long)
        edge.metricsRegistry().find("stripe.edge.events").tag("source", source).counters().stream()
            .filter(c -> "new".equals(c.getId().getTag("outcome")))
            .mapToDouble(c -> c.count())
            .sum();
  }

  /** Reads one customer every {@link #POLL}, noting changes seen and versions going backwards. */
  private void readLoop(
      String edgeBase,
      String object,
      Map<String, Change> pending,
      AtomicBoolean reading,
      AtomicLong reads,
      AtomicLong regressions) {
    int newest = 0;
    while (reading.get()) {
      long started = System.nanoTime();
      Change awaited = pending.get(object);
      int version = version(get(edgeBase, "/v1/customers/" + object));
      long ended = System.nanoTime();
      reads.incrementAndGet();
      if (version < newest) {
        regressions.incrementAndGet();
      }
      newest = Math.max(newest, version);
      if (awaited != null
          && awaited.seenNanos == 0
          && started >= awaited.ackNanos
          && version >= awaited.version) {
        awaited.seenNanos = ended;
      }
      try {
        Thread.sleep(POLL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The application's own writes through the edge, each read back at once. */
  private void ownWrites(
      String edgeBase,
      List<String> own,
      AtomicBoolean writing,
      AtomicLong writes,
      AtomicLong stale) {
    int version = 0;
    while (writing.get()) {
      version++;
      for (String object : own) {
        send(edgeBase, "POST", "/v1/customers/" + object, "name=own" + version);
        writes.incrementAndGet();
        if (version(get(edgeBase, "/v1/customers/" + object)) != version) {
          stale.incrementAndGet();
        }
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static int version(String body) {
    Matcher matcher = NAME.matcher(body);
    return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
  }

  private String get(String base, String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(base + path))
                  .header("Authorization", "Bearer " + KEY)
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private HttpResponse<String> send(String base, String method, String path, String form) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(base + path))
              .header("Authorization", "Bearer " + KEY)
              .header("Content-Type", "application/x-www-form-urlencoded")
              .method(method, HttpRequest.BodyPublishers.ofString(form))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String group(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    if (!matcher.find()) {
      throw new IllegalStateException(pattern + " not in " + text);
    }
    return matcher.group(1);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private void print(List<Outcome> outcomes) {
    System.out.printf(
        Locale.ROOT,
        "%n%-12s %8s %8s %8s %8s %8s %7s %8s %11s %10s %9s %10s%n",
        "run",
        "changes",
        "p50 ms",
        "p99 ms",
        "max ms",
        "unseen",
        "reads",
        "regress",
        "own writes",
        "stale own",
        "webhooks",
        "reconciled");
    for (Outcome o : outcomes) {
      System.out.printf(
          Locale.ROOT,
          "%-12s %8d %8.0f %8.0f %8.0f %8d %7d %8d %11d %10d %9d %10d%n",
          o.variant().name(),
          o.changes(),
          o.percentile(50),
          o.percentile(99),
          o.percentile(100),
          o.unseen(),
          o.reads(),
          o.regressions(),
          o.ownWrites(),
          o.staleOwnReads(),
          o.fromWebhooks(),
          o.fromReconciler());
    }
    Outcome clean = outcomes.get(0);
    System.out.printf(
        Locale.ROOT,
        "clean p99 %.0f ms vs target (delay + 50 ms) %d ms = %.2fx; dropped run: max %.0f ms vs"
            + " one reconciliation interval + delay %d ms%n",
        clean.percentile(99),
        delayMillis + 50,
        clean.percentile(99) / (delayMillis + 50),
        outcomes.get(1).percentile(100),
        reconcileSeconds * 1000 + delayMillis);
    System.out.printf(
        Locale.ROOT,
        "machine: %d cores, %d MiB heap max, JDK %s, %s%n",
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("java.runtime.version"),
        System.getProperty("os.name"));
  }

  private String json(List<Outcome> outcomes) {
    JsonObject root = new JsonObject();
    root.addProperty("durationSeconds", duration.toSeconds());
    root.addProperty("webhookDelayMillis", delayMillis);
    root.addProperty("reconcileSeconds", reconcileSeconds);
    root.addProperty("simulatorLatency", latency.enabled() ? "realistic" : "off");
    JsonArray runs = new JsonArray();
    for (Outcome o : outcomes) {
      JsonObject run = new JsonObject();
      run.addProperty("run", o.variant().name());
      run.addProperty("drop", o.variant().drop());
      run.addProperty("duplicate", o.variant().duplicate());
      run.addProperty("reorder", o.variant().reorder());
      run.addProperty("changes", o.changes());
      run.addProperty("p50Millis", o.percentile(50));
      run.addProperty("p99Millis", o.percentile(99));
      run.addProperty("maxMillis", o.percentile(100));
      run.addProperty("unseen", o.unseen());
      run.addProperty("reads", o.reads());
      run.addProperty("regressions", o.regressions());
      run.addProperty("ownWrites", o.ownWrites());
      run.addProperty("staleOwnReads", o.staleOwnReads());
      run.addProperty("eventsFromWebhooks", o.fromWebhooks());
      run.addProperty("eventsFromReconciler", o.fromReconciler());
      runs.add(run);
    }
    root.add("runs", runs);
    return new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n";
  }
}
