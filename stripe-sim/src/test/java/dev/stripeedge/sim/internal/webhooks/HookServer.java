package dev.stripeedge.sim.internal.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/** A loopback webhook receiver that records every request and answers as scripted. */
final class HookServer implements AutoCloseable {
  /** One received request; header names are lower-cased. */
  record Received(String path, Map<String, String> headers, String body, long arrivalNanos) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final HttpServer server;
  private final BlockingQueue<Received> received;

  private HookServer(HttpServer server, BlockingQueue<Received> received) {
    this.server = server;
    this.received = received;
  }

  /**
   * Starts on 127.0.0.1 with an ephemeral port; {@code responder} gets each request and its 0-based
   * index after the body was recorded.
   */
  static HookServer start(Vertx vertx, BiConsumer<HttpServerRequest, Integer> responder)
      throws Exception {
    AtomicInteger count = new AtomicInteger();
    BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            body -> {
                              Map<String, String> headers = new HashMap<>();
                              req.headers()
                                  .forEach(
                                      h ->
                                          headers.put(
                                              h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
                              received.add(
                                  new Received(
                                      req.path(),
                                      headers,
                                      body.toString(StandardCharsets.UTF_8),
                                      System.nanoTime()));
                              responder.accept(req, count.getAndIncrement());
                            }))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    return new HookServer(server, received);
  }

  /** Answers the i-th request with {@code statuses[i]}, repeating the last one. */
  static BiConsumer<HttpServerRequest, Integer> statuses(int... statuses) {
    return (req, i) -> {
      int status = statuses[Math.min(i, statuses.length - 1)];
      var response = req.response().setStatusCode(status);
      if (status >= 300 && status < 400) {
        response.putHeader("Location", "/elsewhere");
      }
      response.end("{\"received\":true}");
    };
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/hook";
  }

  /** Waits up to 5 s for the next request. */
  Received take() throws InterruptedException {
    Received r = received.poll(5, TimeUnit.SECONDS);
    assertThat(r).as("request within 5 s").isNotNull();
    return r;
  }

  /** Asserts that no further request arrives within {@code millis}. */
  void assertNothingWithin(long millis) throws InterruptedException {
    assertThat(received.poll(millis, TimeUnit.MILLISECONDS)).isNull();
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }
}
