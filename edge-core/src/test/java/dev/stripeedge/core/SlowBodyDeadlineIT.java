package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The deadline covers the whole answer: an upstream that sends its headers at once and then its
 * body a byte at a time must not hold the answer past the deadline. A real loopback server, since
 * the JDK client's own timeout is what stops at the headers.
 */
class SlowBodyDeadlineIT {

  // One byte every 100 ms: the body would take a minute to arrive.
  private static final int BODY_BYTES = 600;
  private static final Duration BYTE_EVERY = Duration.ofMillis(100);

  private ServerSocket server;
  private final AtomicInteger connections = new AtomicInteger();

  @BeforeEach
  void startDribblingServer() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .start(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket socket = server.accept();
                  connections.incrementAndGet();
                  Thread.ofVirtual().start(() -> dribble(socket));
                } catch (IOException e) {
                  return; // closed
                }
              }
            });
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
  }

  private static void dribble(Socket socket) {
    try (socket;
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream()) {
      readHead(in);
      out.write(
          ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                  + BODY_BYTES
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      for (int i = 0; i < BODY_BYTES; i++) {
        out.write(' ');
        out.flush();
        Thread.sleep(BYTE_EVERY);
      }
    } catch (IOException e) {
      // The client gave up: what the test wants.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    int b;
    while (matched < end.length && (b = in.read()) >= 0) {
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
  }

  @Test
  void aBodyStillArrivingAtTheDeadlineEndsInA504() {
    EdgePipeline edge =
        EdgePipeline.builder(
                Upstream.jdk(
                    URI.create("http://127.0.0.1:" + server.getLocalPort()), Duration.ofSeconds(5)))
            .build();
    EdgeRequest request =
        new EdgeRequest(
            "GET",
            "/v1/customers/cus_slow",
            "",
            Map.of(
                "Authorization",
                List.of("Bearer sk_test_slow_body"),
                RetryConfig.DEADLINE_HEADER,
                List.of("1000")),
            new byte[0]);

    long started = System.nanoTime();
    // Generous: the point is that it answers long before the minute the body needs.
    EdgeResponse response = edge.handle(request).orTimeout(30, TimeUnit.SECONDS).join();
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    assertThat(response.status()).as(response.bodyText()).isEqualTo(504);
    assertThat(response.bodyText()).contains("api_connection_error");
    assertThat(took).isLessThan(Duration.ofSeconds(30));
    assertThat(connections.get()).isPositive();
  }
}
