package dev.stripeedge.store.dynamodb;

import java.net.URI;
import java.nio.file.Path;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.jspecify.annotations.Nullable;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBRequestHandler;
import software.amazon.dynamodb.services.local.server.LocalDynamoDBServerHandler;
import software.amazon.dynamodb.services.local.shared.access.sqlite.SQLiteLibraryLoader;

/**
 * DynamoDB Local in this JVM, serving HTTP on a loopback port. Its own {@code ServerRunner} binds
 * every interface and starts telemetry; this builds the same Jetty handler on a connector bound to
 * 127.0.0.1 and never configures telemetry. SQLite's native library comes out of the DynamoDBLocal
 * jar ({@link SQLiteLibraryLoader}), so nothing needs installing. It can be stopped and started
 * again on the same port; with a database directory, tables and items survive that.
 */
final class DynamoDbLocal implements AutoCloseable {

  private final @Nullable Path databaseDirectory;
  private int port;
  private @Nullable Server server;
  private @Nullable LocalDynamoDBRequestHandler requests;

  private DynamoDbLocal(@Nullable Path databaseDirectory) {
    this.databaseDirectory = databaseDirectory;
  }

  /** A server holding its tables in memory, on a free port. */
  static DynamoDbLocal inMemory() throws Exception {
    DynamoDbLocal local = new DynamoDbLocal(null);
    local.start();
    return local;
  }

  /** A server keeping its tables in {@code directory}, on a free port. */
  static DynamoDbLocal inDirectory(Path directory) throws Exception {
    DynamoDbLocal local = new DynamoDbLocal(directory);
    local.start();
    return local;
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** Starts serving, on the port of the last start after the first. */
  synchronized void start() throws Exception {
    if (server != null) {
      return;
    }
    SQLiteLibraryLoader.initialize();
    // sharedDb: one database whatever the credentials and region of the client.
    requests =
        new LocalDynamoDBRequestHandler(
            0,
            databaseDirectory == null,
            databaseDirectory == null ? null : databaseDirectory.toString(),
            true,
            false);
    Server jetty = new Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    jetty.addConnector(connector);
    jetty.setHandler(new LocalDynamoDBServerHandler(requests, null));
    jetty.start();
    port = connector.getLocalPort();
    server = jetty;
  }

  /** Stops serving: connections are refused until {@link #start()}. */
  synchronized void stop() throws Exception {
    if (server != null) {
      server.stop();
      server = null;
    }
    if (requests != null) {
      requests.shutdown();
      requests = null;
    }
  }

  @Override
  public void close() throws Exception {
    stop();
  }
}
