package dev.stripeedge.queue.sqs;

import java.net.URI;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * ElasticMQ, an SQS-compatible server, run in this JVM on a free loopback port: for tests and
 * benchmarks only. Close it to stop it.
 */
public final class ElasticMq implements AutoCloseable {

  private final SQSRestServer server;
  private final int port;

  private ElasticMq(SQSRestServer server, int port) {
    this.server = server;
    this.port = port;
  }

  /** Starts a server; blocks until it listens. Its own logging is cut to warnings. */
  public static ElasticMq start() {
    // Logback's default is DEBUG, and ElasticMQ's actors log every receive: enough to slow it.
    // (Only where Logback is the binding: edge-bench's jar has none, and then nothing logs.)
    if (LoggerFactory.getILoggerFactory().getClass().getName().startsWith("ch.qos.logback.")) {
      quietLogback("org.elasticmq", "org.apache.pekko");
    }
    SQSRestServer server =
        SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().start();
    int port = server.waitUntilStarted().localAddress().getPort();
    return new ElasticMq(server, port);
  }

  private static void quietLogback(String... names) {
    for (String name : names) {
      if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
        logger.setLevel(ch.qos.logback.classic.Level.WARN);
      }
    }
  }

  /** Its URL, for {@code asyncWrites.queueOptions.endpoint}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** A client of it (any credentials do). */
  public SqsClient client() {
    return SqsClient.builder()
        .httpClient(UrlConnectionHttpClient.create())
        .region(Region.US_EAST_1)
        .endpointOverride(URI.create(endpoint()))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .build();
  }

  @Override
  public void close() {
    server.stopAndWait();
  }
}
