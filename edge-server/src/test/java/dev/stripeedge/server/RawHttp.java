package dev.stripeedge.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/1.1 over a plain socket, for requests no HTTP client would send. Waits are generous (a
 * loaded CI box): a "hang" is no answer within {@link #WAIT_MILLIS}.
 */
final class RawHttp implements AutoCloseable {

  /** How long to wait for an answer, or for the server to close, before calling it a hang. */
  static final int WAIT_MILLIS = 30_000;

  /** One answer as read from the wire. */
  record Answer(int status, Map<String, String> headers, String body) {
    @Nullable String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    boolean stripeShaped() {
      return body.startsWith("{\"error\":{")
          && body.contains("\"type\":\"")
          && body.contains("\"message\":\"")
          && "application/json".equals(header("content-type"));
    }
  }

  /** What came of one request. */
  sealed interface Outcome {
    record Answered(Answer answer) implements Outcome {}

    /** No answer within {@link #WAIT_MILLIS}. */
    record Hung() implements Outcome {}

    /** The server closed (or reset) the connection without an answer. */
    record Closed() implements Outcome {}
  }

  private final Socket socket;
  private final InputStream in;

  RawHttp(int port) throws IOException {
    socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), WAIT_MILLIS);
    socket.setSoTimeout(WAIT_MILLIS);
    in = socket.getInputStream();
  }

  /** One request on a new connection; its answer, or null when the server closed without one. */
  static @Nullable Answer exchange(int port, String request) throws IOException {
    return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  static @Nullable Answer exchange(int port, byte[] request) throws IOException {
    try (RawHttp raw = new RawHttp(port)) {
      raw.send(request);
      return raw.read();
    }
  }

  /**
   * One request on a new connection, whatever happens: a server may answer and close before it has
   * read everything (a 431), so a failed write still waits for the answer.
   */
  static Outcome attempt(int port, byte[] request) throws IOException {
    try (RawHttp raw = new RawHttp(port)) {
      try {
        raw.send(request);
      } catch (IOException e) {
        // Read what the server said before it stopped reading.
      }
      try {
        Answer answer = raw.read();
        return answer == null ? new Outcome.Closed() : new Outcome.Answered(answer);
      } catch (SocketTimeoutException e) {
        return new Outcome.Hung();
      } catch (IOException e) {
        return new Outcome.Closed();
      }
    }
  }

  void send(String text) throws IOException {
    send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  void send(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
  }

  /**
   * The next answer; null when the server closed the connection first.
   *
   * @throws SocketTimeoutException no answer within {@link #WAIT_MILLIS} (a hang)
   */
  @Nullable Answer read() throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      return null;
    }
    int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (String header = line(); header != null && !header.isEmpty(); header = line()) {
      int colon = header.indexOf(':');
      headers.put(
          header.substring(0, colon).strip().toLowerCase(Locale.ROOT),
          header.substring(colon + 1).strip());
    }
    String length = headers.get("content-length");
    byte[] body;
    if (length != null) {
      body = in.readNBytes(Integer.parseInt(length));
    } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
      ByteArrayOutputStream chunks = new ByteArrayOutputStream();
      for (int size = chunkSize(); size > 0; size = chunkSize()) {
        chunks.write(in.readNBytes(size));
        line();
      }
      line();
      body = chunks.toByteArray();
    } else {
      body = new byte[0];
    }
    return new Answer(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  /**
   * Whether the server closed the connection (EOF, or a reset) within {@link #WAIT_MILLIS}, rather
   * than sending anything more.
   */
  boolean closedByServer() throws IOException {
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      // A reset after the answer is a close too.
      return true;
    }
  }

  private int chunkSize() throws IOException {
    String size = line();
    return size == null ? 0 : Integer.parseInt(size.split(";", 2)[0].strip(), 16);
  }

  private @Nullable String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
