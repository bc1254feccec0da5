/** WEBHOOK_SOURCES: provider sources, merged with WEBHOOK_SECRETS; refused with the source and field named. */
import { describe, expect, test } from "bun:test";
import { mergeWebhookSources } from "../../src/ingest/webhook-sources.ts";

const STANDARD = `whsec_${btoa("0123456789abcdef01234567")}`;
const HEX_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";

const merge = (sources: unknown, secrets: Record<string, string[]> = { dev: [STANDARD] }) => mergeWebhookSources(secrets, JSON.stringify(sources));
const message = (sources: unknown, secrets?: Record<string, string[]>) => {
  const result = merge(sources, secrets);
  if (result.ok) throw new Error("expected a refusal");
  expect(result.error.code).toBe("invalid_config");
  return result.error.message;
};

describe("WEBHOOK_SOURCES", () => {
  test("provider sources are merged with WEBHOOK_SECRETS, whose entries are standard sources", () => {
    const result = merge({
      stripe: { provider: "stripe", secrets: ["whsec_stripe_endpoint_1"], merchant_id: "m_1" },
      adyen: { provider: "adyen", secrets: [HEX_KEY], basic_auth: "adyen:s3cret" },
      cko: { provider: "checkout", secrets: ["0123456789abcdef"] },
      plain: { secrets: [STANDARD] },
    });
    expect(result).toEqual({
      ok: true,
      value: {
        dev: { name: "dev", provider: "standard", secrets: [STANDARD], basic_auth: null, merchant_id: null },
        stripe: { name: "stripe", provider: "stripe", secrets: ["whsec_stripe_endpoint_1"], basic_auth: null, merchant_id: "m_1" },
        adyen: { name: "adyen", provider: "adyen", secrets: [HEX_KEY], basic_auth: "adyen:s3cret", merchant_id: null },
        cko: { name: "cko", provider: "checkout", secrets: ["0123456789abcdef"], basic_auth: null, merchant_id: null },
        plain: { name: "plain", provider: "standard", secrets: [STANDARD], basic_auth: null, merchant_id: null },
      },
    });
  });

  test("unset or empty is only WEBHOOK_SECRETS", () => {
    expect(mergeWebhookSources({ dev: [STANDARD] }, undefined)).toMatchObject({ ok: true, value: { dev: { provider: "standard" } } });
    expect(mergeWebhookSources({ dev: [STANDARD] }, " ")).toMatchObject({ ok: true, value: { dev: { provider: "standard" } } });
  });

  test.each([
    [{ dev: { provider: "stripe", secrets: ["whsec_stripe_endpoint_1"] } }, 'WEBHOOK_SOURCES source "dev" is also in WEBHOOK_SECRETS'],
    [{ s: { provider: "paypal", secrets: ["x"] } }, 'WEBHOOK_SOURCES source "s" field "provider" must be one of standard, stripe, adyen, checkout, got "paypal"'],
    [{ s: { provider: "stripe" } }, 'WEBHOOK_SOURCES source "s" field "secrets" must be a list of 1 to 10 secrets'],
    [{ s: { provider: "stripe", secrets: ["sk_live_123456789"] } }, 'WEBHOOK_SOURCES source "s" field "secrets" entry 1 must be a Stripe endpoint secret'],
    [{ s: { provider: "adyen", secrets: ["not-hex"] } }, 'WEBHOOK_SOURCES source "s" field "secrets" entry 1 must be Adyen\'s HMAC key'],
    [{ s: { provider: "standard", secrets: ["whsec_x"] } }, 'WEBHOOK_SOURCES source "s" field "secrets" entry 1 must be "whsec_"'],
    [{ s: { provider: "stripe", secrets: ["whsec_stripe_endpoint_1"], basic_auth: "a:b" } }, 'WEBHOOK_SOURCES source "s" field "basic_auth" is for adyen sources only'],
    [{ s: { provider: "adyen", secrets: [HEX_KEY], basic_auth: "nocolon" } }, 'WEBHOOK_SOURCES source "s" field "basic_auth" must be "user:password"'],
    [{ s: { provider: "stripe", secrets: ["whsec_stripe_endpoint_1"], merchant_id: "" } }, 'WEBHOOK_SOURCES source "s" field "merchant_id" must be'],
    [{ s: { provider: "stripe", secrets: ["whsec_stripe_endpoint_1"], secret: "x" } }, 'WEBHOOK_SOURCES source "s" has unknown field "secret"'],
    [{ "bad name": { secrets: [STANDARD] } }, 'WEBHOOK_SOURCES source "bad name" must be 1 to 64'],
    [[], "WEBHOOK_SOURCES must be a JSON object"],
  ])("%j is refused: %s", (sources, expected) => {
    expect(message(sources)).toStartWith(expected);
  });

  test("invalid JSON is refused naming the variable", () => {
    const result = mergeWebhookSources({}, "{nope");
    expect(!result.ok && result.error.message).toStartWith("WEBHOOK_SOURCES is not valid JSON");
  });
});
