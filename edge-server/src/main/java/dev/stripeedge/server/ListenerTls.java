package dev.stripeedge.server;

import dev.stripeedge.runtime.EdgeSettings;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS of the listeners from PEM files, checked every period and swapped into the running server
 * ({@link HttpServer#updateSSLOptions}) when they changed, so a renewed certificate needs no
 * restart. A change is applied once the files read the same at two checks in a row: a renewal that
 * writes the certificate and then the key is never served half done. A pair that cannot be read or
 * loaded is logged and the previous one kept. Thread-safe.
 */
final class ListenerTls {

  private static final Logger log = LoggerFactory.getLogger(ListenerTls.class);

  /** One listener's files and what it serves now. */
  private static final class Watch {
    final String name;
    final HttpServer server;
    final EdgeSettings.Tls tls;
    final ServerSSLOptions base;
    Pem loaded;
    @Nullable Pem pending;
    // The last pair that failed to load, and the last problem logged: each is logged once.
    @Nullable Pem rejected;
    @Nullable String problem;

    Watch(String name, HttpServer server, EdgeSettings.Tls tls, ServerSSLOptions base, Pem loaded) {
      this.name = name;
      this.server = server;
      this.tls = tls;
      this.base = base;
      this.loaded = loaded;
    }
  }

  /** The contents of a certificate chain and key. */
  private record Pem(byte[] cert, byte[] key) {
    boolean same(@Nullable Pem other) {
      return other != null && Arrays.equals(cert, other.cert) && Arrays.equals(key, other.key);
    }

    PemKeyCertOptions options() {
      return new PemKeyCertOptions()
          .setCertValue(Buffer.buffer(cert))
          .setKeyValue(Buffer.buffer(key));
    }
  }

  private final List<Watch> watches = new ArrayList<>();

  /**
   * {@code options} serving TLS from {@code tls}'s files, read now; unchanged when TLS is off.
   *
   * @throws IllegalArgumentException a file cannot be read (the message names it)
   */
  static HttpServerOptions apply(HttpServerOptions options, EdgeSettings.Tls tls) {
    if (!tls.on()) {
      return options;
    }
    return options.setSsl(true).setKeyCertOptions(read(tls).options());
  }

  /** Checks {@code tls}'s files, which {@code server} was built with ({@link #apply}). */
  synchronized void watch(
      String name, HttpServer server, HttpServerOptions options, EdgeSettings.Tls tls) {
    if (!tls.on()) {
      return;
    }
    PemKeyCertOptions pem = (PemKeyCertOptions) options.getKeyCertOptions();
    watches.add(
        new Watch(
            name,
            server,
            tls,
            options.getSslOptions().copy(),
            new Pem(pem.getCertValue().getBytes(), pem.getKeyValue().getBytes())));
  }

  /** Checks the watched files every {@code periodSeconds} on {@code scheduler}. */
  void start(ScheduledExecutorService scheduler, long periodSeconds) {
    scheduler.scheduleWithFixedDelay(this::check, periodSeconds, periodSeconds, TimeUnit.SECONDS);
  }

  /** Whether any listener serves TLS. */
  synchronized boolean any() {
    return !watches.isEmpty();
  }

  synchronized void check() {
    for (Watch watch : watches) {
      Pem now;
      try {
        now = read(watch.tls);
      } catch (IllegalArgumentException e) {
        if (!String.valueOf(e.getMessage()).equals(watch.problem)) {
          watch.problem = e.getMessage();
          log.warn("{} listener: keeping its TLS certificate: {}", watch.name, e.getMessage());
        }
        continue;
      }
      watch.problem = null;
      if (now.same(watch.loaded) || now.same(watch.rejected)) {
        watch.pending = null;
        continue;
      }
      if (!now.same(watch.pending)) {
        // Changed since the last check: maybe mid-renewal. Applied when it reads the same again.
        watch.pending = now;
        continue;
      }
      watch.pending = null;
      watch
          .server
          .updateSSLOptions(watch.base.copy().setKeyCertOptions(now.options()), true)
          .onSuccess(
              updated -> {
                synchronized (this) {
                  watch.loaded = now;
                }
                log.info(
                    "{} listener: TLS certificate reloaded from {}",
                    watch.name,
                    watch.tls.certFile());
              })
          .onFailure(
              e -> {
                synchronized (this) {
                  watch.rejected = now;
                }
                log.warn(
                    "{} listener: keeping its TLS certificate: {} and {} do not load: {}",
                    watch.name,
                    watch.tls.certFile(),
                    watch.tls.keyFile(),
                    e.toString());
              });
    }
  }

  private static Pem read(EdgeSettings.Tls tls) {
    return new Pem(readFile(tls.certFile()), readFile(tls.keyFile()));
  }

  private static byte[] readFile(String file) {
    try {
      return Files.readAllBytes(Path.of(file));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read TLS file " + file + ": " + e, e);
    }
  }
}
