/**
 * Durable asynchronous writes: a write sent with {@code Prefer: respond-async} is put on a {@link
 * dev.stripeedge.core.queue.WorkQueue} (the SPI every queue backend implements) and answered {@code
 * 202} at once; {@link dev.stripeedge.core.queue.AsyncWrites} workers apply it later through the
 * pipeline with the same idempotency key on every attempt. The rules ({@link
 * dev.stripeedge.core.queue.AsyncWriteRule}, {@link dev.stripeedge.core.queue.DeliveryRule}) are
 * pure and table-tested.
 */
@NullMarked
package dev.stripeedge.core.queue;

import org.jspecify.annotations.NullMarked;
