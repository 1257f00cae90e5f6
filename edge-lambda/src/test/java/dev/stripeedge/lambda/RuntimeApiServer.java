package dev.stripeedge.lambda;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The Lambda Runtime API (2018-06-01) as a runtime interface client sees it, on loopback: {@code
 * GET /runtime/invocation/next} hands out queued events (blocking until one is queued), {@code POST
 * …/{id}/response} and {@code …/{id}/error} complete the invocation, {@code /runtime/init/error}
 * records a failed init. Enough to drive AWS's own client against a handler in a test.
 */
final class RuntimeApiServer implements AutoCloseable {

  private static final String BASE = "/2018-06-01/runtime/";

  private record Invocation(String id, String event) {}

  private final HttpServer server;
  private final BlockingQueue<Invocation> queued = new LinkedBlockingQueue<>();
  private final Map<String, CompletableFuture<String>> answers = new ConcurrentHashMap<>();
  private final CompletableFuture<String> initError = new CompletableFuture<>();

  RuntimeApiServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext(BASE, this::handle);
    server.start();
  }

  /** {@code host:port}, for {@code AWS_LAMBDA_RUNTIME_API}. */
  String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /**
   * Queues {@code event}; the future completes with the function's answer ("error: …" if it
   * failed).
   */
  CompletableFuture<String> invoke(String event) {
    String id = UUID.randomUUID().toString();
    CompletableFuture<String> answer = new CompletableFuture<>();
    answers.put(id, answer);
    queued.add(new Invocation(id, event));
    return answer;
  }

  /** Completes if the runtime reported a failed init. */
  CompletableFuture<String> initError() {
    return initError;
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath().substring(BASE.length());
    byte[] body = exchange.getRequestBody().readAllBytes();
    String text = new String(body, StandardCharsets.UTF_8);
    try {
      if (path.equals("invocation/next")) {
        Invocation next;
        try {
          next = queued.poll(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          next = null;
        }
        if (next == null) {
          reply(exchange, 500, "{}");
          return;
        }
        var headers = exchange.getResponseHeaders();
        headers.add("Lambda-Runtime-Aws-Request-Id", next.id());
        headers.add(
            "Lambda-Runtime-Deadline-Ms", String.valueOf(System.currentTimeMillis() + 30_000));
        headers.add(
            "Lambda-Runtime-Invoked-Function-Arn",
            "arn:aws:lambda:us-east-1:123456789012:function:stripe-edge-test");
        headers.add(
            "Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0");
        reply(exchange, 200, next.event());
      } else if (path.startsWith("invocation/") && path.endsWith("/response")) {
        complete(path, text);
        reply(exchange, 202, "{\"status\":\"OK\"}");
      } else if (path.startsWith("invocation/") && path.endsWith("/error")) {
        complete(path, "error: " + text);
        reply(exchange, 202, "{\"status\":\"OK\"}");
      } else if (path.equals("init/error")) {
        initError.complete(text);
        reply(exchange, 202, "{\"status\":\"OK\"}");
      } else {
        reply(exchange, 404, "{}");
      }
    } finally {
      exchange.close();
    }
  }

  private void complete(String path, String text) {
    String id = path.substring("invocation/".length(), path.lastIndexOf('/'));
    CompletableFuture<String> answer = answers.get(id);
    if (answer != null) {
      answer.complete(text);
    }
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
