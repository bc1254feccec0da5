/**
 * Adyen standard notification webhooks (https://docs.adyen.com/development-resources/webhooks/verify-hmac-signatures):
 * every NotificationRequestItem carries `additionalData.hmacSignature`, the base64 HMAC-SHA256,
 * keyed with the hex-decoded HMAC key, of
 * `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`
 * (absent fields as empty strings). Optional Basic auth guards the whole request.
 *
 * Problem codes: `missing_credentials`, `invalid_credentials`, `missing_signature`,
 * `malformed_signature`, `signature_mismatch`.
 */
import { fail, ok, type Result } from "../../core/result.ts";
import { base64Decode, equalConstantTime, hexDecode, hmacSha256, utf8 } from "../hmac.ts";
import type { HmacSha256 } from "../standard-webhooks.ts";

type Fields = Record<string, any>;

/** The colon-joined string Adyen signs. */
export function adyenSignedContent(item: Fields): string {
  const text = (value: unknown) => (value === undefined || value === null ? "" : String(value));
  return [
    item.pspReference,
    item.originalReference,
    item.merchantAccountCode,
    item.merchantReference,
    item.amount?.value,
    item.amount?.currency,
    item.eventCode,
    item.success,
  ]
    .map(text)
    .join(":");
}

export async function verifyAdyenItem(item: Fields, index: number, keys: readonly string[], hmac?: HmacSha256): Promise<Result<void>> {
  const signature = item.additionalData?.hmacSignature;
  const where = `notificationItems[${index}] (pspReference ${JSON.stringify(item.pspReference)})`;
  if (typeof signature !== "string" || signature === "") return fail("missing_signature", `${where} has no additionalData.hmacSignature`);
  const mac = base64Decode(signature);
  if (mac === undefined || mac.length !== 32) return fail("malformed_signature", `${where} additionalData.hmacSignature is not a base64 HMAC-SHA256`);
  const message = utf8(adyenSignedContent(item));
  for (const key of keys) {
    const expected = await hmacSha256(hexDecode(key)!, message, hmac);
    if (equalConstantTime(mac, expected)) return ok(undefined);
  }
  return fail("signature_mismatch", `${where} hmacSignature matches no HMAC key of this source`);
}

/** `Authorization: Basic base64(user:password)` against the source's `user:password`. */
export function verifyBasicAuth(header: string | null, expected: string): Result<void> {
  if (header === null) return fail("missing_credentials", "this source requires Basic auth (the Authorization header)");
  const match = /^Basic\s+(\S+)$/i.exec(header.trim());
  const decoded = match ? base64Decode(match[1]!) : undefined;
  if (decoded === undefined) return fail("invalid_credentials", "the Authorization header is not Basic credentials");
  if (!equalConstantTime(decoded, utf8(expected))) return fail("invalid_credentials", "the Basic auth credentials do not match this source");
  return ok(undefined);
}
