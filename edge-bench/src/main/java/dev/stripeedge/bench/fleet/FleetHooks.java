package dev.stripeedge.bench.fleet;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two HTTP servers around the fleet, in the bench's JVM. The <b>relay</b> is the load balancer
 * Stripe's deliveries reach: one webhook endpoint on the simulator, each delivery (the simulator's
 * duplicates and retries included) passed to the next edge in turn, and to the one after it when
 * that edge refuses the connection (nginx's {@code proxy_next_upstream error}), so a dead edge
 * delays no event. The <b>app</b> is the forwarding target every edge re-signs events for: it
 * counts forwards per event id and, by the edges' {@code Stripe-Edge-Delivery} and {@code
 * Stripe-Edge-Attempt} headers, the outbox rows forwarded per event id: the per-event count of
 * applications the fleet made (an event is queued for forwarding in the same atomic step that
 * records it as new), with a retry of a row (at-least-once) told apart from a second row.
 */
final class FleetHooks implements AutoCloseable {

  private static final Pattern EVENT_ID = Pattern.compile("\"id\"\\s*:\\s*\"(evt_[^\"]+)\"");

  private final HttpServer relay;
  private final HttpServer app;
  private final List<String> edges;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(1))
          .executor(Executors.newVirtualThreadPerTaskExecutor())
          .build();
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicLongArray delivered;
  private final AtomicLong refused = new AtomicLong();
  private final Map<String, AtomicInteger> forwards = new ConcurrentHashMap<>();
  // Per event id, the outbox rows forwarded (Stripe-Edge-Delivery): one per application.
  private final Map<String, Set<String>> deliveries = new ConcurrentHashMap<>();
  // Every (delivery, attempt) received: the same pair twice is one attempt sent twice.
  private final Set<String> attempts = ConcurrentHashMap.newKeySet();
  private final AtomicInteger retries = new AtomicInteger();
  private final AtomicInteger sameAttemptAgain = new AtomicInteger();

  /** {@code edges}: each edge's base URL, in the fleet's order. */
  FleetHooks(List<String> edges) throws IOException {
    this.edges = List.copyOf(edges);
    this.delivered = new AtomicLongArray(edges.size());
    relay = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    relay.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    relay.createContext("/", this::relay);
    relay.start();
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    app.createContext("/hook", this::forwarded);
    app.start();
  }

  String relayUrl() {
    return "http://127.0.0.1:" + relay.getAddress().getPort() + "/webhooks/stripe";
  }

  String appUrl() {
    return "http://127.0.0.1:" + app.getAddress().getPort() + "/hook";
  }

  private void relay(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readAllBytes();
    String signature = exchange.getRequestHeaders().getFirst("Stripe-Signature");
    int first = Math.floorMod(next.getAndIncrement(), edges.size());
    int status = 502;
    for (int k = 0; k < edges.size(); k++) {
      int edge = (first + k) % edges.size();
      try {
        HttpRequest.Builder request =
            HttpRequest.newBuilder(URI.create(edges.get(edge) + "/webhooks/stripe"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
          request.header("Stripe-Signature", signature);
        }
        status = http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        delivered.incrementAndGet(edge);
        break;
      } catch (IOException e) {
        refused.incrementAndGet(); // that edge is down: the next one
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    exchange.sendResponseHeaders(status, -1);
    exchange.close();
  }

  private void forwarded(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    Matcher id = EVENT_ID.matcher(body);
    if (id.find()) {
      forwards.computeIfAbsent(id.group(1), k -> new AtomicInteger()).incrementAndGet();
      String delivery = header(exchange, "Stripe-Edge-Delivery");
      String attempt = header(exchange, "Stripe-Edge-Attempt");
      deliveries.computeIfAbsent(id.group(1), k -> ConcurrentHashMap.newKeySet()).add(delivery);
      if (!attempts.add(delivery + " attempt " + attempt)) {
        sameAttemptAgain.incrementAndGet();
      } else if (!attempt.equals("1")) {
        retries.incrementAndGet();
      }
    }
    exchange.sendResponseHeaders(200, -1);
    exchange.close();
  }

  private static String header(HttpExchange exchange, String name) {
    String value = exchange.getRequestHeaders().getFirst(name);
    return value == null ? "?" : value;
  }

  /** Deliveries each edge answered (retries and duplicates included). */
  long[] delivered() {
    long[] counts = new long[edges.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = delivered.get(i);
    }
    return counts;
  }

  /** Attempts on an edge that refused the connection (then passed to the next). */
  long refused() {
    return refused.get();
  }

  /** Forwards received per event id. */
  Map<String, Integer> forwards() {
    Map<String, Integer> counts = new ConcurrentHashMap<>();
    forwards.forEach((id, n) -> counts.put(id, n.get()));
    return counts;
  }

  /**
   * Forwarded deliveries (outbox rows) per event id: applications, with an edge's retries of its
   * own delivery counted once.
   */
  Map<String, Integer> deliveries() {
    Map<String, Integer> counts = new ConcurrentHashMap<>();
    deliveries.forEach((id, rows) -> counts.put(id, rows.size()));
    return counts;
  }

  /** Forwards that were a later attempt of a delivery (after a failed or slow answer). */
  int retries() {
    return retries.get();
  }

  /** Forwards whose delivery and attempt had been received already: one attempt sent twice. */
  int sameAttemptAgain() {
    return sameAttemptAgain.get();
  }

  @Override
  public void close() {
    relay.stop(0);
    app.stop(0);
  }
}
