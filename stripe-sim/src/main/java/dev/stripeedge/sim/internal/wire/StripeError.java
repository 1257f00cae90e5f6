package dev.stripeedge.sim.internal.wire;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A Stripe error response: status, the {@code error} object and the headers that go with it.
 *
 * <p>Thrown anywhere in request handling and turned into a response in one place. {@link
 * #storable()} tells the idempotency layer whether Stripe would save this result for the key:
 * results of requests that began executing are saved (card declines, 404s, 500s); rejections by the
 * rate limiter, authentication and parameter validation are not.
 */
public final class StripeError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final @Nullable String code;
  private final @Nullable String param;
  private final @Nullable String declineCode;
  private final boolean storable;
  private final transient Map<String, Object> extra = new LinkedHashMap<>();
  private final transient Map<String, String> headers = new LinkedHashMap<>();
  private boolean withRequestId = true;

  private StripeError(
      int status,
      String type,
      @Nullable String code,
      String message,
      @Nullable String param,
      @Nullable String declineCode,
      boolean storable) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.code = code;
    this.param = param;
    this.declineCode = declineCode;
    this.storable = storable;
  }

  /** A 400 {@code invalid_request_error} that ran no business logic (not stored). */
  public static StripeError invalid(@Nullable String code, String message, @Nullable String param) {
    return new StripeError(400, "invalid_request_error", code, message, param, null, false);
  }

  /** A 400 {@code invalid_request_error} raised by business logic (stored for the key). */
  public static StripeError invalidState(
      @Nullable String code, String message, @Nullable String param) {
    return new StripeError(400, "invalid_request_error", code, message, param, null, true);
  }

  public static StripeError parameterUnknown(String param) {
    return invalid("parameter_unknown", "Received unknown parameter: " + param, param);
  }

  public static StripeError parameterMissing(String param) {
    return invalid("parameter_missing", "Missing required param: " + param + ".", param);
  }

  public static StripeError invalidInteger(String param, String value) {
    return invalid("parameter_invalid_integer", "Invalid integer: " + abbreviate(value), param);
  }

  public static StripeError invalidBoolean(String param, String value) {
    return invalid(
        "parameter_invalid_boolean",
        "Invalid boolean: " + abbreviate(value) + ". Expected true or false.",
        param);
  }

  public static StripeError invalidEnum(String param, String value, Iterable<String> allowed) {
    // Stripe's wording: "must be one of a or b", "must be one of a, b, or c"; the value is not
    // repeated.
    java.util.List<String> values = new java.util.ArrayList<>();
    allowed.forEach(values::add);
    String listed =
        values.size() <= 2
            ? String.join(" or ", values)
            : String.join(", ", values.subList(0, values.size() - 1))
                + ", or "
                + values.get(values.size() - 1);
    return invalid(
        "parameter_invalid_string_enum",
        "Invalid %s: must be one of %s".formatted(param, listed),
        param);
  }

  /** 403 for a {@code Stripe-Account} the key may not act as (or that does not exist). */
  public static StripeError accountInvalid(String message) {
    return new StripeError(
        403, "invalid_request_error", "account_invalid", message, null, null, false);
  }

  /** 404 for an object that does not exist (or belongs to another account). */
  public static StripeError resourceMissing(String objectName, String id, String param) {
    return new StripeError(
        404,
        "invalid_request_error",
        "resource_missing",
        "No such " + objectName + ": '" + abbreviate(id) + "'",
        param,
        null,
        true);
  }

  /** 404 for a path the API does not have. */
  public static StripeError unrecognizedUrl(String method, String path) {
    return new StripeError(
        404,
        "invalid_request_error",
        null,
        "Unrecognized request URL (%s: %s). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
            .formatted(method, abbreviate(path)),
        null,
        null,
        false);
  }

  public static StripeError authentication(String message) {
    return new StripeError(401, "invalid_request_error", null, message, null, null, false);
  }

  public static StripeError permission(String message) {
    return new StripeError(403, "invalid_request_error", null, message, null, null, false);
  }

  /** 402: a card was declined. */
  public static StripeError card(String code, @Nullable String declineCode, String message) {
    return new StripeError(402, "card_error", code, message, null, declineCode, true);
  }

  /** 429 from a rate limiter: carries {@code Stripe-Rate-Limited-Reason}, never stored. */
  public static StripeError rateLimited(String reason) {
    StripeError error =
        new StripeError(
            429,
            "invalid_request_error",
            "rate_limit",
            "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
            null,
            null,
            false);
    error.headers.put("Stripe-Rate-Limited-Reason", reason);
    return error;
  }

  /** 429 {@code lock_timeout}: retryable, no Request-Id, no rate-limit reason. */
  public static StripeError lockTimeout() {
    StripeError error =
        new StripeError(
            429,
            "invalid_request_error",
            "lock_timeout",
            "This object cannot be accessed right now because another API request or Stripe process is currently accessing it. If you see this error intermittently, retry the request. If you see this error frequently and are making multiple concurrent requests to a single object, make your requests serially or at a lower rate.",
            null,
            null,
            false);
    error.headers.put("Stripe-Should-Retry", "true");
    error.withRequestId = false;
    return error;
  }

  public static StripeError idempotencyMismatch(String key) {
    return new StripeError(
        400,
        "idempotency_error",
        null,
        "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '"
            + abbreviate(key)
            + "' if you meant to execute a different request.",
        null,
        null,
        false);
  }

  public static StripeError idempotencyKeyInUse(String key) {
    return new StripeError(
        409,
        "invalid_request_error",
        "idempotency_key_in_use",
        "There is currently another in-progress request using this Stripe idempotency key (that probably means you submitted twice, and the other request is still going through): "
            + abbreviate(key)
            + ". Please try again later.",
        null,
        null,
        false);
  }

  /** 500 {@code api_error}: stored by the idempotency layer, like Stripe does. */
  public static StripeError apiError(String message) {
    return new StripeError(500, "api_error", null, message, null, null, true);
  }

  /** 503 as a load shedder answers: never stored, safe to retry. */
  public static StripeError unavailable(String message) {
    return new StripeError(503, "api_error", null, message, null, null, false);
  }

  /** Adds a field to the error object (for example {@code payment_intent}); returns this. */
  public StripeError with(String field, Object value) {
    extra.put(field, value);
    return this;
  }

  /** The fields {@link #with} added (objects such as the PaymentIntent), mutable. */
  public Map<String, Object> extras() {
    return extra;
  }

  /** Adds a response header; returns this. */
  public StripeError withHeader(String name, String value) {
    headers.put(name, value);
    return this;
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public @Nullable String code() {
    return code;
  }

  public @Nullable String param() {
    return param;
  }

  public boolean storable() {
    return storable;
  }

  public boolean withRequestId() {
    return withRequestId;
  }

  public Map<String, String> headers() {
    return headers;
  }

  /** The {@code {"error": {...}}} body without a request log (no request id, test mode). */
  public Map<String, Object> body(@Nullable String requestId) {
    return body(requestId, false, 0L);
  }

  /**
   * The {@code {"error": {...}}} body Stripe sends; with a request id it links the Dashboard's
   * request log, as Stripe does ({@code …/test/logs/req_…?t=<unix seconds>} in test mode).
   */
  public Map<String, Object> body(@Nullable String requestId, boolean livemode, long epochSeconds) {
    Map<String, Object> error = new LinkedHashMap<>();
    if (code != null) {
      error.put("code", code);
    }
    if (declineCode != null) {
      error.put("decline_code", declineCode);
    }
    if (code != null) {
      error.put("doc_url", "https://stripe.com/docs/error-codes/" + code.replace('_', '-'));
    }
    error.put("message", getMessage());
    if (param != null) {
      error.put("param", param);
    }
    error.putAll(extra);
    if (requestId != null) {
      error.put(
          "request_log_url",
          "https://dashboard.stripe.com/"
              + (livemode ? "" : "test/")
              + "logs/"
              + requestId
              + "?t="
              + epochSeconds);
    }
    error.put("type", type);
    return Map.of("error", error);
  }

  private static String abbreviate(String value) {
    return value.length() <= 200 ? value : value.substring(0, 200) + "…";
  }
}
