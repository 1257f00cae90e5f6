package dev.stripeedge.bench.fleet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The fleet bench's edges: real {@code bin/stripe-edge serve} processes (a kill -9 must kill a
 * process), each scraped through its admin listener's {@code /metrics}: the leader gauge and the
 * event counters. A killed edge's last scrape is kept, so fleet totals count every incarnation.
 */
final class FleetEdges implements AutoCloseable {

  /** One edge: its ports and config, and the process running it now (none while it is down). */
  static final class Edge {
    final int index;
    final int port;
    final int adminPort;
    final Path config;
    final Path log;
    volatile @Nullable Process process;
    volatile boolean up;
    // Incremented at every kill: a change seen across a restart is not a freshness sample.
    final AtomicInteger epoch = new AtomicInteger();
    volatile Map<String, Double> scraped = Map.of();
    final Map<String, Double> earlier = new HashMap<>(); // dead incarnations' last scrapes, summed
    volatile boolean leading;

    Edge(int index, int port, int adminPort, Path config, Path log) {
      this.index = index;
      this.port = port;
      this.adminPort = adminPort;
      this.config = config;
      this.log = log;
    }

    String base() {
      return "http://127.0.0.1:" + port;
    }
  }

  /** A change in which edges report leading the reconciler, at {@code nanos}. */
  record LeaderChange(long nanos, Set<Integer> leaders) {}

  private final Path launcher;
  private final Map<String, String> env;
  private final List<Edge> edges;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<LeaderChange> leaderChanges = new ArrayList<>();
  private final AtomicBoolean scraping = new AtomicBoolean(true);
  private @Nullable Thread scraper;

  FleetEdges(Path launcher, Map<String, String> env, List<Edge> edges) {
    this.launcher = launcher;
    this.env = env;
    this.edges = edges;
  }

  List<Edge> edges() {
    return edges;
  }

  /** Starts every edge at once and waits until each answers /healthz. */
  void startAll() throws Exception {
    for (Edge edge : edges) {
      launch(edge);
    }
    for (Edge edge : edges) {
      awaitHealthy(edge);
    }
  }

  /** Starts one edge (again, after a kill) on its ports and waits until it answers. */
  void start(Edge edge) throws Exception {
    launch(edge);
    awaitHealthy(edge);
  }

  private void launch(Edge edge) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
                launcher.toString(),
                "serve",
                "--config",
                edge.config.toString(),
                "--port",
                String.valueOf(edge.port),
                "--admin-port",
                String.valueOf(edge.adminPort))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(edge.log.toFile()));
    builder.environment().putAll(env);
    edge.process = builder.start();
  }

  private void awaitHealthy(Edge edge) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      Process process = edge.process;
      if (process == null || !process.isAlive()) {
        throw new IllegalStateException("edge " + edge.index + " exited; see " + edge.log);
      }
      if (get("http://127.0.0.1:" + edge.port + "/healthz") != null) {
        edge.up = true;
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("edge " + edge.index + " did not answer; see " + edge.log);
  }

  /**
   * kill -9 (SIGKILL: no shutdown hook, no lease released, nothing flushed); its last scrape is
   * folded into the fleet totals.
   */
  void kill(Edge edge) throws Exception {
    Process process = edge.process;
    if (process == null) {
      return;
    }
    synchronized (leaderChanges) {
      edge.up = false;
      edge.leading = false;
      edge.epoch.incrementAndGet();
      noteLeaders(System.nanoTime());
    }
    new ProcessBuilder("kill", "-9", String.valueOf(process.pid())).inheritIO().start().waitFor();
    process.waitFor();
    synchronized (edge.earlier) {
      edge.scraped.forEach((key, value) -> edge.earlier.merge(key, value, Double::sum));
      edge.scraped = Map.of();
    }
    edge.process = null;
  }

  /** Scrapes every live edge's /metrics every {@code every} until {@link #close}. */
  void startScraping(Duration every) {
    scraper =
        Thread.ofPlatform()
            .daemon()
            .name("fleet-scraper")
            .start(
                () -> {
                  while (scraping.get()) {
                    scrapeOnce();
                    try {
                      Thread.sleep(every);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
  }

  void scrapeOnce() {
    for (Edge edge : edges) {
      if (!edge.up) {
        continue;
      }
      String body = get("http://127.0.0.1:" + edge.adminPort + "/metrics");
      if (body == null || !edge.up) {
        continue;
      }
      Map<String, Double> values = parse(body);
      synchronized (edge.earlier) {
        if (edge.up) {
          edge.scraped = values;
        }
      }
      synchronized (leaderChanges) {
        if (edge.up) {
          edge.leading =
              values.entrySet().stream()
                  .anyMatch(
                      e ->
                          e.getKey().startsWith("stripe_edge_fleet_leader{")
                              && e.getKey().contains("job=\"reconciler\"")
                              && e.getValue() >= 1);
        }
        noteLeaders(System.nanoTime());
      }
    }
  }

  private void noteLeaders(long nanos) {
    Set<Integer> now = new TreeSet<>();
    for (Edge edge : edges) {
      if (edge.up && edge.leading) {
        now.add(edge.index);
      }
    }
    if (leaderChanges.isEmpty() || !leaderChanges.getLast().leaders().equals(now)) {
      leaderChanges.add(new LeaderChange(nanos, Set.copyOf(now)));
    }
  }

  List<LeaderChange> leaderChanges() {
    synchronized (leaderChanges) {
      return List.copyOf(leaderChanges);
    }
  }

  /** The edge that leads now, or null. */
  @Nullable Edge leader() {
    for (Edge edge : edges) {
      if (edge.up && edge.leading) {
        return edge;
      }
    }
    return null;
  }

  /** A fleet total: matching series summed over edges and their incarnations. */
  double total(Predicate<String> series) {
    double sum = 0;
    for (Edge edge : edges) {
      synchronized (edge.earlier) {
        for (Map<String, Double> values : List.of(edge.scraped, edge.earlier)) {
          for (Map.Entry<String, Double> e : values.entrySet()) {
            if (series.test(e.getKey())) {
              sum += e.getValue();
            }
          }
        }
      }
    }
    return sum;
  }

  /**
   * Prometheus text, one {@code name{labels} value} a line; the {@code application} tag every meter
   * carries is dropped, so series read the same on every edge.
   */
  static Map<String, Double> parse(String body) {
    Map<String, Double> values = new HashMap<>();
    for (String line : body.split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      if (space < 0) {
        continue;
      }
      String series = line.substring(0, space).replaceAll(",?application=\"[^\"]*\"", "");
      series = series.replace("{,", "{").replace("{}", "");
      try {
        values.merge(series, Double.parseDouble(line.substring(space + 1)), Double::sum);
      } catch (NumberFormatException e) {
        // not a sample line
      }
    }
    return values;
  }

  private @Nullable String get(String url) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Stops scraping and the edges (SIGTERM, then SIGKILL after 20 s). */
  @Override
  public void close() throws Exception {
    scraping.set(false);
    Thread thread = scraper;
    if (thread != null) {
      thread.interrupt();
      thread.join();
    }
    for (Edge edge : edges) {
      edge.up = false;
      Process process = edge.process;
      if (process != null) {
        process.destroy();
      }
    }
    for (Edge edge : edges) {
      Process process = edge.process;
      if (process != null && !process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }
}
