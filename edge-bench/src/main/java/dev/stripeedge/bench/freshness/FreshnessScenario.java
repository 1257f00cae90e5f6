package dev.stripeedge.bench.freshness;

import dev.stripeedge.bench.SimKeys;
import dev.stripeedge.bench.freshness.FreshnessReport.Outcome;
import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.server.EdgeServer;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.StripeSim;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
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
 *                                 [--warmup-seconds 3] [--latency realistic|off] [--json FILE]
 * }</pre>
 *
 * <p>Three runs, each on a fresh simulator and edge: clean deliveries; 10% of deliveries dropped
 * (repaired by the reconciler); 20% duplicated and 20% reordered. Each run first makes changes for
 * a few seconds that are not counted (printed apart): the first events through a fresh JVM run
 * interpreted code, which a long-running edge does not.
 *
 * <p>This class is the workload and its measurement; {@link FreshnessReport} prints and writes what
 * each run measured.
 */
public final class FreshnessScenario {

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

    /** How the edge served the first read that saw this change ({@code Cache-Status}). */
    volatile String seenAs = "";

    /** How the edge served the reads that started after the change and still saw the old one. */
    final List<String> staleAs = new java.util.concurrent.CopyOnWriteArrayList<>();

    Change(String object, int version, long ackNanos) {
      this.object = object;
      this.version = version;
      this.ackNanos = ackNanos;
    }
  }

  private final Duration duration;
  private final Duration warmup;
  private final long delayMillis;
  private final long reconcileSeconds;
  private final SimConfig.Latency latency;
  private final StripeHttp http = new StripeHttp(KEY);

  FreshnessScenario(
      Duration duration,
      Duration warmup,
      long delayMillis,
      long reconcileSeconds,
      SimConfig.Latency latency) {
    this.duration = duration;
    this.warmup = warmup;
    this.delayMillis = delayMillis;
    this.reconcileSeconds = reconcileSeconds;
    this.latency = latency;
  }

  public static void main(String[] args) throws Exception {
    Duration duration = Duration.ofSeconds(30);
    Duration warmup = Duration.ofSeconds(3);
    long delay = 100;
    long reconcile = 5;
    SimConfig.Latency latency = SimConfig.Latency.realistic();
    Path json = null;
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--duration" -> duration = Duration.ofSeconds(Long.parseLong(value));
        case "--delay-ms" -> delay = Long.parseLong(value);
        case "--warmup-seconds" -> warmup = Duration.ofSeconds(Long.parseLong(value));
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
    FreshnessScenario scenario = new FreshnessScenario(duration, warmup, delay, reconcile, latency);
    System.out.printf(
        Locale.ROOT,
        "freshness: %d customers read every %d ms through the sidecar, one changed out of band"
            + " every %d ms for %d s per run (after %d s of warm-up); webhook delay %d ms,"
            + " reconciliation every %d s, simulator latency %s%n",
        OBJECTS,
        POLL.toMillis(),
        CHANGE_EVERY.toMillis(),
        duration.toSeconds(),
        warmup.toSeconds(),
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
    FreshnessReport.print(outcomes, delay, reconcile);
    if (json != null) {
      Files.writeString(json, FreshnessReport.json(outcomes, duration, delay, reconcile, latency));
      System.out.println("wrote " + json);
    }
    System.exit(0);
  }

  private static IllegalArgumentException usage(String message) {
    return new IllegalArgumentException(
        message
            + "\nusage: freshness [--duration S] [--delay-ms MS] [--reconcile-seconds S]"
            + " [--warmup-seconds S]"
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
          http.send(
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
      objects.add(group(ID, http.send(edgeBase, "POST", "/v1/customers", "name=v0").body()));
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
    List<Change> warmups = new ArrayList<>();
    long measureFrom = System.nanoTime() + warmup.toNanos();
    long end = measureFrom + duration.toNanos();
    long next = System.nanoTime();
    while (System.nanoTime() < end) {
      String object = read.get(random.nextInt(read.size()));
      Change previous = pending.get(object);
      if (previous == null || previous.seenNanos != 0) {
        int version = versions.computeIfAbsent(object, o -> new AtomicInteger()).incrementAndGet();
        HttpResponse<String> changed =
            http.send(simBase, "POST", "/_sim/objects/" + object, "name=v" + version);
        if (changed.statusCode() != 200) {
          throw new IllegalStateException("out-of-band change failed: " + changed.body());
        }
        Change change = new Change(object, version, System.nanoTime());
        (change.ackNanos < measureFrom ? warmups : changes).add(change);
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
    System.out.printf(
        java.util.Locale.ROOT,
        "%s: warm-up, not counted: %d changes, slowest seen after %.0f ms%n",
        variant.name(),
        warmups.size(),
        warmups.stream()
            .filter(c -> c.seenNanos != 0)
            .mapToDouble(c -> (c.seenNanos - c.ackNanos) / 1e6)
            .max()
            .orElse(Double.NaN));
    List<Double> freshness = new ArrayList<>();
    int unseen = 0;
    for (Change change : changes) {
      if (change.seenNanos == 0) {
        unseen++;
      } else {
        double millis = (change.seenNanos - change.ackNanos) / 1e6;
        freshness.add(millis);
        if (millis > delayMillis + 50) {
          // The tail, explained: how the first fresh read was served, and the reads before it.
          System.out.printf(
              java.util.Locale.ROOT,
              "%s: at %.1f %s v%d seen after %.0f ms as [%s]; %d stale reads before it: %s%n",
              variant.name(),
              change.ackNanos / 1e6,
              change.object,
              change.version,
              millis,
              change.seenAs,
              change.staleAs.size(),
              change.staleAs.stream()
                  .collect(
                      java.util.stream.Collectors.groupingBy(
                          s -> s, java.util.TreeMap::new, java.util.stream.Collectors.counting())));
        }
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
      StripeHttp.Read answer = http.read(edgeBase, "/v1/customers/" + object);
      int version = version(answer.body());
      long ended = System.nanoTime();
      reads.incrementAndGet();
      if (version < newest && regressions.incrementAndGet() <= 5) {
        // The first few, explained: what was answered, and how.
        System.out.printf(
            java.util.Locale.ROOT,
            "regression at %.1f: %s v%d after v%d, answered as [%s]%n",
            ended / 1e6,
            object,
            version,
            newest,
            answer.cacheStatus());
      }
      newest = Math.max(newest, version);
      if (awaited != null
          && awaited.seenNanos == 0
          && started >= awaited.ackNanos
          && version >= awaited.version) {
        awaited.seenAs = answer.cacheStatus();
        awaited.seenNanos = ended;
      } else if (awaited != null
          && awaited.seenNanos == 0
          && started >= awaited.ackNanos
          && awaited.staleAs.size() < 20) {
        awaited.staleAs.add(answer.cacheStatus());
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
        http.send(edgeBase, "POST", "/v1/customers/" + object, "name=own" + version);
        writes.incrementAndGet();
        if (version(http.get(edgeBase, "/v1/customers/" + object)) != version) {
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
}
