package dev.stripeedge.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SecretRedactorTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "key sk_live_51HxYzAbCdEfGhIjKlMn used | key sk_live_***KlMn used",
        "key sk_test_4eC39HqLyjWDarjtT1zdp7dc | key sk_test_***p7dc",
        "restricted rk_live_abcdefghijklmnop | restricted rk_live_***mnop",
        "secret whsec_0123456789abcdefghij end | secret whsec_***ghij end",
        "short sk_test_abc | short sk_test_***",
        "Authorization: Bearer sk_test_4eC39HqLyjWDarjtT1zdp7dc | Authorization: Bearer [redacted]",
        "authorization=Basic c2tfdGVzdF94eXo6 next | authorization=Basic [redacted] next",
        "{\"Authorization\":\"Bearer abc\"} | {\"Authorization\":\"Bearer [redacted]\"}",
        "GET /v1/customers?api_key=sk_live_51HxYzAbCdEfGhIjKlMn&limit=3"
            + " | GET /v1/customers?api_key=[redacted]&limit=3",
        "/v1/sk_live_51HxYzAbCdEfGhIjKlMn/x | /v1/sk_live_***KlMn/x",
        "to https://user:pa55word@hooks.example.com/in?token=abc123&x=1"
            + " | to https://[redacted]@hooks.example.com/in?token=[redacted]&x=1",
        "http://admin@h.example/?secret=s&password=p | http://[redacted]@h.example/?secret=[redacted]&password=[redacted]",
        "target=http://h.example/hook?access_token=t0k | target=http://h.example/hook?access_token=[redacted]",
        "whsec_0123456789abcdefghij in /x?webhook_secret=whsec_0123456789abcdefghij"
            + " | whsec_***ghij in /x?webhook_secret=[redacted]",
        "POST /x?API_KEY=abc&Client_Token=t&SIGNATURE=s"
            + " | POST /x?API_KEY=[redacted]&Client_Token=[redacted]&SIGNATURE=[redacted]",
        "cache=hit lane=normal X-Passwd=hunter2 | cache=hit lane=normal X-Passwd=[redacted]",
        "AUTHORIZATION: Basic c2tfdGVzdA== | AUTHORIZATION: Basic [redacted]",
      })
  void redactsSecrets(String input, String expected) {
    assertThat(SecretRedactor.redact(input)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "GET /v1/customers/cus_123 200",
        "pk_test_publishable keys are public",
        "user_id=42",
        "idempotency_key=k1&limit=3",
        "https://hooks.example.com/in?event=1",
        "mail someone@example.com",
        "no secrets here",
        "req_8V2asQzCLHu005",
        "2026-12-07T17:16:05.741Z 127.0.0.1 \"GET /v1/customers/{id}\" 200 0.626ms cache=hit"
            + " lane=normal upstream_ms=- attempts=0 request_id=req_8V2asQzCLHu005"
            + " idempotency_key=-"
      })
  void leavesOtherTextAlone(String input) {
    assertThat(SecretRedactor.redact(input)).isEqualTo(input);
  }
}
