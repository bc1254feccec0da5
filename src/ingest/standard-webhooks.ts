/**
 * Standard Webhooks (https://www.standardwebhooks.com) signatures, on WebCrypto only so the
 * same code runs on Bun and on Cloudflare Workers.
 *
 * A sender signs `${webhook-id}.${webhook-timestamp}.${body}` with HMAC-SHA256 under the key
 * that a `whsec_<base64>` secret encodes, and sends `webhook-signature: v1,<base64 mac>`,
 * several space-separated when it signs with more than one secret during a rotation.
 *
 * Problem codes of verifyWebhook: `missing_signature_headers`, `malformed_timestamp`,
 * `timestamp_out_of_tolerance`, `malformed_signature`, `signature_mismatch`.
 */
import { fail, ok } from "../core/result.ts";
import { base64Decode, base64Encode, equalConstantTime } from "./hmac.ts";
import type { Result } from "../core/result.ts";

const TOLERANCE_S_DEFAULT = 300;
/** More entries than this in one header is abuse, not rotation: each costs an HMAC comparison. */
const SIGNATURES_PER_HEADER_MAX = 16;
export const SECRETS_PER_SOURCE_MAX = 10;
const SECRET_BYTES_MIN = 16;
const SECRET_PREFIX = "whsec_";
const MAC_BYTES = 32;
const TIMESTAMP_PATTERN = /^\d{1,15}$/;
const SOURCE_PATTERN = /^[a-z0-9_-]{1,64}$/i;

export interface VerifyWebhookInput {
  id: string | null;
  timestamp: string | null;
  signature: string | null;
  /** The raw request body: the MAC covers these exact bytes. */
  body: Uint8Array;
  /** Every secret currently valid for the source; a signature under any of them is accepted. */
  secrets: readonly string[];
  now_ms: number;
  tolerance_s?: number;
  /**
   * HMAC-SHA256 to use instead of WebCrypto. WebCrypto is the portable default (Workers,
   * Bun); on Bun its async sign costs ~15-60 us a call, so the Bun host passes its native,
   * synchronous hasher (under 1 us).
   */
  hmac?: HmacSha256;
}

export type HmacSha256 = (key: Uint8Array, message: Uint8Array) => Uint8Array | Promise<Uint8Array>;

/**
 * Checks the headers of one delivery. Secrets must be `whsec_<base64>` (validated at start by
 * parseWebhookSecrets); a malformed secret here is a configuration bug and throws.
 */
export async function verifyWebhook(input: VerifyWebhookInput): Promise<Result<void>> {
  const { id, timestamp, signature } = input;
  if (!id || !timestamp || !signature) {
    return fail(
      "missing_signature_headers",
      "webhook-id, webhook-timestamp and webhook-signature headers are all required",
    );
  }
  if (!TIMESTAMP_PATTERN.test(timestamp)) {
    return fail("malformed_timestamp", `webhook-timestamp must be unix seconds, got ${JSON.stringify(timestamp.slice(0, 40))}`);
  }
  const tolerance_s = input.tolerance_s ?? TOLERANCE_S_DEFAULT;
  const skew_s = Math.floor(input.now_ms / 1000) - Number(timestamp);
  if (skew_s > tolerance_s) {
    return fail("timestamp_out_of_tolerance", `webhook-timestamp is stale: ${skew_s} s old, tolerance is ${tolerance_s} s`);
  }
  if (-skew_s > tolerance_s) {
    return fail(
      "timestamp_out_of_tolerance",
      `webhook-timestamp is ${-skew_s} s in the future, tolerance is ${tolerance_s} s`,
    );
  }

  const macs = parseSignatureHeader(signature);
  if (!macs.ok) return macs;
  const message = signedContent(id, timestamp, input.body);
  for (const secret of input.secrets) {
    const expected = input.hmac
      ? await input.hmac(keyBytes(secret), message)
      : new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), message));
    if (macs.value.some((mac) => equalConstantTime(mac, expected))) return ok(undefined);
  }
  return fail("signature_mismatch", "no webhook-signature matches a secret of this source");
}

/** Returns the `v1,<base64>` value of a webhook-signature header. */
export async function signWebhook(input: {
  id: string;
  timestamp_s: number;
  body: Uint8Array | string;
  secret: string;
}): Promise<string> {
  const body = typeof input.body === "string" ? new TextEncoder().encode(input.body) : input.body;
  const message = signedContent(input.id, String(input.timestamp_s), body);
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(input.secret), message);
  return `v1,${base64Encode(new Uint8Array(mac))}`;
}

/** A fresh `whsec_` secret holding 24 random bytes. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + base64Encode(crypto.getRandomValues(new Uint8Array(24)));
}

/** Parses WEBHOOK_SECRETS: `{"source": ["whsec_...", ...], ...}`. Code: `invalid_webhook_secrets`. */
export function parseWebhookSecrets(json: string): Result<Record<string, string[]>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    return invalidSecrets(`is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return invalidSecrets('must be a JSON object mapping source names to lists of secrets, like {"dev": ["whsec_..."]}');
  }
  // No prototype: a source named "__proto__" must be a source, not the object's prototype.
  const secrets: Record<string, string[]> = Object.create(null);
  for (const [source, list] of Object.entries(parsed)) {
    if (!SOURCE_PATTERN.test(source)) {
      return invalidSecrets(`source ${JSON.stringify(source)} must be 1 to 64 letters, digits, _ or -`);
    }
    if (!Array.isArray(list) || list.length === 0 || list.length > SECRETS_PER_SOURCE_MAX) {
      return invalidSecrets(`source "${source}" must have a list of 1 to ${SECRETS_PER_SOURCE_MAX} secrets`);
    }
    for (const [index, secret] of list.entries()) {
      const key = typeof secret === "string" ? secretKeyBytes(secret) : undefined;
      if (key === undefined || key.length < SECRET_BYTES_MIN) {
        return invalidSecrets(
          `source "${source}" secret ${index + 1} must be "whsec_" followed by base64 of at least ${SECRET_BYTES_MIN} bytes`,
        );
      }
    }
    secrets[source] = list as string[];
  }
  return ok(secrets);
}

function invalidSecrets<T>(problem: string): Result<T> {
  return fail("invalid_webhook_secrets", `WEBHOOK_SECRETS ${problem}`);
}

function parseSignatureHeader(header: string): Result<Uint8Array[]> {
  const entries = header.split(" ").filter((entry) => entry !== "");
  if (entries.length > SIGNATURES_PER_HEADER_MAX) {
    return fail("malformed_signature", `webhook-signature has more than ${SIGNATURES_PER_HEADER_MAX} signatures`);
  }
  const macs: Uint8Array[] = [];
  for (const entry of entries) {
    const comma = entry.indexOf(",");
    // Other versions (v1a is asymmetric) are skipped so senders can add them without breaking us.
    if (comma < 0 || entry.slice(0, comma) !== "v1") continue;
    const mac = base64Decode(entry.slice(comma + 1));
    if (mac?.length === MAC_BYTES) macs.push(mac);
  }
  if (macs.length === 0) {
    return fail("malformed_signature", 'webhook-signature holds no "v1,<base64 HMAC-SHA256>" entry');
  }
  return ok(macs);
}

const UTF8 = new TextEncoder();

function signedContent(id: string, timestamp: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = UTF8.encode(`${id}.${timestamp}.`);
  const message = new Uint8Array(prefix.length + body.length);
  message.set(prefix, 0);
  message.set(body, prefix.length);
  return message;
}

function secretKeyBytes(secret: string): Uint8Array<ArrayBuffer> | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  return base64Decode(secret.slice(SECRET_PREFIX.length));
}

/** Secrets come from configuration, so this stays small; the bound only guards misuse. */
const KEYS_CACHED_MAX = 1024;
const keys = new Map<string, Promise<CryptoKey>>();
const key_bytes = new Map<string, Uint8Array>();

function keyBytes(secret: string): Uint8Array {
  let bytes = key_bytes.get(secret);
  if (bytes === undefined) {
    bytes = secretKeyBytes(secret);
    if (bytes === undefined) throw new Error('webhook secret must be "whsec_" followed by base64');
    if (key_bytes.size >= KEYS_CACHED_MAX) key_bytes.clear();
    key_bytes.set(secret, bytes);
  }
  return bytes;
}

function hmacKey(secret: string): Promise<CryptoKey> {
  const cached = keys.get(secret);
  if (cached) return cached;
  const bytes = secretKeyBytes(secret);
  if (bytes === undefined) throw new Error('webhook secret must be "whsec_" followed by base64');
  if (keys.size >= KEYS_CACHED_MAX) keys.clear();
  const key = crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  keys.set(secret, key);
  key.catch(() => keys.delete(secret));
  return key;
}
