import { describe, expect, spyOn, test } from "bun:test";
import {
  generateWebhookSecret,
  parseWebhookSecrets,
  signWebhook,
  verifyWebhook,
} from "../../src/ingest/standard-webhooks.ts";
import type { VerifyWebhookInput } from "../../src/ingest/standard-webhooks.ts";

const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: "1614265330",
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const NOW_MS = 1614265330 * 1000;
const OTHER_SECRET = "whsec_" + btoa("another secret of 32 bytes......");
const encode = (text: string) => new TextEncoder().encode(text);

function delivery(overrides: Partial<VerifyWebhookInput> = {}): VerifyWebhookInput {
  return {
    id: VECTOR.id,
    timestamp: VECTOR.timestamp,
    signature: VECTOR.signature,
    body: encode(VECTOR.body),
    secrets: [VECTOR.secret],
    now_ms: NOW_MS,
    ...overrides,
  };
}

async function code(input: VerifyWebhookInput): Promise<string | undefined> {
  const result = await verifyWebhook(input);
  return result.ok ? undefined : result.error.code;
}

describe("signWebhook", () => {
  test("it reproduces the Standard Webhooks test vector", async () => {
    const signature = await signWebhook({
      id: VECTOR.id,
      timestamp_s: Number(VECTOR.timestamp),
      body: VECTOR.body,
      secret: VECTOR.secret,
    });
    expect(signature).toBe(VECTOR.signature);
  });

  test("a body given as bytes signs the same as the same text", async () => {
    const input = { id: VECTOR.id, timestamp_s: 1614265330, secret: VECTOR.secret };
    expect(await signWebhook({ ...input, body: encode(VECTOR.body) })).toBe(VECTOR.signature);
  });
});

describe("verifyWebhook", () => {
  test("a valid signature is accepted", async () => {
    expect(await verifyWebhook(delivery())).toEqual({ ok: true, value: undefined });
  });

  test("a tampered body is a signature mismatch", async () => {
    expect(await code(delivery({ body: encode('{"test": 2432232315}') }))).toBe("signature_mismatch");
    expect(await code(delivery({ body: encode('{"test":2432232314}') }))).toBe("signature_mismatch");
  });

  test("a tampered id or timestamp is a signature mismatch", async () => {
    expect(await code(delivery({ id: "msg_other" }))).toBe("signature_mismatch");
    expect(await code(delivery({ timestamp: "1614265331" }))).toBe("signature_mismatch");
  });

  test("a wrong secret is a signature mismatch", async () => {
    expect(await code(delivery({ secrets: [OTHER_SECRET] }))).toBe("signature_mismatch");
    expect(await code(delivery({ secrets: [] }))).toBe("signature_mismatch");
  });

  test("during a rotation the second of two secrets may match", async () => {
    expect(await code(delivery({ secrets: [OTHER_SECRET, VECTOR.secret] }))).toBeUndefined();
  });

  test("during a rotation the second of two signatures may match", async () => {
    const stale = await signWebhook({ id: VECTOR.id, timestamp_s: 1614265330, body: VECTOR.body, secret: OTHER_SECRET });
    expect(await code(delivery({ signature: `${stale} ${VECTOR.signature}` }))).toBeUndefined();
    expect(await code(delivery({ signature: `${stale}  ${VECTOR.signature}` }))).toBeUndefined();
  });

  test("the MAC covers the raw bytes, even when they are not valid UTF-8", async () => {
    const body = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]);
    const signature = await signWebhook({ id: "msg_1", timestamp_s: 1614265330, body, secret: VECTOR.secret });
    expect(await code(delivery({ id: "msg_1", body, signature }))).toBeUndefined();
    const replaced = encode(new TextDecoder().decode(body));
    expect(await code(delivery({ id: "msg_1", body: replaced, signature }))).toBe("signature_mismatch");
  });

  test("a timestamp older than the tolerance is stale", async () => {
    const result = await verifyWebhook(delivery({ now_ms: NOW_MS + 301_000 }));
    expect(result.ok ? undefined : result.error).toEqual({
      code: "timestamp_out_of_tolerance",
      message: "webhook-timestamp is stale: 301 s old, tolerance is 300 s",
    });
    expect(await code(delivery({ now_ms: NOW_MS + 300_000 }))).toBeUndefined();
  });

  test("a timestamp further in the future than the tolerance is refused", async () => {
    const result = await verifyWebhook(delivery({ now_ms: NOW_MS - 301_000 }));
    expect(result.ok ? undefined : result.error.message).toBe("webhook-timestamp is 301 s in the future, tolerance is 300 s");
    expect(await code(delivery({ now_ms: NOW_MS - 300_000 }))).toBeUndefined();
  });

  test("the tolerance can be configured", async () => {
    expect(await code(delivery({ now_ms: NOW_MS + 11_000, tolerance_s: 10 }))).toBe("timestamp_out_of_tolerance");
  });

  test("a timestamp that is not unix seconds is malformed", async () => {
    for (const timestamp of ["abc", "-1614265330", "1614265330.5", "2021-02-25T15:02:10Z", "1".repeat(16), " 1614265330"]) {
      expect(await code(delivery({ timestamp }))).toBe("malformed_timestamp");
    }
  });

  test("a signature header without a usable v1 entry is malformed", async () => {
    for (const signature of [
      "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
      "v1",
      "v1,",
      "v1,not base64!",
      "v1,AAAA",
      "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
      " ",
    ]) {
      expect(await code(delivery({ signature }))).toBe("malformed_signature");
    }
  });

  test("entries of other versions are skipped next to a valid v1 entry", async () => {
    expect(await code(delivery({ signature: `v1a,c2lnbmF0dXJl ${VECTOR.signature}` }))).toBeUndefined();
  });

  test("a header with too many signatures is malformed", async () => {
    const signature = Array.from({ length: 17 }, () => VECTOR.signature).join(" ");
    expect(await code(delivery({ signature }))).toBe("malformed_signature");
  });

  test("a missing header is reported as missing signature headers", async () => {
    expect(await code(delivery({ id: null }))).toBe("missing_signature_headers");
    expect(await code(delivery({ timestamp: null }))).toBe("missing_signature_headers");
    expect(await code(delivery({ signature: null }))).toBe("missing_signature_headers");
    expect(await code(delivery({ signature: "" }))).toBe("missing_signature_headers");
  });

  test("a secret's key is imported once and reused by later verifications", async () => {
    const secret = generateWebhookSecret();
    const signature = await signWebhook({ id: "msg_1", timestamp_s: 1614265330, body: "{}", secret });
    const importKey = spyOn(crypto.subtle, "importKey");
    try {
      for (let round = 0; round < 3; round += 1) {
        expect(await code(delivery({ id: "msg_1", body: encode("{}"), signature, secrets: [secret] }))).toBeUndefined();
      }
      expect(importKey).toHaveBeenCalledTimes(0);
      await verifyWebhook(delivery({ secrets: [generateWebhookSecret()] }));
      expect(importKey).toHaveBeenCalledTimes(1);
    } finally {
      importKey.mockRestore();
    }
  });

  test("a malformed secret is a configuration bug and throws", async () => {
    await expect(verifyWebhook(delivery({ secrets: ["not-a-secret"] }))).rejects.toThrow("whsec_");
  });
});

describe("generateWebhookSecret", () => {
  test("it returns whsec_ and 24 random bytes in base64, different every time", async () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(atob(secret.slice(6)).length).toBe(24);
    expect(generateWebhookSecret()).not.toBe(secret);
    const signature = await signWebhook({ id: "msg_1", timestamp_s: 1614265330, body: "{}", secret });
    expect(await code(delivery({ id: "msg_1", body: encode("{}"), signature, secrets: [secret] }))).toBeUndefined();
  });
});

describe("parseWebhookSecrets", () => {
  test("a map of sources to lists of secrets is accepted", () => {
    const json = JSON.stringify({ stripe: [VECTOR.secret, OTHER_SECRET], "psp_2-eu": [VECTOR.secret] });
    expect(parseWebhookSecrets(json)).toEqual({
      ok: true,
      value: { stripe: [VECTOR.secret, OTHER_SECRET], "psp_2-eu": [VECTOR.secret] },
    });
  });

  function message(json: string): string {
    const result = parseWebhookSecrets(json);
    if (result.ok) throw new Error("expected a problem");
    expect(result.error.code).toBe("invalid_webhook_secrets");
    return result.error.message;
  }

  test("text that is not JSON is refused", () => {
    expect(message("{dev: whsec_x}")).toStartWith("WEBHOOK_SECRETS is not valid JSON: ");
  });

  test("JSON that is not an object is refused", () => {
    for (const json of ["[]", "null", '"whsec_x"']) expect(message(json)).toStartWith("WEBHOOK_SECRETS must be a JSON object");
  });

  test("a source name outside [a-z0-9_-] or over 64 characters is refused", () => {
    expect(message(JSON.stringify({ "my source": [VECTOR.secret] }))).toContain('source "my source" must be');
    expect(message(JSON.stringify({ ["s".repeat(65)]: [VECTOR.secret] }))).toContain("must be 1 to 64");
  });

  test("a source without a non-empty list of secrets is refused", () => {
    for (const list of [[], VECTOR.secret, null]) {
      expect(message(JSON.stringify({ dev: list }))).toBe('WEBHOOK_SECRETS source "dev" must have a list of 1 to 10 secrets');
    }
  });

  test("a secret without the prefix, with bad base64 or under 16 bytes is refused", () => {
    for (const secret of ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!!", "whsec_" + btoa("fifteen bytes!!"), 42]) {
      expect(message(JSON.stringify({ dev: [VECTOR.secret, secret] }))).toBe(
        'WEBHOOK_SECRETS source "dev" secret 2 must be "whsec_" followed by base64 of at least 16 bytes',
      );
    }
    expect(parseWebhookSecrets(JSON.stringify({ dev: ["whsec_" + btoa("sixteen bytes!!!")] })).ok).toBe(true);
  });
});
