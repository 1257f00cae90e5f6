/**
 * The Amazon SQS {@link dev.stripeedge.core.queue.WorkQueue}: writes travel on a FIFO queue, one
 * message group per object; their record (status, result, lease, callback) stays in the edge's
 * SQLite file.
 */
@NullMarked
package dev.stripeedge.queue.sqs;

import org.jspecify.annotations.NullMarked;
