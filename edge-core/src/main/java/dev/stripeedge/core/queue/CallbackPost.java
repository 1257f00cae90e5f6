package dev.stripeedge.core.queue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One callback POST over a connection made to an address the caller already checked: the URL's host
 * is not resolved again here, so what was checked is what is reached (no DNS rebinding between the
 * check and the connection). The name still travels where it belongs: in {@code Host}, in TLS's
 * SNI, and in the certificate check ({@code HTTPS} endpoint identification against the name, not
 * the address).
 *
 * <p>HTTP/1.1, one request per connection ({@code Connection: close}); only the status line of the
 * answer is read. {@code java.net.http} cannot do this: it resolves the URL's host itself, and an
 * address in the URL would make TLS check the certificate against the address.
 */
final class CallbackPost {

  private CallbackPost() {}

  /**
   * POSTs {@code body} with {@code headers} to {@code uri} through the first of {@code addresses}
   * that accepts a connection; the answer's status code.
   *
   * @throws IOException no address accepted, TLS failed (the certificate is not the name's), or no
   *     answer within {@code timeout}
   * @throws IllegalArgumentException the URI is neither http nor https
   */
  static int send(
      URI uri,
      List<InetAddress> addresses,
      Map<String, String> headers,
      byte[] body,
      Duration timeout,
      SSLContext tls)
      throws IOException {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean secure = scheme.equals("https");
    if (!secure && !scheme.equals("http")) {
      throw new IllegalArgumentException("not an http(s) URL");
    }
    String host = bare(uri.getHost());
    int port = uri.getPort() != -1 ? uri.getPort() : secure ? 443 : 80;
    int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    IOException last = new IOException(host + " resolves to no address");
    for (InetAddress address : addresses) {
      Socket socket = new Socket();
      try {
        socket.connect(new InetSocketAddress(address, port), millis);
      } catch (IOException e) {
        socket.close();
        last = e;
        continue;
      }
      try (Socket connection = secure ? tls(socket, host, port, tls) : socket) {
        connection.setSoTimeout(millis);
        return exchange(connection, uri, host, headers, body);
      }
    }
    throw last;
  }

  private static Socket tls(Socket plain, String host, int port, SSLContext tls)
      throws IOException {
    SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true);
    SSLParameters parameters = socket.getSSLParameters();
    // The certificate must be the name's; SNI names it (an IP literal has no SNI).
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    if (!CallbackRule.isIpLiteral(host)) {
      try {
        parameters.setServerNames(List.of(new SNIHostName(host)));
      } catch (IllegalArgumentException notAnSniName) {
        // Sent without SNI; the certificate is still checked against the name.
      }
    }
    socket.setSSLParameters(parameters);
    return socket;
  }

  private static int exchange(
      Socket connection, URI uri, String host, Map<String, String> headers, byte[] body)
      throws IOException {
    String target = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      target += "?" + uri.getRawQuery();
    }
    String authority = host.contains(":") ? "[" + host + "]" : host;
    if (uri.getPort() != -1) {
      authority += ":" + uri.getPort();
    }
    StringBuilder head = new StringBuilder(256);
    head.append("POST ").append(target).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(authority).append("\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("Connection: close\r\n\r\n");
    OutputStream out = connection.getOutputStream();
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
    return status(new BufferedInputStream(connection.getInputStream()));
  }

  /** The code of the status line ({@code HTTP/1.1 200 OK}). */
  private static int status(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder(32);
    for (int c = in.read(); c != -1 && c != '\n' && line.length() < 1024; c = in.read()) {
      line.append((char) c);
    }
    String[] parts = line.toString().strip().split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP answer");
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP status: " + parts[1].replaceAll("[^0-9A-Za-z]", ""), e);
    }
  }

  private static String bare(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
