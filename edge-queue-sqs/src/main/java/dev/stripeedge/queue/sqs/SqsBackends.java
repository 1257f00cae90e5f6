package dev.stripeedge.queue.sqs;

import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.core.spi.StoreContext;
import dev.stripeedge.core.spi.WorkQueueBackend;
import dev.stripeedge.store.sqlite.SqliteWorkQueue;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The SQS backends, found through {@link java.util.ServiceLoader}. */
public final class SqsBackends {

  private SqsBackends() {}

  /**
   * {@code asyncWrites.queue: sqs}: writes on an SQS FIFO queue ({@code queueOptions}: {@code
   * queueName}, {@code region}, {@code endpoint}), created when missing; their records in the
   * {@code store.path} file.
   */
  public static final class Queue implements WorkQueueBackend {

    @Override
    public String name() {
      return "sqs";
    }

    @Override
    public WorkQueue open(StoreContext context, Map<String, String> options) {
      SqsQueueSettings settings = SqsQueueSettings.of(options);
      SqsClient client = SqsQueues.client(settings);
      try {
        String url = SqsQueues.ensureFifoQueue(client, settings.queueName());
        return SqsWorkQueue.over(client, url, SqliteWorkQueue.open(context.storeFile()), true);
      } catch (RuntimeException e) {
        client.close();
        throw e;
      }
    }
  }
}
