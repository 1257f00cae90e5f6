package dev.stripeedge.sim.internal.webhooks;

import java.nio.charset.StandardCharsets;

/** Shared test data. */
final class Fixtures {
  static final String SECRET = "whsec_test_5f1a2b3c4d5e6f708192a3b4c5d6e7f8";
  static final String ROTATED_SECRET = "whsec_test_rotated_0123456789abcdef01234567";

  private Fixtures() {}

  /** A realistic customer.created event, as Stripe would send it. */
  static String eventJson(String eventId, long created) {
    return """
    {"id":"%s","object":"event","api_version":"2025-09-30.clover","created":%d,\
    "data":{"object":{"id":"cus_1","object":"customer"}},"livemode":false,\
    "pending_webhooks":1,"request":{"id":"req_1","idempotency_key":null},\
    "type":"customer.created"}\
    """
        .formatted(eventId, created);
  }

  static byte[] eventBytes(String eventId) {
    return eventJson(eventId, 1_760_000_000L).getBytes(StandardCharsets.UTF_8);
  }

  static long nowSeconds() {
    return System.currentTimeMillis() / 1000;
  }
}
