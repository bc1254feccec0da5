/**
 * Stripe's webhook signature (https://docs.stripe.com/webhooks#verify-manually):
 * `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where each v1 is the hex
 * HMAC-SHA256 of `${t}.${raw body}` keyed with the whole endpoint secret string (`whsec_...`,
 * not decoded). Any v1 may match (Stripe sends one per active secret during a rotation);
 * timestamps older than the tolerance are refused, as Stripe's own libraries do.
 *
 * Problem codes: `missing_signature_headers`, `malformed_signature`,
 * `timestamp_out_of_tolerance`, `signature_mismatch`.
 */
import { fail, ok, type Result } from "../../core/result.ts";
import { concatBytes, equalConstantTime, hexDecode, hmacSha256, utf8 } from "../hmac.ts";
import type { HmacSha256 } from "../standard-webhooks.ts";

const STRIPE_TOLERANCE_S = 300;
const ENTRIES_MAX = 16;
const MAC_BYTES = 32;

export async function verifyStripeSignature(input: {
  header: string | null;
  body: Uint8Array;
  secrets: readonly string[];
  now_ms: number;
  hmac?: HmacSha256;
  tolerance_s?: number;
}): Promise<Result<void>> {
  if (input.header === null || input.header.trim() === "") {
    return fail("missing_signature_headers", "the Stripe-Signature header is required");
  }
  const entries = input.header.split(",");
  if (entries.length > ENTRIES_MAX) return fail("malformed_signature", `Stripe-Signature has more than ${ENTRIES_MAX} entries`);
  let timestamp: string | null = null;
  const macs: Uint8Array[] = [];
  for (const entry of entries) {
    const equals = entry.indexOf("=");
    if (equals < 0) continue;
    const name = entry.slice(0, equals).trim();
    const value = entry.slice(equals + 1).trim();
    if (name === "t") timestamp = value;
    // v0 is Stripe's test-mode scheme and others may come: skipped, as Stripe's libraries do.
    if (name === "v1") {
      const mac = hexDecode(value);
      if (mac?.length === MAC_BYTES) macs.push(mac);
    }
  }
  if (timestamp === null || !/^\d{1,15}$/.test(timestamp)) {
    return fail("malformed_signature", 'Stripe-Signature must carry "t=<unix seconds>"');
  }
  if (macs.length === 0) return fail("malformed_signature", 'Stripe-Signature holds no "v1=<hex HMAC-SHA256>" entry');
  const tolerance_s = input.tolerance_s ?? STRIPE_TOLERANCE_S;
  const age_s = Math.floor(input.now_ms / 1000) - Number(timestamp);
  if (age_s > tolerance_s) {
    return fail("timestamp_out_of_tolerance", `Stripe-Signature timestamp is stale: ${age_s} s old, tolerance is ${tolerance_s} s`);
  }
  const message = concatBytes(utf8(`${timestamp}.`), input.body);
  for (const secret of input.secrets) {
    const expected = await hmacSha256(utf8(secret), message, input.hmac);
    if (macs.some((mac) => equalConstantTime(mac, expected))) return ok(undefined);
  }
  return fail("signature_mismatch", "no v1 signature in Stripe-Signature matches a secret of this source");
}
