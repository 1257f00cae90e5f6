package dev.stripeedge.bench.async;

import dev.stripeedge.bench.overload.Lane;
import dev.stripeedge.bench.overload.LoadMix;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The load {@code bench async} offers: a burst of customer creates, and a steady stream of
 * critical-lane requests (the overload bench's critical lane: PaymentIntent creates with {@code
 * Priority: u=1}). Open loop: each request starts on its schedule on its own virtual thread,
 * whatever the completions, and its latency counts from that scheduled start.
 */
final class Traffic {

  /** Answers of one batch of requests: counts by class and the latencies, sorted. */
  record Answers(int ok, int accepted, int rateLimited, int other, List<Long> sortedNanos) {

    int sent() {
      return ok + accepted + rateLimited + other;
    }

    double p50Ms() {
      return percentile(0.50);
    }

    double p99Ms() {
      return percentile(0.99);
    }

    double percentile(double q) {
      if (sortedNanos.isEmpty()) {
        return 0;
      }
      int index = (int) Math.min(sortedNanos.size() - 1, Math.ceil(q * sortedNanos.size()) - 1);
      return sortedNanos.get(Math.max(0, index)) / 1e6;
    }
  }

  /** Collects answers from many threads. */
  private static final class Tally {
    private final List<Long> latencies = new ArrayList<>();
    private final int[] counts = new int[4];

    synchronized void add(int status, long nanos) {
      latencies.add(nanos);
      counts[status == 202 ? 1 : status / 100 == 2 ? 0 : status == 429 ? 2 : 3]++;
    }

    synchronized Answers answers() {
      List<Long> sorted = new ArrayList<>(latencies);
      Collections.sort(sorted);
      return new Answers(counts[0], counts[1], counts[2], counts[3], List.copyOf(sorted));
    }
  }

  private final HttpClient http;

  Traffic(HttpClient http) {
    this.http = http;
  }

  /**
   * Sends {@code writes} customer creates spread evenly over {@code seconds} from {@code start}
   * (System.nanoTime), asynchronously when {@code async}; returns once every one is answered.
   */
  Answers burst(String baseUrl, String key, boolean async, int writes, double seconds, long start)
      throws InterruptedException {
    Tally tally = new Tally();
    CountDownLatch done = new CountDownLatch(writes);
    long spacing = (long) (seconds * 1e9 / writes);
    for (int i = 0; i < writes; i++) {
      long at = start + i * spacing;
      LockSupport.parkNanos(at - System.nanoTime());
      int n = i;
      Thread.ofVirtual()
          .start(
              () -> {
                HttpRequest.Builder request =
                    HttpRequest.newBuilder(URI.create(baseUrl + "/v1/customers"))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("name=Burst&metadata[n]=" + n));
                if (async) {
                  request.header("Prefer", "respond-async");
                }
                tally.add(status(request.build()), System.nanoTime() - at);
                done.countDown();
              });
    }
    if (!done.await(300, TimeUnit.SECONDS)) {
      System.out.printf("burst: %d requests never finished%n", done.getCount());
    }
    return tally.answers();
  }

  /** A steady stream of critical requests, started by {@link #critical}; stop it to read it. */
  final class Stream {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Tally tally = new Tally();
    private final Thread generator;
    private int started;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<Thread> calls = Collections.synchronizedList(new ArrayList<>());

    private Stream(String baseUrl, String key, double perSecond) {
      long spacing = (long) (1e9 / perSecond);
      long start = System.nanoTime();
      generator =
          Thread.ofVirtual()
              .start(
                  () -> {
                    for (long i = 0; running.get(); i++) {
                      long at = start + i * spacing;
                      LockSupport.parkNanos(at - System.nanoTime());
                      if (!running.get()) {
                        break;
                      }
                      started++;
                      calls.add(
                          Thread.ofVirtual()
                              .start(
                                  () ->
                                      tally.add(
                                          status(criticalRequest(baseUrl, key)),
                                          System.nanoTime() - at)));
                    }
                    stopped.countDown();
                  });
    }

    /** Stops sending, waits for the answers of what was sent, and returns them. */
    Answers stop() throws InterruptedException {
      running.set(false);
      generator.interrupt();
      stopped.await();
      List<Thread> sent;
      synchronized (calls) {
        sent = List.copyOf(calls);
      }
      for (Thread call : sent) {
        call.join(TimeUnit.SECONDS.toMillis(60));
      }
      Answers answers = tally.answers();
      if (answers.sent() < started) {
        System.out.printf("critical: %d requests never finished%n", started - answers.sent());
      }
      return answers;
    }
  }

  /** Starts {@code perSecond} critical requests a second on {@code key}'s account. */
  Stream critical(String baseUrl, String key, double perSecond) {
    return new Stream(baseUrl, key, perSecond);
  }

  private static HttpRequest criticalRequest(String baseUrl, String key) {
    return HttpRequest.newBuilder(URI.create(baseUrl + "/v1/payment_intents"))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Priority", Lane.CRITICAL.priority())
        .POST(HttpRequest.BodyPublishers.ofString(LoadMix.PAYMENT_INTENT_BODY))
        .build();
  }

  /** The answer's status; 0 when none came. */
  private int status(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    } catch (java.io.IOException | RuntimeException e) {
      return 0;
    }
  }
}
