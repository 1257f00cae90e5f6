/**
 * The Apache Kafka {@link dev.stripeedge.core.queue.WorkQueue}: writes travel as records on a
 * topic, keyed by object (one object's writes in one partition, in order), read by a consumer group
 * that commits an offset only once every write before it has its outcome recorded; their record
 * (status, result, lease, callback) stays in the edge's SQLite file.
 */
@NullMarked
package dev.stripeedge.queue.kafka;

import org.jspecify.annotations.NullMarked;
