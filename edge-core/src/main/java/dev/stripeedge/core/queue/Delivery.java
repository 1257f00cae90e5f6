package dev.stripeedge.core.queue;

/**
 * A write handed to a worker by {@link WorkQueue#poll}: hidden from other workers until the lease
 * ends, then delivered again unless the worker finished or released it.
 *
 * @param write the write
 * @param attempt 1 for its first delivery; counts redeliveries after a crash too
 * @param lease identifies this delivery; a worker whose lease expired (the write was delivered
 *     again) cannot finish or release it
 */
public record Delivery(QueuedWrite write, int attempt, String lease) {}
