package dev.stripeedge.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One {@code redis-server} process from PATH on a loopback port, without persistence.
 *
 * <p>Not thread-safe: the test (or benchmark) that owns it starts and stops it.
 */
public final class RedisServerProcess implements AutoCloseable {

  static final String INSTALL_HINT =
      "redis-server is not on PATH. Install it (Debian/Ubuntu: sudo apt-get install -y"
          + " redis-server; it brings redis-cli too) — the Redis tier's tests run a real server.";

  private static final Duration READY_WITHIN = Duration.ofSeconds(15);

  private final int port;
  private final Path dir;
  private final List<String> extraArgs;
  private @Nullable Process process;

  RedisServerProcess(int port, Path dir, List<String> extraArgs) {
    this.port = port;
    this.dir = dir;
    this.extraArgs = List.copyOf(extraArgs);
  }

  /** A started server on a free loopback port, keeping its log in {@code dir}. */
  public static RedisServerProcess startOnFreePort(Path dir)
      throws IOException, InterruptedException {
    RedisServerProcess server = new RedisServerProcess(freePort(), dir, List.of());
    server.start();
    return server;
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  boolean running() {
    return process != null && process.isAlive();
  }

  /** Starts the server and returns once it answers PING; fails with its log otherwise. */
  void start() throws IOException, InterruptedException {
    if (running()) {
      return;
    }
    Files.createDirectories(dir);
    Path log = dir.resolve("redis-" + port + ".log");
    List<String> command = new ArrayList<>();
    command.add(executable("redis-server").toString());
    command.addAll(
        List.of(
            "--port",
            String.valueOf(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            dir.toString(),
            "--logfile",
            log.toString()));
    command.addAll(extraArgs);
    Process started =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis-" + port + ".out").toFile())
            .start();
    process = started;
    Processes.killOnExit(started);
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (!answersPing()) {
      if (!started.isAlive() || System.nanoTime() > deadline) {
        stop();
        throw new IllegalStateException(
            "redis-server on port " + port + " did not answer PING; its log:\n" + tail(log));
      }
      Thread.sleep(20);
    }
  }

  /** Kills the server (SIGKILL, like a crash) and waits until it is gone. */
  public void stop() throws InterruptedException {
    Process running = process;
    process = null;
    if (running == null) {
      return;
    }
    running.destroyForcibly();
    if (!running.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("redis-server on port " + port + " did not exit");
    }
    Processes.forget(running);
  }

  /**
   * Freezes ({@code SIGSTOP}) or thaws ({@code SIGCONT}) the server: connections stay open but
   * nothing is answered, like a server stuck in a long command or a VM pause.
   */
  void signal(String signal) throws IOException, InterruptedException {
    Process running = process;
    if (running == null) {
      throw new IllegalStateException("redis-server on port " + port + " is not running");
    }
    Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(running.pid())).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + signal + " failed for redis-server on " + port);
    }
  }

  /**
   * Sends one inline command and returns the reply line ({@code +PONG}, {@code :3}), a bulk
   * string's content, or an array's elements one per line; null when nobody answers.
   */
  @Nullable String command(String line) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      socket.setSoTimeout(2_000);
      OutputStream out = socket.getOutputStream();
      out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      String first = readLine(in);
      if (!first.startsWith("*")) {
        return reply(first, in);
      }
      List<String> elements = new ArrayList<>();
      for (int i = Integer.parseInt(first.substring(1)); i > 0; i--) {
        elements.add(reply(readLine(in), in));
      }
      return String.join("\n", elements);
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  private static String reply(String line, InputStream in) throws IOException {
    if (!line.startsWith("$") || line.equals("$-1")) {
      return line;
    }
    byte[] bulk = in.readNBytes(Integer.parseInt(line.substring(1)));
    readLine(in);
    return new String(bulk, StandardCharsets.UTF_8);
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  private boolean answersPing() {
    return "+PONG".equals(command("PING"));
  }

  /** The named executable from PATH, or an error saying how to install Redis. */
  static Path executable(String name) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String folder : path.split(File.pathSeparator)) {
        Path candidate = Path.of(folder, name);
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    throw new IllegalStateException(INSTALL_HINT + " (looked for " + name + ")");
  }

  /** A port nobody listens on right now; another process may still take it before we do. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
