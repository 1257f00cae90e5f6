package dev.stripeedge.bench.freshness;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Executors;

/**
 * The freshness benchmark's HTTP calls, to the simulator or through the edge, with one API key: a
 * read answers its body ("" when it failed: the reader tries again), a form write its response.
 */
final class StripeHttp {

  private final String key;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .executor(Executors.newVirtualThreadPerTaskExecutor())
          .build();

  StripeHttp(String key) {
    this.key = key;
  }

  /** A read's body ("" when it failed) and the edge's {@code Cache-Status} ("" when none). */
  record Read(String body, String cacheStatus) {}

  String get(String base, String path) {
    return read(base, path).body();
  }

  Read read(String base, String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(base + path))
                  .header("Authorization", "Bearer " + key)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return new Read(response.body(), response.headers().firstValue("Cache-Status").orElse(""));
    } catch (IOException e) {
      return new Read("", "");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Read("", "");
    }
  }

  HttpResponse<String> send(String base, String method, String path, String form) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create(base + path))
              .header("Authorization", "Bearer " + key)
              .header("Content-Type", "application/x-www-form-urlencoded")
              .method(method, HttpRequest.BodyPublishers.ofString(form))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
