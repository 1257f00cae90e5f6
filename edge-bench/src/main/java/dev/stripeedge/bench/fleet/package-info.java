/** Issue 16's fleet benchmark: three edge processes sharing Redis and DynamoDB Local. */
@NullMarked
package dev.stripeedge.bench.fleet;

import org.jspecify.annotations.NullMarked;
