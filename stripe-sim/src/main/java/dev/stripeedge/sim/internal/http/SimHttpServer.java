package dev.stripeedge.sim.internal.http;

import dev.stripeedge.sim.SimConfig.FaultKind;
import dev.stripeedge.sim.internal.engine.SimRequest;
import dev.stripeedge.sim.internal.engine.SimResponse;
import dev.stripeedge.sim.internal.wire.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulator's HTTP/1.1 (and h2c) server on Vert.x: translates requests, waits out simulated
 * latency on a timer (never a thread), and acts out transport faults.
 *
 * <p>Bodies over {@link #MAX_BODY_BYTES} get a Stripe-shaped 413 without being buffered.
 */
public final class SimHttpServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SimHttpServer.class);

  /** Largest request body accepted. */
  public static final int MAX_BODY_BYTES = 1 << 20;

  /** How long a hung request keeps its connection before the simulator closes it. */
  private static final long HANG_MILLIS = 120_000;

  private final Vertx vertx;
  private final Function<SimRequest, SimResponse> handler;
  private HttpServer server;

  public SimHttpServer(Vertx vertx, Function<SimRequest, SimResponse> handler) {
    this.vertx = vertx;
    this.handler = handler;
  }

  /** Binds and returns the actual port; blocks until listening. */
  public int start(String host, int port) {
    server =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setHost(host)
                    .setPort(port)
                    .setTcpNoDelay(true)
                    .setMaxInitialLineLength(16 * 1024)
                    .setMaxHeaderSize(64 * 1024)
                    .setIdleTimeout(300))
            .requestHandler(this::onRequest);
    try {
      return server
          .listen()
          .toCompletionStage()
          .toCompletableFuture()
          .get(30, TimeUnit.SECONDS)
          .actualPort();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding " + host + ":" + port, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  private void onRequest(HttpServerRequest request) {
    String length = request.getHeader("content-length");
    if (length != null && parseLength(length) > MAX_BODY_BYTES) {
      tooLarge(request);
      return;
    }
    Buffer body = Buffer.buffer();
    request.handler(
        chunk -> {
          if (body.length() + chunk.length() > MAX_BODY_BYTES) {
            if (!request.response().ended() && !request.response().headWritten()) {
              tooLarge(request);
            }
            return;
          }
          body.appendBuffer(chunk);
        });
    request.endHandler(
        done -> {
          if (request.response().ended() || request.response().headWritten()) {
            return;
          }
          dispatch(request, body.getBytes());
        });
    request.exceptionHandler(error -> log.debug("request failed: {}", error.toString()));
  }

  private void dispatch(HttpServerRequest request, byte[] body) {
    Map<String, String> headers = new HashMap<>();
    request
        .headers()
        .forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
    String query = request.query();
    SimResponse response;
    try {
      response =
          handler.apply(
              new SimRequest(
                  request.method().name(),
                  request.path(),
                  query == null ? "" : query,
                  headers,
                  body));
    } catch (RuntimeException e) {
      log.error("unexpected error for {} {}", request.method(), request.path(), e);
      sendError(request.response(), 500, "api_error", "An unknown error occurred.");
      return;
    }
    if (response.delayMillis() > 0) {
      vertx.setTimer(response.delayMillis(), t -> send(request, response));
    } else {
      send(request, response);
    }
  }

  private void send(HttpServerRequest request, SimResponse response) {
    HttpServerResponse out = request.response();
    FaultKind fault = response.fault();
    if (fault == FaultKind.RESET) {
      response.onSent().run();
      request.connection().close();
      return;
    }
    if (fault == FaultKind.HANG) {
      long timer =
          vertx.setTimer(
              HANG_MILLIS,
              t -> {
                response.onSent().run();
                request.connection().close();
              });
      request
          .connection()
          .closeHandler(
              closed -> {
                vertx.cancelTimer(timer);
                response.onSent().run();
              });
      return;
    }
    out.setStatusCode(response.status());
    response.headers().forEach(out::putHeader);
    if (fault == FaultKind.SLOW_BODY) {
      out.putHeader("Content-Length", String.valueOf(response.body().length));
      slowly(out, response.body(), 0, response.onSent());
      return;
    }
    out.end(Buffer.buffer(response.body())).onComplete(done -> response.onSent().run());
  }

  /** Writes 16 bytes every 50 ms: slow enough to trip a client's read timeout. */
  private void slowly(HttpServerResponse out, byte[] body, int offset, Runnable onSent) {
    if (offset >= body.length || out.closed()) {
      out.end().onComplete(done -> onSent.run());
      return;
    }
    int end = Math.min(body.length, offset + 16);
    out.write(Buffer.buffer(java.util.Arrays.copyOfRange(body, offset, end)));
    vertx.setTimer(50, t -> slowly(out, body, end, onSent));
  }

  private static void tooLarge(HttpServerRequest request) {
    HttpServerResponse out = request.response();
    if (request.version() != HttpVersion.HTTP_2) {
      // Stop the client sending the rest; HTTP/2 forbids the header (the stream is reset instead).
      out.putHeader("Connection", "close");
    }
    sendError(
        out,
        413,
        "invalid_request_error",
        "Request body too large: the limit is " + MAX_BODY_BYTES + " bytes.");
  }

  private static void sendError(HttpServerResponse out, int status, String type, String message) {
    out.setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Buffer.buffer(Json.write(Map.of("error", Map.of("type", type, "message", message)))));
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  @Override
  public void close() {
    if (server != null) {
      try {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        log.warn("server did not close cleanly: {}", e.toString());
      }
    }
  }
}
