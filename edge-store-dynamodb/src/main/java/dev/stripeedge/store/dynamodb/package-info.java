/**
 * The DynamoDB cache tier: {@link dev.stripeedge.store.dynamodb.DynamoDbTier}, configured by {@link
 * dev.stripeedge.store.dynamodb.DynamoDbTierConfig}. Table design and limits are in
 * docs/dynamodb-tier.md.
 */
@NullMarked
package dev.stripeedge.store.dynamodb;

import org.jspecify.annotations.NullMarked;
