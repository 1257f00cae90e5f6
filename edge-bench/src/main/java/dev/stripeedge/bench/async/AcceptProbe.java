package dev.stripeedge.bench.async;

import dev.stripeedge.core.EdgePipeline;
import dev.stripeedge.core.EdgeRequest;
import dev.stripeedge.core.EdgeResponse;
import dev.stripeedge.core.SystemTime;
import dev.stripeedge.core.queue.AsyncWriteConfig;
import dev.stripeedge.core.queue.AsyncWrites;
import dev.stripeedge.core.queue.CredentialSeal;
import dev.stripeedge.store.sqlite.SqliteWorkQueue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The accept path of asynchronous writes alone, without HTTP: the front and the SQLite queue in
 * this process, 1,000 offers scheduled evenly over 2 s (bench async's burst) from virtual threads,
 * the time from each one's scheduled start to its answer; three bursts in one JVM, so the first
 * shows the cold path and the others the warm one. Workers run, their pipeline answering after 300
 * ms, so outcome commits interleave with acceptance as in a drain.
 *
 * <pre>{@code
 * java --enable-native-access=ALL-UNNAMED -cp edge-bench/target/benchmarks.jar \
 *     dev.stripeedge.bench.async.AcceptProbe /tmp/accept-probe
 * }</pre>
 */
public final class AcceptProbe {

  private AcceptProbe() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    EdgePipeline pipeline =
        new EdgePipeline() {
          @Override
          public CompletableFuture<EdgeResponse> handle(EdgeRequest r) {
            CompletableFuture<EdgeResponse> f = new CompletableFuture<>();
            later.schedule(
                () ->
                    f.complete(
                        new EdgeResponse(
                            200,
                            Map.of("request-id", List.of("req_1")),
                            "{\"id\":\"cus_1\"}".getBytes(StandardCharsets.UTF_8))),
                300,
                TimeUnit.MILLISECONDS);
            return f;
          }

          @Override
          public void invalidate(String id) {}

          @Override
          public long cachedBytes() {
            return 0;
          }
        };
    for (int round = 0; round < 3; round++) {
      Path file = dir.resolve("probe-" + round + "-" + System.nanoTime() + ".db");
      try (SqliteWorkQueue queue = SqliteWorkQueue.open(file);
          AsyncWrites writes =
              AsyncWrites.over(
                      pipeline,
                      queue,
                      CredentialSeal.derivedFrom(new byte[32]),
                      AsyncWriteConfig.defaults().toBuilder().build(),
                      SystemTime.clock(),
                      new SecureRandom(),
                      new SimpleMeterRegistry())
                  .start()) {
        int n = 1000;
        long spacing = 2_000_000_000L / n;
        List<Long> lat = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(n);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
          long at = start + i * spacing;
          LockSupport.parkNanos(at - System.nanoTime());
          int k = i;
          Thread.ofVirtual()
              .start(
                  () -> {
                    EdgeRequest req =
                        new EdgeRequest(
                            "POST",
                            "/v1/customers",
                            "",
                            Map.of(
                                "Authorization",
                                List.of("Bearer sk_test_probe"),
                                "Prefer",
                                List.of("respond-async")),
                            ("name=Burst&metadata[n]=" + k).getBytes(StandardCharsets.UTF_8));
                    CompletableFuture<EdgeResponse> offered = writes.offer(req);
                    try {
                      EdgeResponse r = offered == null ? null : offered.get();
                      if (r == null || r.status() != 202) {
                        System.out.println("not accepted: " + (r == null ? "sync" : r.status()));
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    } catch (java.util.concurrent.ExecutionException e) {
                      System.out.println("failed: " + e.getCause());
                    }
                    lat.add(System.nanoTime() - at);
                    done.countDown();
                  });
        }
        done.await();
        List<Long> s = new ArrayList<>(lat);
        Collections.sort(s);
        System.out.printf(
            Locale.ROOT,
            "round %d: accept p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
            round,
            s.get(n / 2) / 1e6,
            s.get((int) Math.ceil(0.99 * n) - 1) / 1e6,
            s.get(n - 1) / 1e6);
      }
    }
    later.shutdownNow();
  }
}
