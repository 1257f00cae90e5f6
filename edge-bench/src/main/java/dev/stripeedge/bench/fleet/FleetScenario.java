package dev.stripeedge.bench.fleet;

import com.google.gson.JsonObject;
import dev.stripeedge.bench.SimKeys;
import dev.stripeedge.bench.fleet.FleetEdges.Edge;
import dev.stripeedge.bench.fleet.FleetReport.Outcome;
import dev.stripeedge.bench.fleet.FleetWorkload.Change;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.SimMode;
import dev.stripeedge.sim.StripeSim;
import dev.stripeedge.store.dynamodb.DynamoDbLocal;
import dev.stripeedge.testkit.RedisServerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Issue 16's fleet benchmark: three {@code stripe-edge serve} processes sharing a real Redis (the
 * event store or the cache tier) and DynamoDB Local (the other), the simulator's webhooks reaching
 * them through a round-robin relay (with the simulator's duplicates), customers changed out of band
 * while readers poll each edge, and the reconciler's leader killed with kill -9 and restarted
 * mid-run. Two phases in one run, the same workload: tiers keeping entries as memory does (the
 * baseline, as before issue 16) and tiers keeping them 24 h (served while the event stream is
 * healthy).
 *
 * <pre>{@code
 * bin/stripe-edge bench fleet [--duration 30] [--hot 12] [--cold 200] [--ttl-seconds 5]
 *     [--reconcile-seconds 2] [--down-seconds 5] [--duplicate 0.2] [--stores redis,dynamodb]
 *     [--latency realistic|off] [--json FILE] [--svg FILE]
 * }</pre>
 *
 * <p>Counts come from the edges' {@code /metrics} (leader gauge, event counters, tier retention),
 * the simulator's request counters (upstream retrieves) and the forwarding target (forwards per
 * event id: one per event the fleet recorded as new).
 */
public final class FleetScenario {

  private static final String KEY = SimKeys.live("fleet");
  private static final Pattern SECRET = Pattern.compile("\"secret\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern EVENT = Pattern.compile("\"id\"\\s*:\\s*\"(evt_[^\"]+)\"");
  private static final Pattern HAS_MORE = Pattern.compile("\"has_more\"\\s*:\\s*true");
  private static final Duration CHANGE_EVERY = Duration.ofMillis(200);
  private static final int EDGES = 3;

  /** The run's knobs; a leading number on the command line is {@code --duration}. */
  static final class Options {
    long durationSeconds = 30;
    int hot = 12;
    int cold = 200;
    long pollMillis = 50;
    long coldEveryMillis = 50;
    long ttlSeconds = 5;
    long reconcileSeconds = 2;
    long downSeconds = 5;
    long delayMillis = 100;
    double duplicate = 0.2;
    List<String> stores = List.of("redis", "dynamodb");
    SimConfig.Latency latency = SimConfig.Latency.realistic();
    Path launcher = Path.of("bin/stripe-edge");
    @Nullable Path json;
    @Nullable Path bars;
    boolean keep;
  }

  private final Options options;
  private final RedisServerProcess redis;
  private final DynamoDbLocal dynamo;

  private FleetScenario(Options options, RedisServerProcess redis, DynamoDbLocal dynamo) {
    this.options = options;
    this.redis = redis;
    this.dynamo = dynamo;
  }

  public static void main(String[] args) throws Exception {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String value = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--duration" -> o.durationSeconds = Long.parseLong(value);
        case "--hot" -> o.hot = Integer.parseInt(value);
        case "--cold" -> o.cold = Integer.parseInt(value);
        case "--poll-ms" -> o.pollMillis = Long.parseLong(value);
        case "--ttl-seconds" -> o.ttlSeconds = Long.parseLong(value);
        case "--reconcile-seconds" -> o.reconcileSeconds = Long.parseLong(value);
        case "--down-seconds" -> o.downSeconds = Long.parseLong(value);
        case "--delay-ms" -> o.delayMillis = Long.parseLong(value);
        case "--duplicate" -> o.duplicate = Double.parseDouble(value);
        case "--stores" -> o.stores = List.of(value.split(","));
        case "--latency" ->
            o.latency =
                value.equals("off") ? SimConfig.Latency.off() : SimConfig.Latency.realistic();
        case "--launcher" -> o.launcher = Path.of(value);
        case "--json" -> o.json = Path.of(value);
        case "--bars" -> o.bars = Path.of(value);
        case "--keep" -> {
          o.keep = true; // the edges' configs and logs stay in the temp folder
          i--;
        }
        default ->
            throw new IllegalArgumentException(
                "unknown option "
                    + args[i]
                    + "\nusage: fleet [--duration S] [--hot N] [--cold N] [--poll-ms MS]"
                    + " [--ttl-seconds S] [--reconcile-seconds S] [--down-seconds S] [--delay-ms"
                    + " MS] [--duplicate RATE] [--stores redis,dynamodb] [--latency"
                    + " realistic|off] [--keep] [--json FILE] [--svg FILE]");
      }
      i++;
    }
    if (o.stores.size() != 2) {
      throw new IllegalArgumentException("--stores names the event store of each phase: a,b");
    }
    System.out.printf(
        Locale.ROOT,
        "fleet: %d edges (bin/stripe-edge serve), %d s per phase; %d hot customers read every %d"
            + " ms on every edge, %d cold ones one every %d ms on any edge; one hot customer changed"
            + " out of band every %d ms; customers' TTL %d s; webhooks %d ms late, %.0f%%"
            + " duplicated, round robin; reconciliation every %d s; the leader killed (kill -9) at"
            + " a third, restarted %d s later%n",
        EDGES,
        o.durationSeconds,
        o.hot,
        o.pollMillis,
        o.cold,
        o.coldEveryMillis,
        CHANGE_EVERY.toMillis(),
        o.ttlSeconds,
        o.delayMillis,
        o.duplicate * 100,
        o.reconcileSeconds,
        o.downSeconds);
    Path dir = Files.createTempDirectory("fleet-bench");
    List<Outcome> outcomes = new ArrayList<>();
    try (RedisServerProcess redis = RedisServerProcess.startOnFreePort(dir.resolve("redis"));
        DynamoDbLocal dynamo = DynamoDbLocal.inMemory()) {
      FleetScenario scenario = new FleetScenario(o, redis, dynamo);
      outcomes.add(scenario.phase(1, "without retention", "0s", o.stores.get(0), dir));
      outcomes.add(scenario.phase(2, "24 h retention", "24h", o.stores.get(1), dir));
    }
    if (o.keep) {
      System.out.println("edges' configs and logs: " + dir);
    } else {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    FleetReport.print(outcomes, o.reconcileSeconds * 2000);
    System.out.printf(
        Locale.ROOT,
        "machine: %d cores, JDK %s, load average %s%n",
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.runtime.version"),
        Files.readString(Path.of("/proc/loadavg")).trim());
    if (o.json != null) {
      JsonObject settings = new JsonObject();
      settings.addProperty("durationSeconds", o.durationSeconds);
      settings.addProperty("ttlSeconds", o.ttlSeconds);
      settings.addProperty("reconcileSeconds", o.reconcileSeconds);
      settings.addProperty("duplicate", o.duplicate);
      settings.addProperty("loadavg", Files.readString(Path.of("/proc/loadavg")).trim());
      Files.writeString(o.json, FleetReport.json(outcomes, settings));
      System.out.println("wrote " + o.json);
    }
    if (o.bars != null) {
      Files.writeString(
          o.bars, FleetReport.bars(outcomes, "bin/stripe-edge bench fleet " + o.durationSeconds));
    }
    System.exit(0);
  }

  private Outcome phase(int number, String name, String retention, String store, Path root)
      throws Exception {
    System.out.printf(Locale.ROOT, "phase %d: %s, event store %s...%n", number, name, store);
    Path dir = Files.createDirectories(root.resolve("phase" + number));
    SimConfig simConfig =
        SimConfig.defaults()
            .withPort(0)
            .withMode(SimMode.LIVE)
            .withLimits(SimConfig.Limits.off())
            .withLatency(options.latency)
            .withWebhooks(
                new SimConfig.Webhooks(
                    options.delayMillis, 1000, 8, 10_000, 0, options.duplicate, 0, 500));
    try (StripeSim sim = StripeSim.start(simConfig)) {
      List<Edge> edges = new ArrayList<>();
      for (int i = 0; i < EDGES; i++) {
        edges.add(
            new Edge(
                i,
                freePort(),
                freePort(),
                dir.resolve("edge" + i + ".yaml"),
                dir.resolve("edge" + i + ".log")));
      }
      try (FleetHooks hooks = new FleetHooks(edges.stream().map(Edge::base).toList())) {
        FleetWorkload workload = new FleetWorkload(KEY, edges);
        String endpoint =
            workload
                .send(
                    sim.baseUrl(),
                    "POST",
                    "/v1/webhook_endpoints",
                    "url="
                        + URLEncoder.encode(hooks.relayUrl(), StandardCharsets.UTF_8)
                        + "&enabled_events[]=*")
                .body();
        Matcher secret = SECRET.matcher(endpoint);
        if (!secret.find()) {
          throw new IllegalStateException("no endpoint secret in " + endpoint);
        }
        String prefix = "fleet" + number + "-";
        for (Edge edge : edges) {
          Files.writeString(
              edge.config,
              FleetConfig.yaml(
                  options,
                  edge,
                  dir,
                  prefix,
                  retention,
                  store,
                  secret.group(1),
                  hooks,
                  sim,
                  redis.uri(),
                  dynamo.endpoint().toString(),
                  KEY));
        }
        Map<String, String> env =
            Map.of(
                "AWS_ACCESS_KEY_ID", "local",
                "AWS_SECRET_ACCESS_KEY", "local",
                "AWS_REGION", "us-east-1",
                "STRIPE_EDGE_JAVA_OPTS", "-Xmx384m");
        try (FleetEdges fleet = new FleetEdges(options.launcher, env, edges)) {
          fleet.startAll();
          fleet.startScraping(Duration.ofMillis(250));
          return measure(name, store, sim, fleet, hooks, workload);
        }
      }
    }
  }

  private Outcome measure(
      String name,
      String store,
      StripeSim sim,
      FleetEdges fleet,
      FleetHooks hooks,
      FleetWorkload workload)
      throws Exception {
    List<Edge> edges = fleet.edges();
    List<String> hot = workload.create(options.hot, "v");
    List<String> cold = workload.create(options.cold, "c");
    workload.startReaders(
        hot,
        cold,
        Duration.ofMillis(options.pollMillis),
        Duration.ofMillis(options.coldEveryMillis));
    // Every reader fills its edge's memory, and a leader takes the reconciler's lease.
    long ready = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    FleetWorkload.sleep(Duration.ofSeconds(2));
    while (fleet.leader() == null && System.nanoTime() < ready) {
      FleetWorkload.sleep(Duration.ofMillis(100));
    }
    long retrievesBefore = retrieves(sim);
    workload.counting.set(true);

    SplittableRandom random = new SplittableRandom(42);
    int[] versions = new int[hot.size()];
    long start = System.nanoTime();
    long end = start + Duration.ofSeconds(options.durationSeconds).toNanos();
    long killAt = start + (end - start) / 3;
    long killNanos = 0;
    boolean killedLeader = false;
    Thread restart = null;
    long next = start;
    while (System.nanoTime() < end) {
      if (killNanos == 0 && System.nanoTime() >= killAt) {
        Edge victim = fleet.leader();
        killedLeader = victim != null;
        Edge killed = victim != null ? victim : edges.get(0);
        killNanos = System.nanoTime();
        fleet.kill(killed);
        System.out.printf(Locale.ROOT, "  killed edge %d (kill -9)%n", killed.index);
        restart =
            Thread.ofVirtual()
                .start(
                    () -> {
                      FleetWorkload.sleep(Duration.ofSeconds(options.downSeconds));
                      try {
                        fleet.start(killed);
                        System.out.printf(Locale.ROOT, "  restarted edge %d%n", killed.index);
                      } catch (Exception e) {
                        throw new IllegalStateException(e);
                      }
                    });
      }
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < hot.size(); i++) {
        order.add(i);
      }
      Collections.shuffle(order, new java.util.Random(random.nextLong()));
      for (int i : order) {
        Change previous = workload.pending.get(hot.get(i));
        if (previous == null || previous.seenByAllUp(edges)) {
          workload.change(sim.baseUrl(), hot.get(i), ++versions[i]);
          break;
        }
      }
      next += CHANGE_EVERY.toNanos();
      FleetWorkload.sleep(Duration.ofNanos(Math.max(0, next - System.nanoTime())));
    }
    workload.counting.set(false);
    long upstream = retrieves(sim) - retrievesBefore;
    if (restart != null) {
      restart.join();
    }
    // Late changes: give webhooks and a reconciler pass time to reach every edge.
    long drain = System.nanoTime() + Duration.ofSeconds(options.reconcileSeconds * 2 + 5).toNanos();
    while (System.nanoTime() < drain
        && workload.pending.values().stream().anyMatch(c -> !c.seenByAllUp(edges))) {
      FleetWorkload.sleep(Duration.ofMillis(50));
    }
    workload.stopReaders();

    List<String> events = events(workload, sim.baseUrl());
    // Forwards are sent from the shared outbox every 200 ms: wait until each event has one.
    long settle = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < settle && !hooks.forwards().keySet().containsAll(events)) {
      FleetWorkload.sleep(Duration.ofMillis(100));
    }
    FleetWorkload.sleep(Duration.ofSeconds(1)); // a second forward of anything would show
    fleet.scrapeOnce();

    System.out.printf(
        Locale.ROOT,
        "  reconciler lease (edges' /metrics): taken %.0f times, lost %.0f times%n",
        fleet.total(
            s ->
                s.startsWith("stripe_edge_fleet_lease_changes_total{")
                    && s.contains("job=\"reconciler\"")
                    && s.contains("change=\"took\"")),
        fleet.total(
            s ->
                s.startsWith("stripe_edge_fleet_lease_changes_total{")
                    && s.contains("job=\"reconciler\"")
                    && s.contains("change=\"lost\"")));
    // A forward sent again after a failed or slow answer from the app is at-least-once by design.
    System.out.printf(
        Locale.ROOT,
        "  forwards retried (edges' /metrics): %.0f%n",
        fleet.total(s -> s.startsWith("stripe_edge_webhooks_forward_retried_total")));
    // Applications per event: outbox rows forwarded, an edge's retries of its own row counted
    // once (forwarding is at-least-once; the app dedupes on the event id).
    Map<String, Integer> forwards = hooks.forwards();
    Map<String, Integer> rows = hooks.deliveries();
    int receivedTwice = 0;
    for (String event : events) {
      if (forwards.getOrDefault(event, 0) > 1) {
        receivedTwice++;
      }
    }
    System.out.printf(
        Locale.ROOT,
        "  forwards received more than once: %d events; later attempts of a delivery received %d,"
            + " one attempt received twice %d%n",
        receivedTwice,
        hooks.retries(),
        hooks.sameAttemptAgain());
    int once = 0;
    int more = 0;
    int never = 0;
    for (String event : events) {
      int n = rows.getOrDefault(event, 0);
      if (n == 0) {
        never++;
      } else if (n == 1) {
        once++;
      } else {
        more++;
      }
    }
    List<Double> freshness = new ArrayList<>();
    int unseen = 0;
    int acrossRestart = 0;
    int slowNearKill = 0;
    int slow = 0;
    for (Change change : workload.changes) {
      for (Edge edge : edges) {
        long seen = change.seen.get(edge.index);
        if (seen == 0) {
          unseen++;
        } else if (change.epochAtAck[edge.index] != change.epochAtSeen.get(edge.index)) {
          acrossRestart++;
        } else {
          double millis = (seen - change.ackNanos) / 1e6;
          freshness.add(millis);
          // Where the tail comes from: changes made from the kill until 5 s after the restart.
          long sinceKill = change.ackNanos - killNanos;
          if (millis > 2000) {
            if (killNanos != 0
                && sinceKill > -2_000_000_000L
                && sinceKill < Duration.ofSeconds(options.downSeconds + 5).toNanos()) {
              slowNearKill++;
            } else {
              slow++;
            }
          }
        }
      }
    }
    System.out.printf(
        Locale.ROOT,
        "  freshness over 2 s: %d for changes made from 2 s before the kill to 5 s after the"
            + " restart, %d at other times%n",
        slowNearKill,
        slow);
    return new Outcome(
        name,
        store,
        events.size(),
        once,
        more,
        never,
        fleet.total(
            s -> s.startsWith("stripe_edge_events_total{") && s.contains("outcome=\"new\"")),
        fleet.total(
            s -> s.startsWith("stripe_edge_events_total{") && s.contains("outcome=\"duplicate")),
        fleet.total(s -> s.startsWith("stripe_edge_events_reapplied_total")),
        fleet.leaderChanges(),
        killNanos,
        killedLeader,
        freshness,
        unseen,
        acrossRestart,
        workload.reads.get(),
        workload.failedReads.get(),
        workload.edgeRegressions.get(),
        workload.fleetRegressions.get(),
        upstream,
        fleet.total(
            s -> s.startsWith("stripe_edge_tier_retained_total{") && s.contains("=\"served\"")),
        fleet.total(
            s ->
                s.startsWith("stripe_edge_tier_retained_total{") && s.contains("=\"revalidated\"")),
        hooks.delivered(),
        hooks.refused());
  }

  /** The simulator's count of customer retrieves: the fleet's upstream calls for reads. */
  private static long retrieves(StripeSim sim) {
    return sim.counters().entrySet().stream()
        .filter(e -> e.getKey().startsWith("GET /v1/customers/"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  /** Every event the simulator made for the account, paged from /v1/events. */
  private static List<String> events(FleetWorkload workload, String simBase) {
    List<String> ids = new ArrayList<>();
    String after = "";
    while (true) {
      String page =
          workload.get(
              simBase,
              "/v1/events?limit=100" + (after.isEmpty() ? "" : "&starting_after=" + after));
      Matcher id = EVENT.matcher(page);
      int before = ids.size();
      while (id.find()) {
        if (!ids.contains(id.group(1))) {
          ids.add(id.group(1));
        }
      }
      if (ids.size() == before || !HAS_MORE.matcher(page).find()) {
        return ids;
      }
      after = ids.getLast();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
