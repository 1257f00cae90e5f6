package dev.stripeedge.core.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.stripeedge.core.Secret;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One slow target delays only itself: judged by what the fast target received while the slow one
 * still holds its deliveries, never by timing.
 */
class ForwarderLanesTest {

  private final CountDownLatch slowReleased = new CountDownLatch(1);
  private final AtomicInteger slowReceived = new AtomicInteger();
  private final CountDownLatch fastReceived = new CountDownLatch(5);
  private HttpServer server;
  private ScheduledExecutorService passes;
  private ExecutorService senders;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/slow",
        exchange -> {
          slowReceived.incrementAndGet();
          try {
            slowReleased.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.createContext(
        "/fast",
        exchange -> {
          fastReceived.countDown();
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    passes = Executors.newSingleThreadScheduledExecutor();
    senders = Executors.newVirtualThreadPerTaskExecutor();
  }

  @AfterEach
  void stop() {
    slowReleased.countDown();
    passes.shutdownNow();
    senders.shutdownNow();
    server.stop(0);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  @Test
  void aSlowTargetHoldsOnlyItsOwnLaneAndItsBacklogIsVisible() throws InterruptedException {
    String slow = url("/slow");
    String fast = url("/fast");
    ListOutbox outbox = new ListOutbox();
    // The slow target's deliveries are the oldest: one queue in order would wait behind them.
    for (int i = 0; i < 5; i++) {
      outbox.add("evt_s" + i, "in_s" + i, slow);
    }
    for (int i = 0; i < 5; i++) {
      outbox.add("evt_f" + i, "in_f" + i, fast);
    }
    ForwardConfig config =
        new ForwardConfig(
            Map.of(slow, Secret.of("whsec_slow"), fast, Secret.of("whsec_fast")),
            3,
            Duration.ofSeconds(1),
            Duration.ofSeconds(5),
            Duration.ofSeconds(30),
            2);
    WebhookForwarder forwarder =
        WebhookForwarder.of(
            outbox,
            config,
            Clock.systemUTC(),
            passes,
            senders,
            new SplittableRandom(1),
            new SimpleMeterRegistry());

    forwarder.wake();

    assertThat(fastReceived.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(slowReleased.getCount()).isEqualTo(1); // still holding
    // The fast target's rows are delivered; the slow one's two in flight, three waiting.
    awaitDelivered(outbox, fast, 5);
    forwarder.runOnce();
    assertThat(slowReceived).hasValue(2);
    WebhookForwarder.TargetLane slowLane =
        forwarder.lanes().stream().filter(l -> l.target().equals(slow)).findFirst().orElseThrow();
    assertThat(slowLane.inFlight()).isEqualTo(2);
    assertThat(slowLane.backlog()).isEqualTo(3);
    assertThat(slowLane.oldestDueAge()).isPositive();

    slowReleased.countDown();
    awaitDelivered(outbox, slow, 5);
    assertThat(outbox.delivered(slow)).isEqualTo(5);
  }

  @Test
  void aRetryIsTheSameDeliveryWithTheNextAttempt() throws InterruptedException {
    // What the app sees: the first attempt answered 503, so the edge sends the delivery again.
    List<String> seen = new CopyOnWriteArrayList<>();
    server.createContext(
        "/flaky",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          seen.add(
              exchange.getRequestHeaders().getFirst("Stripe-Edge-Delivery")
                  + " attempt "
                  + exchange.getRequestHeaders().getFirst("Stripe-Edge-Attempt"));
          exchange.sendResponseHeaders(seen.size() == 1 ? 503 : 200, -1);
          exchange.close();
        });
    String flaky = url("/flaky");
    ListOutbox outbox = new ListOutbox();
    outbox.add("evt_r", "in_r", flaky);
    ForwardConfig config =
        new ForwardConfig(
            Map.of(flaky, Secret.of("whsec_flaky")),
            3,
            Duration.ofMillis(1),
            Duration.ofMillis(1),
            Duration.ofSeconds(30),
            2);
    WebhookForwarder forwarder =
        WebhookForwarder.of(
            outbox,
            config,
            Clock.systemUTC(),
            passes,
            senders,
            new SplittableRandom(1),
            new SimpleMeterRegistry());

    forwarder.start(Duration.ofMillis(20));

    awaitDelivered(outbox, flaky, 1);
    assertThat(seen).containsExactly("1 attempt 1", "1 attempt 2");
  }

  @Test
  void aDeliverySettledWhileAPassReadTheOutboxIsNotSentAgain() throws InterruptedException {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch answer = new CountDownLatch(1);
    AtomicInteger received = new AtomicInteger();
    server.createContext(
        "/held",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          received.incrementAndGet();
          arrived.countDown();
          try {
            answer.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    String held = url("/held");
    ListOutbox outbox = new ListOutbox();
    outbox.add("evt_h", "in_h", held);
    ForwardConfig config =
        new ForwardConfig(
            Map.of(held, Secret.of("whsec_held")),
            3,
            Duration.ofSeconds(1),
            Duration.ofSeconds(5),
            Duration.ofSeconds(30),
            2);
    WebhookForwarder forwarder =
        WebhookForwarder.of(
            outbox,
            config,
            Clock.systemUTC(),
            passes,
            senders,
            new SplittableRandom(1),
            new SimpleMeterRegistry());
    forwarder.wake();
    assertThat(arrived.await(30, TimeUnit.SECONDS)).isTrue();

    // The next pass reads the row as due (its answer is still held, so it is pending); while that
    // read is on its way back, the answer comes and the send settles and leaves the lane.
    outbox.afterRead.set(
        () -> {
          answer.countDown();
          try {
            awaitDelivered(outbox, held, 1);
            for (int i = 0; i < 3000 && forwarder.lanes().get(0).inFlight() > 0; i++) {
              Thread.sleep(10);
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    int started = forwarder.runOnce();

    assertThat(forwarder.lanes().get(0).inFlight()).isZero();
    assertThat(started).isZero(); // the stale row was not sent again
    assertThat(received).hasValue(1);
  }

  private static void awaitDelivered(ListOutbox outbox, String target, int count)
      throws InterruptedException {
    for (int i = 0; i < 3000 && outbox.delivered(target) < count; i++) {
      Thread.sleep(10);
    }
    assertThat(outbox.delivered(target)).isEqualTo(count);
  }

  /** Pending rows in a list, ordered per (target, object) like the real outboxes. */
  private static final class ListOutbox implements WebhookOutbox {
    private final List<Delivery> rows = new ArrayList<>();
    // Run once, by the next read, after it read and before it returns (what a slow store lets
    // happen meanwhile).
    final AtomicReference<@Nullable Runnable> afterRead = new AtomicReference<>();
    private long ids;

    synchronized void add(String eventId, String objectId, String target) {
      rows.add(
          new Delivery(
              ++ids,
              eventId,
              objectId,
              target,
              "{}".getBytes(StandardCharsets.UTF_8),
              0,
              Instant.now().minusSeconds(1),
              State.PENDING,
              null));
    }

    synchronized int delivered(String target) {
      return (int)
          rows.stream()
              .filter(row -> row.target().equals(target) && row.state() == State.DELIVERED)
              .count();
    }

    @Override
    public synchronized List<Delivery> due(Instant now, int limit) {
      return rows.stream()
          .filter(row -> row.state() == State.PENDING && !row.nextAttemptAt().isAfter(now))
          .limit(limit)
          .toList();
    }

    /** A lane's read: {@link #afterRead} runs once it has read, outside the lock. */
    @Override
    public List<Delivery> due(Instant now, String target, int limit) {
      List<Delivery> due =
          due(now, Integer.MAX_VALUE).stream()
              .filter(row -> row.target().equals(target))
              .limit(limit)
              .toList();
      Runnable hook = afterRead.getAndSet(null);
      if (hook != null) {
        hook.run();
      }
      return due;
    }

    @Override
    public synchronized void delivered(long id) {
      set(id, State.DELIVERED, 0, Instant.now(), null);
    }

    @Override
    public synchronized void retryLater(long id, int attempts, Instant next, String error) {
      set(id, State.PENDING, attempts, next, error);
    }

    @Override
    public synchronized void dead(long id, int attempts, String error) {
      set(id, State.DEAD, attempts, Instant.now(), error);
    }

    private void set(long id, State state, int attempts, Instant next, @Nullable String error) {
      for (int i = 0; i < rows.size(); i++) {
        Delivery row = rows.get(i);
        if (row.id() == id) {
          rows.set(
              i,
              new Delivery(
                  id,
                  row.eventId(),
                  row.objectId(),
                  row.target(),
                  row.payload(),
                  attempts,
                  next,
                  state,
                  error));
        }
      }
    }

    @Override
    public synchronized List<Delivery> deadLetters() {
      return rows.stream().filter(row -> row.state() == State.DEAD).toList();
    }

    @Override
    public int replay(@Nullable String eventId, Instant now) {
      return 0;
    }

    @Override
    public synchronized @Nullable Instant nextDue() {
      return rows.stream()
          .filter(row -> row.state() == State.PENDING)
          .map(Delivery::nextAttemptAt)
          .min(Instant::compareTo)
          .orElse(null);
    }
  }
}
