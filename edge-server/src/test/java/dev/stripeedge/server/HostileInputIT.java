package dev.stripeedge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stripeedge.runtime.EdgeSettings;
import dev.stripeedge.sim.SimConfig;
import dev.stripeedge.sim.junit.StripeSimExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Black-box hostile input: a real edge in front of the simulator, sent malformed requests of every
 * kind issue 18 found over raw sockets, each counted by outcome (4xx, 5xx, hang, closed without an
 * answer). A client's mistake must get a Stripe-shaped 4xx, never a 5xx, never a hang; thousands of
 * unknown paths must not grow {@code /metrics} (scraped from the admin listener) by more than a few
 * series. Prints the counts (docs/benchmarks.md, "Hostile input"). Waits are generous and nothing
 * is timed: a hang is no answer within 30 s.
 *
 * <p>Run alone: {@code ./mvnw -B -pl edge-server -am verify -Dit.test=HostileInputIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
class HostileInputIT {

  @RegisterExtension
  static StripeSimExtension sim =
      new StripeSimExtension(SimConfig.forTests().withLimits(SimConfig.Limits.off()));

  @TempDir static Path dir;

  private static final String KEY = "Authorization: Bearer sk_test_hostile\r\n";
  private static final int UNKNOWN_PATHS = Integer.getInteger("hostile.unknown.paths", 2_000);
  private static final int MAX_NEW_SERIES = 100;

  private static EdgeServer edge;

  /** Outcomes of one kind of request. */
  private static final class Tally {
    int tried;
    int clientErrors;
    int serverErrors;
    int hangs;
    int closedUnanswered;
    int other;
    int notStripeShaped;
    final List<String> failures = new ArrayList<>();

    void count(String request, RawHttp.Outcome outcome) {
      tried++;
      switch (outcome) {
        case RawHttp.Outcome.Answered answered -> {
          int status = answered.answer().status();
          if (status >= 400 && status < 500) {
            clientErrors++;
            if (!answered.answer().stripeShaped()) {
              notStripeShaped++;
              note(request, "not Stripe-shaped: " + answered.answer().body());
            }
          } else if (status >= 500) {
            serverErrors++;
            note(request, status + " " + answered.answer().body());
          } else {
            other++;
            note(request, "status " + status);
          }
        }
        case RawHttp.Outcome.Hung hung -> {
          hangs++;
          note(request, "no answer within " + RawHttp.WAIT_MILLIS + " ms");
        }
        case RawHttp.Outcome.Closed closed -> {
          closedUnanswered++;
          note(request, "closed without an answer");
        }
      }
    }

    private void note(String request, String what) {
      if (failures.size() < 5) {
        failures.add(printable(request) + " -> " + what);
      }
    }
  }

  private final Map<String, Tally> tallies = new LinkedHashMap<>();

  @BeforeAll
  static void startEdge() {
    edge =
        EdgeServer.start(
            EdgeSettings.defaults()
                .with("port", 0)
                .with("listeners.admin.port", 0)
                .with("upstream", sim.baseUrl())
                .with("headerTimeout", java.time.Duration.ofSeconds(2))
                // Off: it paces a sandbox key to ~22 req/s, which would make this run minutes long.
                .with("budget.enabled", false)
                .with("store.path", dir.resolve("edge.db").toString()));
  }

  @AfterAll
  static void stopEdge() {
    edge.close();
  }

  private void send(String kind, String request) throws IOException {
    send(kind, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  private void send(String kind, byte[] request) throws IOException {
    Tally tally = tallies.computeIfAbsent(kind, k -> new Tally());
    tally.count(
        new String(request, StandardCharsets.ISO_8859_1), RawHttp.attempt(edge.port(), request));
  }

  private static String get(String target, String headers) {
    return "GET " + target + " HTTP/1.1\r\nHost: edge\r\n" + KEY + headers + "\r\n";
  }

  @Test
  void clientMistakesGetStripeShaped4xxNeverA5xxOrAHang() throws Exception {
    String illegal = "|{}^`\"\\<> ";
    for (char c : illegal.toCharArray()) {
      send("illegal URI character", get("/v1/customers/cus_" + c + "1", ""));
      send("illegal URI character", get("/v1/customers?email=a" + c + "b", ""));
    }
    for (String target :
        List.of("/v1/customers/cus_[1]", "/v1/customers/[", "/v1/customers/]", "/v1/[]?limit=1")) {
      send("bracket in path", get(target, ""));
    }
    for (String head :
        List.of(
            "CONNECT api.stripe.com:443 HTTP/1.1\r\nHost: api.stripe.com:443\r\n",
            "CONNECT /v1/customers HTTP/1.1\r\nHost: edge\r\n",
            "TRACE /v1/customers HTTP/1.1\r\nHost: edge\r\n",
            "TRACE * HTTP/1.1\r\nHost: edge\r\n")) {
      send("CONNECT or TRACE", head + KEY + "\r\n");
    }
    for (String escape : List.of("%zz", "%4", "%", "%g0", "%%")) {
      send("bad percent-escape", get("/v1/customers/cus_" + escape, ""));
      send("bad percent-escape", get("/v1/customers?limit=" + escape, ""));
    }
    for (int c = 0; c < 0x20; c++) {
      if (c != '\r' && c != '\n') {
        send("control character in URI", get("/v1/customers/a" + (char) c + "b", ""));
      }
      if (c != '\t' && c != '\r' && c != '\n') {
        send(
            "control character in header value",
            get("/v1/customers", "X-Bad: a" + (char) c + "b\r\n"));
      }
      if (c != '\r' && c != '\n') {
        send("bad header name", get("/v1/customers", "X" + (char) c + "Bad: a\r\n"));
      }
    }
    send("control character in header value", get("/v1/customers", "X-Bad: a\u007fb\r\n"));
    for (int c = 0x80; c <= 0xff; c += 7) {
      send("non-ASCII in URI", get("/v1/customers/caf" + (char) c, ""));
      send("non-ASCII in header value", get("/v1/customers", "X-Bad: caf" + (char) c + "\r\n"));
      send("bad header name", get("/v1/customers", "X-B" + (char) c + "d: a\r\n"));
    }
    for (String name : List.of("Bad Name", "Bad(Name)", "Bad/Name", "Bad@Name", "Bad\"Name")) {
      send("bad header name", get("/v1/customers", name + ": a\r\n"));
    }
    String post = "POST /v1/customers HTTP/1.1\r\nHost: edge\r\n" + KEY;
    send(
        "Content-Length with Transfer-Encoding",
        post
            + "Content-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            + get("/v1/customers", ""));
    send(
        "Content-Length with Transfer-Encoding",
        post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n");
    for (String coding : List.of("gzip", "chunked, gzip", "identity", "xchunked", "chunked;x=1")) {
      send("unknown transfer coding", post + "Transfer-Encoding: " + coding + "\r\n\r\n0\r\n\r\n");
    }
    for (String second : List.of("gzip", "chunked", "", "identity")) {
      send(
          "second Transfer-Encoding line",
          post
              + "Transfer-Encoding: chunked\r\nTransfer-Encoding: "
              + second
              + "\r\n\r\n0\r\n\r\n");
    }
    for (String length : List.of("abc", "-1", "1, 2", "99999999999999999999")) {
      send("bad Content-Length", post + "Content-Length: " + length + "\r\n\r\nname=A");
    }
    send("bad Content-Length", post + "Content-Length: 6\r\nContent-Length: 7\r\n\r\nname=A");
    send("bad chunk", post + "Transfer-Encoding: chunked\r\n\r\nzz\r\nname=A\r\n0\r\n\r\n");
    send("too long", get("/v1/customers/" + "a".repeat(20_000), ""));
    send("too long", get("/v1/customers", "X-Big: " + "a".repeat(70_000) + "\r\n"));
    send(
        "too long",
        post
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000000\r\n\r\nname=A");
    for (String line :
        List.of(
            "HELLO\r\n\r\n",
            "GET\r\n\r\n",
            "GET / HTTP/9.9\r\n\r\n",
            "GET /v1/customers HTTP/1.1 extra\r\n\r\n",
            "G\u0000T /v1/customers HTTP/1.1\r\n\r\n",
            "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003\r\n\r\n")) {
      send("not HTTP", line);
    }
    // Heads that never end: the header timeout answers them.
    send("unfinished head", "GET /v1/customers HTTP/1.1\r\nHost: edge\r\nX-Slow: ");
    send("unfinished head", "GET /v1/custo");
    send("unfinished head", "\r\n\r\n");
    SplittableRandom random = new SplittableRandom(18);
    for (int i = 0; i < 200; i++) {
      byte[] junk = new byte[1 + random.nextInt(300)];
      random.nextBytes(junk);
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.writeBytes("GET /v1/customers HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
      request.writeBytes(junk);
      request.writeBytes("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      send("random bytes in the head", request.toByteArray());
    }

    print("client mistakes", tallies);
    List<String> failures = new ArrayList<>();
    tallies.forEach(
        (kind, tally) -> {
          if (tally.clientErrors != tally.tried || tally.notStripeShaped > 0) {
            failures.add(kind + ": " + tally.failures);
          }
        });
    // Every mistake: a Stripe-shaped 4xx. No 5xx, no hang, no close without an answer.
    assertThat(failures).isEmpty();
  }

  @Test
  void thousandsOfUnknownPathsAndMethodsLeaveMetricsBounded() throws Exception {
    // One series set per status and method is fine; one per path is the bug.
    warmUp();
    String scrapeBefore = scrape();
    long seriesBefore = series(scrapeBefore);
    long heapBefore = usedHeapAfterGc();
    SplittableRandom random = new SplittableRandom(1818);
    try (RawHttp connection = new RawHttp(edge.port())) {
      for (int i = 0; i < UNKNOWN_PATHS; i++) {
        String path =
            switch (i % 4) {
              case 0 -> "/v1/made_up_" + Long.toHexString(random.nextLong());
              case 1 -> "/v1/customers/cus_" + i + "/no_such_action_" + i;
              case 2 -> "/v1/sk_live_51" + Long.toHexString(random.nextLong()) + "/x";
              default -> "/v1/" + "p".repeat(2_000) + i;
            };
        String method = i % 5 == 0 ? "BREW" + (i % 50) : (i % 2 == 0 ? "GET" : "DELETE");
        connection.send(method + " " + path + " HTTP/1.1\r\nHost: edge\r\n" + KEY + "\r\n");
        RawHttp.Answer answer = connection.read();
        tallies
            .computeIfAbsent("unknown path or method", k -> new Tally())
            .count(
                method + " " + path,
                answer == null
                    ? new RawHttp.Outcome.Closed()
                    : new RawHttp.Outcome.Answered(answer));
        if (answer == null) {
          break;
        }
      }
    }
    String metrics = scrape();
    long seriesAfter = series(metrics);
    long heapAfter = usedHeapAfterGc();

    print("unknown paths", tallies);
    System.out.printf(
        "hostile input: /metrics %d series (%d bytes) before, %d series (%d bytes) after %d unknown"
            + " paths; heap %d MiB before, %d MiB after%n",
        seriesBefore,
        scrapeBefore.length(),
        seriesAfter,
        metrics.length(),
        UNKNOWN_PATHS,
        heapBefore >> 20,
        heapAfter >> 20);
    Tally tally = tallies.get("unknown path or method");
    assertThat(tally.tried).isEqualTo(UNKNOWN_PATHS);
    assertThat(tally.serverErrors).as("%s", tally.failures).isZero();
    assertThat(tally.closedUnanswered).as("%s", tally.failures).isZero();
    // One label set per route template, method and status: a few dozen at most. Per path, the
    // growth would be in the thousands.
    assertThat(seriesAfter - seriesBefore).as("new /metrics series").isLessThan(MAX_NEW_SERIES);
    assertThat(metrics)
        .doesNotContain("made_up", "no_such_action", "sk_live", "BREW", "ppppp", "cus_", "warm_up");
    // Loose: 5,000 requests with 2 KB paths once grew the heap by tens of MB through labels.
    assertThat(heapAfter - heapBefore).as("heap growth").isLessThan(128L << 20);
  }

  private static void warmUp() throws IOException {
    for (String method : List.of("GET", "DELETE", "BREW")) {
      RawHttp.exchange(
          edge.port(), method + " /v1/warm_up HTTP/1.1\r\nHost: edge\r\n" + KEY + "\r\n");
    }
  }

  /**
   * {@code /metrics} from the admin listener (the proxy listener answers it 404), naming the
   * listener in {@code Host} as its access check requires. Asserted to be a real scrape: a 404 or
   * an empty body would make every bound below pass.
   */
  private static String scrape() throws IOException {
    RawHttp.Answer answer =
        RawHttp.exchange(
            edge.adminPort(),
            "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + edge.adminPort() + "\r\n\r\n");
    assertThat(answer).as("an answer from /metrics").isNotNull();
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.body()).contains("stripe_edge_requests_seconds_count{");
    assertThat(series(answer.body())).as("series in /metrics").isGreaterThan(20);
    return answer.body();
  }

  /** The samples of a Prometheus scrape: its lines that are neither comments nor blank. */
  private static long series(String scrape) {
    return scrape.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).count();
  }

  private static long usedHeapAfterGc() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void print(String title, Map<String, Tally> tallies) {
    System.out.printf("hostile input (%s):%n", title);
    System.out.printf(
        "  %-40s %6s %6s %6s %6s %8s%n", "kind", "tried", "4xx", "5xx", "hangs", "closed");
    int[] total = new int[5];
    tallies.forEach(
        (kind, tally) -> {
          System.out.printf(
              "  %-40s %6d %6d %6d %6d %8d%n",
              kind,
              tally.tried,
              tally.clientErrors,
              tally.serverErrors,
              tally.hangs,
              tally.closedUnanswered);
          total[0] += tally.tried;
          total[1] += tally.clientErrors;
          total[2] += tally.serverErrors;
          total[3] += tally.hangs;
          total[4] += tally.closedUnanswered;
        });
    System.out.printf(
        "  %-40s %6d %6d %6d %6d %8d%n", "total", total[0], total[1], total[2], total[3], total[4]);
  }

  private static String printable(String request) {
    StringBuilder out = new StringBuilder();
    for (char c : request.substring(0, Math.min(120, request.length())).toCharArray()) {
      out.append(c < 0x20 || c > 0x7e ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return out.toString();
  }
}
