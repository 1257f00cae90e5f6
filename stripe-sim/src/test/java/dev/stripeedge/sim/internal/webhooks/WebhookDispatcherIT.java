package dev.stripeedge.sim.internal.webhooks;

import static dev.stripeedge.sim.internal.webhooks.Fixtures.ROTATED_SECRET;
import static dev.stripeedge.sim.internal.webhooks.Fixtures.SECRET;
import static org.assertj.core.api.Assertions.assertThat;

import com.stripe.net.Webhook;
import dev.stripeedge.sim.SimConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebhookDispatcherIT {
  private static final SimConfig.Webhooks FAST =
      new SimConfig.Webhooks(0, 20, 3, 2_000, 0, 0, 0, 0);

  private Vertx vertx;
  private final RecordingListener listener = new RecordingListener();
  private final AtomicLong clock = new AtomicLong(Fixtures.nowSeconds());
  private @Nullable HookServer server;
  private @Nullable WebhookDispatcher dispatcher;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (dispatcher != null) {
      dispatcher.close();
    }
    if (server != null) {
      server.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private HookServer server(BiConsumer<HttpServerRequest, Integer> responder) throws Exception {
    server = HookServer.start(vertx, responder);
    return server;
  }

  private WebhookDispatcher dispatcher(SimConfig.Webhooks knobs) {
    dispatcher =
        new WebhookDispatcher(vertx, () -> knobs, new SplittableRandom(42), clock::get, listener);
    return dispatcher;
  }

  private static WebhookTarget target(String url) {
    return new WebhookTarget("we_1", url, List.of(SECRET, ROTATED_SECRET));
  }

  private static long timestampOf(String signatureHeader) {
    return Long.parseLong(signatureHeader.substring(2, signatureHeader.indexOf(',')));
  }

  @Test
  void deliversBodyAndStripeHeadersToLoopbackServer() throws Exception {
    HookServer hook = server(HookServer.statuses(200));
    WebhookDispatcher d = dispatcher(FAST);
    byte[] payload = Fixtures.eventBytes("evt_1");

    d.deliver(target(hook.url()), "evt_1", payload);
    assertThat(d.pending()).isEqualTo(1);

    HookServer.Received r = hook.take();
    assertThat(listener.awaitOutcome("evt_1")).isTrue();
    assertThat(r.body()).isEqualTo(new String(payload, StandardCharsets.UTF_8));
    assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
    assertThat(r.header("User-Agent")).isEqualTo("Stripe/1.0 (+https://stripe.com/docs/webhooks)");
    assertThat(Webhook.constructEvent(r.body(), r.header("Stripe-Signature"), SECRET).getId())
        .isEqualTo("evt_1");
    assertThat(listener.attempts)
        .containsExactly(new RecordingListener.Attempt("evt_1", "we_1", 1, 200));
    assertThat(d.pending()).isZero();
  }

  @Test
  void retriesWithFreshTimestampUntilSuccess() throws Exception {
    HookServer hook = server(HookServer.statuses(500, 500, 200));
    WebhookDispatcher d =
        new WebhookDispatcher(
            vertx, () -> FAST, new SplittableRandom(7), clock::incrementAndGet, listener);
    dispatcher = d;

    d.deliver(target(hook.url()), "evt_1", Fixtures.eventBytes("evt_1"));

    assertThat(listener.awaitOutcome("evt_1")).isTrue();
    List<Long> timestamps = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      HookServer.Received r = hook.take();
      String header = r.header("Stripe-Signature");
      assertThat(Webhook.Signature.verifyHeader(r.body(), header, ROTATED_SECRET, 300)).isTrue();
      timestamps.add(timestampOf(header));
    }
    assertThat(timestamps).doesNotHaveDuplicates();
    assertThat(listener.statuses()).containsExactly(500, 500, 200);
    assertThat(listener.attempts)
        .extracting(RecordingListener.Attempt::attempt)
        .containsExactly(1, 2, 3);
  }

  @Test
  void redirectCountsAsFailureAndIsNotFollowed() throws Exception {
    HookServer hook = server(HookServer.statuses(302));
    dispatcher(FAST).deliver(target(hook.url()), "evt_1", Fixtures.eventBytes("evt_1"));

    assertThat(listener.awaitOutcome("evt_1")).isFalse();
    assertThat(listener.statuses()).containsExactly(302, 302, 302);
    for (int i = 0; i < 3; i++) {
      assertThat(hook.take().path()).isEqualTo("/hook");
    }
    hook.assertNothingWithin(100);
  }

  @Test
  void exhaustingMaxAttemptsReportsUndeliveredOnce() throws Exception {
    HookServer hook = server(HookServer.statuses(500));
    SimConfig.Webhooks twoAttempts = new SimConfig.Webhooks(0, 20, 2, 2_000, 0, 0, 0, 0);
    dispatcher(twoAttempts).deliver(target(hook.url()), "evt_1", Fixtures.eventBytes("evt_1"));

    assertThat(listener.awaitOutcome("evt_1")).isFalse();
    assertThat(listener.statuses()).containsExactly(500, 500);
    assertThat(listener.finishedCalls).hasValue(1);
    assertThat(dispatcher.pending()).isZero();
  }

  @Test
  void unansweredRequestTimesOutAsMinusOne() throws Exception {
    HookServer hook = server((req, i) -> {});
    SimConfig.Webhooks quickTimeout = new SimConfig.Webhooks(0, 20, 2, 150, 0, 0, 0, 0);
    dispatcher(quickTimeout).deliver(target(hook.url()), "evt_1", Fixtures.eventBytes("evt_1"));

    assertThat(listener.awaitOutcome("evt_1")).isFalse();
    assertThat(listener.statuses()).containsExactly(-1, -1);
  }

  @Test
  void refusedConnectionIsAFailedAttempt() throws Exception {
    HookServer hook = server(HookServer.statuses(200));
    String deadUrl = hook.url();
    hook.close();
    server = null;
    SimConfig.Webhooks oneAttempt = new SimConfig.Webhooks(0, 20, 1, 2_000, 0, 0, 0, 0);

    dispatcher(oneAttempt).deliver(target(deadUrl), "evt_1", Fixtures.eventBytes("evt_1"));

    assertThat(listener.awaitOutcome("evt_1")).isFalse();
    assertThat(listener.statuses()).containsExactly(-1);
  }

  @Test
  void dropRateOneNeverSendsAndFinishesUndeliveredAtOnce() throws Exception {
    HookServer hook = server(HookServer.statuses(200));
    SimConfig.Webhooks dropAll = new SimConfig.Webhooks(0, 20, 3, 2_000, 1, 0, 0, 0);
    WebhookDispatcher d = dispatcher(dropAll);

    d.deliver(target(hook.url()), "evt_1", Fixtures.eventBytes("evt_1"));

    assertThat(listener.outcome("evt_1")).isCompletedWithValue(false);
    assertThat(d.pending()).isZero();
    hook.assertNothingWithin(200);
    assertThat(listener.attempts).isEmpty();
  }

  @Test
  void duplicateRateOneSendsTwoSignedCopiesButFinishesOnce() throws Exception {
    HookServer hook = server(HookServer.statuses(200));
    SimConfig.Webhooks duplicateAll = new SimConfig.Webhooks(0, 20, 3, 2_000, 0, 1, 0, 50);
    WebhookDispatcher d = dispatcher(duplicateAll);

    d.deliver(target(hook.url()), "evt_1", Fixtures.eventBytes("evt_1"));

    HookServer.Received first = hook.take();
    HookServer.Received second = hook.take();
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(Webhook.constructEvent(second.body(), second.header("Stripe-Signature"), SECRET))
        .isNotNull();
    assertThat(listener.awaitOutcome("evt_1")).isTrue();
    hook.assertNothingWithin(100);
    assertThat(listener.finishedCalls).hasValue(1);
    assertThat(d.pending()).isZero();
  }

  @Test
  void reorderHoldsLetLaterEventsOvertakeWithinWindow() throws Exception {
    HookServer hook = server(HookServer.statuses(200));
    long window = 300;
    WebhookDispatcher d = dispatcher(new SimConfig.Webhooks(0, 20, 3, 2_000, 0, 0, 1, window));
    List<String> sent = IntStream.range(0, 8).mapToObj(i -> "evt_" + i).toList();

    long start = System.nanoTime();
    sent.forEach(id -> d.deliver(target(hook.url()), id, Fixtures.eventBytes(id)));
    List<HookServer.Received> arrivals = new ArrayList<>();
    for (int i = 0; i < sent.size(); i++) {
      arrivals.add(hook.take());
    }

    List<String> arrivalOrder =
        arrivals.stream()
            .sorted(Comparator.comparingLong(HookServer.Received::arrivalNanos))
            .map(r -> r.body().substring(7, r.body().indexOf('"', 7)))
            .toList();
    assertThat(arrivalOrder).containsExactlyInAnyOrderElementsOf(sent).isNotEqualTo(sent);
    // Generous slack for a loaded 2-core machine; the point is that holds are bounded.
    long slowestMillis =
        TimeUnit.NANOSECONDS.toMillis(
            arrivals.stream().mapToLong(HookServer.Received::arrivalNanos).max().orElseThrow()
                - start);
    assertThat(slowestMillis).isLessThan(window + 1_500);
  }

  @Test
  void hugeResponseBodyIsCutOffNotBuffered() throws Exception {
    int chunks = 512;
    Buffer chunk = Buffer.buffer(new byte[64 * 1024]);
    CompletableFuture<Integer> closedAfterChunks = new CompletableFuture<>();
    HookServer hook =
        server(
            (req, i) -> {
              var response = req.response().setStatusCode(200).setChunked(true);
              AtomicInteger written = new AtomicInteger();
              req.connection().closeHandler(v -> closedAfterChunks.complete(written.get()));
              vertx.setPeriodic(
                  2,
                  id -> {
                    if (closedAfterChunks.isDone() || written.get() >= chunks) {
                      vertx.cancelTimer(id);
                      return;
                    }
                    response.write(chunk);
                    written.incrementAndGet();
                  });
            });

    dispatcher(FAST).deliver(target(hook.url()), "evt_1", Fixtures.eventBytes("evt_1"));

    assertThat(listener.awaitOutcome("evt_1")).isTrue();
    assertThat(closedAfterChunks.get(5, TimeUnit.SECONDS)).isLessThan(chunks);
  }

  @Test
  void closeCancelsScheduledDeliveriesAndIgnoresNewOnes() throws Exception {
    HookServer hook = server(HookServer.statuses(200));
    WebhookDispatcher d = dispatcher(new SimConfig.Webhooks(150, 20, 3, 2_000, 0, 0, 0, 0));

    d.deliver(target(hook.url()), "evt_1", Fixtures.eventBytes("evt_1"));
    d.close();
    d.deliver(target(hook.url()), "evt_2", Fixtures.eventBytes("evt_2"));

    hook.assertNothingWithin(400);
    assertThat(listener.attempts).isEmpty();
    assertThat(listener.finishedCalls).hasValue(0);
  }
}
