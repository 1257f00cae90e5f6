package dev.stripeedge.bench.fleet;

import dev.stripeedge.bench.fleet.FleetEdges.Edge;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fleet bench's clients: readers of the hot customers pinned one per (edge, customer), a reader
 * of the cold customers spread over the edges, and the out-of-band changes. Measures freshness per
 * (change, edge), regressions per edge and across the fleet, and counts reads.
 */
final class FleetWorkload {

  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
  private static final Pattern NAME = Pattern.compile("\"name\"\\s*:\\s*\"[a-z]+(\\d+)\"");

  /** One out-of-band change, and when each edge first served it (0: not yet). */
  static final class Change {
    final String object;
    final int version;
    final long ackNanos;
    final AtomicLongArray seen;
    final int[] epochAtAck;
    final AtomicIntegerArray epochAtSeen;

    Change(String object, int version, long ackNanos, List<Edge> edges) {
      this.object = object;
      this.version = version;
      this.ackNanos = ackNanos;
      this.seen = new AtomicLongArray(edges.size());
      this.epochAtAck = new int[edges.size()];
      this.epochAtSeen = new AtomicIntegerArray(edges.size());
      for (Edge edge : edges) {
        epochAtAck[edge.index] = edge.epoch.get();
      }
    }

    boolean seenByAllUp(List<Edge> edges) {
      for (Edge edge : edges) {
        if (edge.up && seen.get(edge.index) == 0) {
          return false;
        }
      }
      return true;
    }
  }

  private final String key;
  private final List<Edge> edges;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(1))
          .executor(Executors.newVirtualThreadPerTaskExecutor())
          .build();
  final Map<String, Change> pending = new ConcurrentHashMap<>();
  final List<Change> changes = new ArrayList<>();
  // Per object: version -> when a read first finished returning it (for fleet-wide regressions).
  private final Map<String, Map<Integer, Long>> served = new ConcurrentHashMap<>();
  final AtomicBoolean reading = new AtomicBoolean(true);
  final AtomicBoolean counting = new AtomicBoolean(false);
  final AtomicLong reads = new AtomicLong();
  final AtomicLong failedReads = new AtomicLong();
  final AtomicLong edgeRegressions = new AtomicLong();
  final AtomicLong fleetRegressions = new AtomicLong();
  private final List<Thread> readers = new ArrayList<>();

  FleetWorkload(String key, List<Edge> edges) {
    this.key = key;
    this.edges = edges;
  }

  /** Creates {@code count} customers named {@code prefix0}, through the edges in turn. */
  List<String> create(int count, String prefix) throws Exception {
    // Sixteen at a time: one by one, the simulator's realistic latency made this most of a phase.
    List<java.util.concurrent.Future<String>> created = new ArrayList<>();
    java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(16);
    try (var creators = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < count; i++) {
        Edge edge = edges.get(i % edges.size());
        created.add(
            creators.submit(
                () -> {
                  permits.acquire();
                  try {
                    HttpResponse<String> response =
                        send(edge.base(), "POST", "/v1/customers", "name=" + prefix + "0");
                    Matcher id = ID.matcher(response.body());
                    if (response.statusCode() != 200 || !id.find()) {
                      throw new IllegalStateException("create failed: " + response.body());
                    }
                    return id.group(1);
                  } finally {
                    permits.release();
                  }
                }));
      }
    }
    List<String> ids = new ArrayList<>();
    for (var id : created) {
      ids.add(id.get());
    }
    return ids;
  }

  void startReaders(List<String> hot, List<String> cold, Duration poll, Duration coldEvery) {
    for (Edge edge : edges) {
      for (String object : hot) {
        readers.add(Thread.ofVirtual().start(() -> readLoop(edge, object, poll)));
      }
    }
    readers.add(Thread.ofVirtual().start(() -> coldLoop(cold, coldEvery)));
  }

  void stopReaders() throws InterruptedException {
    reading.set(false);
    for (Thread reader : readers) {
      reader.join();
    }
  }

  /** One out-of-band change on the simulator, as the Dashboard would make it. */
  void change(String simBase, String object, int version) {
    HttpResponse<String> changed =
        send(simBase, "POST", "/_sim/objects/" + object, "name=v" + version);
    if (changed.statusCode() != 200) {
      throw new IllegalStateException("out-of-band change failed: " + changed.body());
    }
    Change change = new Change(object, version, System.nanoTime(), edges);
    synchronized (changes) {
      changes.add(change);
    }
    pending.put(object, change);
  }

  private void readLoop(Edge edge, String object, Duration poll) {
    int newest = 0;
    int epoch = edge.epoch.get();
    while (reading.get()) {
      if (edge.up) {
        long started = System.nanoTime();
        Change awaited = pending.get(object);
        int version = version(get(edge.base(), "/v1/customers/" + object));
        long ended = System.nanoTime();
        if (version >= 0) {
          count();
          if (version < newest) {
            edgeRegressions.incrementAndGet();
          }
          newest = Math.max(newest, version);
          fleetCheck(object, version, started, ended);
          if (awaited != null
              && started >= awaited.ackNanos
              && version >= awaited.version
              && awaited.seen.compareAndSet(edge.index, 0, ended)) {
            awaited.epochAtSeen.set(edge.index, edge.epoch.get());
          }
        } else if (edge.up && edge.epoch.get() == epoch) {
          failedReads.incrementAndGet();
        }
        epoch = edge.epoch.get();
      }
      sleep(poll);
    }
  }

  private void coldLoop(List<String> cold, Duration every) {
    SplittableRandom random = new SplittableRandom(11);
    while (reading.get()) {
      Edge edge = edges.get(random.nextInt(edges.size()));
      String object = cold.get(random.nextInt(cold.size()));
      if (edge.up) {
        int version = version(get(edge.base(), "/v1/customers/" + object));
        if (version >= 0) {
          count();
        }
      }
      sleep(every);
    }
  }

  private void count() {
    if (counting.get()) {
      reads.incrementAndGet();
    }
  }

  /** A read that started after another read (on any edge) finished returning a newer version. */
  private void fleetCheck(String object, int version, long started, long ended) {
    Map<Integer, Long> versions = served.computeIfAbsent(object, o -> new ConcurrentHashMap<>());
    for (Map.Entry<Integer, Long> e : versions.entrySet()) {
      if (e.getKey() > version && e.getValue() < started) {
        fleetRegressions.incrementAndGet();
        break;
      }
    }
    versions.merge(version, ended, Math::min);
  }

  private static int version(String body) {
    Matcher matcher = NAME.matcher(body);
    return matcher.find() ? Integer.parseInt(matcher.group(1)) : -1;
  }

  static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  String get(String base, String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(base + path))
                  .timeout(Duration.ofSeconds(10))
                  .header("Authorization", "Bearer " + key)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : "";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  HttpResponse<String> send(String base, String method, String path, String form) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(base + path))
              .timeout(Duration.ofSeconds(30))
              .header("Authorization", "Bearer " + key)
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
}
