package dev.stripeedge.store.sqlite;

import dev.stripeedge.core.queue.WorkQueue;
import dev.stripeedge.testkit.WorkQueueContract;
import java.nio.file.Files;
import java.nio.file.Path;

/** The SQLite queue passes the work-queue contract kit; a restart reopens the same file. */
class SqliteWorkQueueTest extends WorkQueueContract {

  private Path file;

  @Override
  protected WorkQueue newQueue() throws Exception {
    file = Files.createTempDirectory("edge-queue").resolve("edge.db");
    return SqliteWorkQueue.open(file);
  }

  @Override
  protected WorkQueue reopen(WorkQueue current) {
    current.close();
    return SqliteWorkQueue.open(file);
  }
}
