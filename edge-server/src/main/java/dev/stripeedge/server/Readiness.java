package dev.stripeedge.server;

import dev.stripeedge.core.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Whether the edge can do its work, for {@code /readyz}: not while starting or closing, not while
 * its durable store cannot write (two heartbeats in a row failed), and not while Stripe is
 * unreachable. It reads the upstream attempts the pipeline counts ({@code stripe.edge.upstream}, by
 * outcome): after {@code tripAfter} failed attempts in a row (connect, reset, timeout: no HTTP
 * answer at all) with no answer between them, the edge is not ready, and says why. Any HTTP answer
 * from upstream, even a 4xx or 5xx, proves it reachable and makes it ready again. While not ready
 * it asks upstream itself at most every {@code probeEvery} (a load balancer that stopped sending
 * traffic would otherwise never see it recover). Thread-safe.
 */
final class Readiness implements AutoCloseable {

  /** Ready or not, and why not. */
  record State(boolean ready, String reason) {}

  private final MeterRegistry metrics;
  private final Ticker ticker;
  private final int tripAfter;
  private final long probeEveryNanos;
  private final Supplier<Boolean> started;
  private final Supplier<@Nullable String> storeProblem;
  private final HttpClient probeClient;
  private final URI probeUri;

  private double answeredSeen;
  private double failedSeen;
  private long failedInARow;
  private final Map<String, Long> failedKinds = new TreeMap<>();
  private long lastProbe;
  private boolean probing;

  /**
   * @param upstream the upstream base URL, probed with an unauthenticated {@code GET /v1/} (any
   *     HTTP answer, a 401 from Stripe included, means reachable)
   * @param started whether the edge finished starting and is not closing
   * @param storeProblem why the durable store is not taking writes, or null while it is
   */
  Readiness(
      MeterRegistry metrics,
      Ticker ticker,
      String upstream,
      int tripAfter,
      Duration probeEvery,
      Supplier<Boolean> started,
      Supplier<@Nullable String> storeProblem) {
    this.metrics = metrics;
    this.ticker = ticker;
    this.tripAfter = tripAfter;
    this.probeEveryNanos = probeEvery.toNanos();
    this.started = started;
    this.storeProblem = storeProblem;
    this.probeClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    this.probeUri = URI.create(upstream.replaceAll("/+$", "") + "/v1/");
    this.lastProbe = ticker.nanos() - probeEveryNanos;
  }

  /** The state now, from the attempts counted since the last call. */
  synchronized State check() {
    if (!started.get()) {
      return new State(false, "starting (or closing)");
    }
    String store = storeProblem.get();
    if (store != null) {
      // Webhooks could not be recorded, nor writes queued: a balancer should send them elsewhere.
      return new State(false, store);
    }
    double answered = 0;
    double failed = 0;
    Map<String, Double> failedNow = new TreeMap<>();
    for (Timer timer : metrics.find("stripe.edge.upstream").timers()) {
      String outcome = timer.getId().getTag("outcome");
      long count = timer.count();
      if (outcome != null && !outcome.isEmpty() && Character.isDigit(outcome.charAt(0))) {
        answered += count;
      } else {
        failed += count;
        failedNow.merge(outcome == null ? "error" : outcome, (double) count, Double::sum);
      }
    }
    if (answered > answeredSeen) {
      failedInARow = 0;
      failedKinds.clear();
    } else if (failed > failedSeen) {
      failedInARow += (long) (failed - failedSeen);
    }
    if (failed > failedSeen && answered <= answeredSeen) {
      failedNow.forEach((kind, count) -> failedKinds.put(kind, count.longValue()));
    }
    answeredSeen = answered;
    failedSeen = failed;
    if (failedInARow < tripAfter) {
      return new State(true, "ready");
    }
    probeIfDue();
    return new State(
        false,
        "upstream unreachable: the last "
            + failedInARow
            + " upstream attempts got no answer ("
            + kinds()
            + "); ready again on the next answer from "
            + probeUri.getScheme()
            + "://"
            + probeUri.getAuthority());
  }

  private String kinds() {
    StringBuilder out = new StringBuilder();
    failedKinds.forEach(
        (kind, count) ->
            out.append(out.isEmpty() ? "" : ", ").append(kind).append(": ").append(count));
    return out.toString();
  }

  /** Asks upstream once, in the background, when the last probe is old enough. */
  private void probeIfDue() {
    long now = ticker.nanos();
    if (probing || now - lastProbe < probeEveryNanos) {
      return;
    }
    probing = true;
    lastProbe = now;
    probeClient
        .sendAsync(
            HttpRequest.newBuilder(probeUri).timeout(Duration.ofSeconds(5)).GET().build(),
            HttpResponse.BodyHandlers.discarding())
        .whenComplete(
            (response, failure) -> {
              synchronized (this) {
                probing = false;
                if (response != null) {
                  failedInARow = 0;
                  failedKinds.clear();
                }
              }
            });
  }

  @Override
  public void close() {
    probeClient.shutdownNow();
  }
}
