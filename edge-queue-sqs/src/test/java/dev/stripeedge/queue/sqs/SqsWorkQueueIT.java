package dev.stripeedge.queue.sqs;

import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.store.sqlite.SqliteWorkQueue;
import dev.stripeedge.testkit.WorkQueueContract;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The SQS queue passes the work-queue contract kit against ElasticMQ: a fresh FIFO queue and record
 * file per test; a restart reopens both (new client, same queue, same file).
 */
class SqsWorkQueueIT extends WorkQueueContract {

  private static ElasticMq server;

  private Path file;
  private String queueUrl;

  @BeforeAll
  static void startServer() {
    server = ElasticMq.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  protected WorkQueue newQueue() throws Exception {
    file = Files.createTempDirectory("edge-sqs").resolve("edge.db");
    SqsClient client = server.client();
    queueUrl = SqsQueues.ensureFifoQueue(client, "writes-" + UUID.randomUUID() + ".fifo");
    return SqsWorkQueue.over(client, queueUrl, SqliteWorkQueue.open(file), true);
  }

  @Override
  protected WorkQueue reopen(WorkQueue current) {
    current.close();
    return SqsWorkQueue.over(server.client(), queueUrl, SqliteWorkQueue.open(file), true);
  }
}
