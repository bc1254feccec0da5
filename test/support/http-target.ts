/**
 * A running host as the HTTP behaviour suite sees it (test/http/http-suite.ts): a base URL,
 * the credentials to call it, and a way to stop it. Nothing here knows which host it is, so
 * the same cases run against the Bun host in-process and against workerd over the network.
 *
 * Signing is written out here from the Standard Webhooks specification rather than taken
 * from src/ingest, so that a mistake shared by our signer and our verifier cannot pass.
 */
import type { ProviderCredentials } from "./provider-sources.ts";

export interface HttpTarget {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The value of `Authorization: Bearer ...` for admin routes. */
  admin_token: string;
  /** A valid `whsec_...` secret of the webhook source `dev`. */
  webhook_secret: string;
  /**
   * Another valid secret of source `dev`, listed before `webhook_secret`: every runner
   * configures a rotation in progress, WEBHOOK_SECRETS `{"dev": [previous, webhook_secret]}`.
   */
  webhook_secret_previous: string;
  /** The Stripe, Adyen and Checkout.com sources the runner configured (provider-sources.ts). */
  providers: ProviderCredentials;
  /** The host's BODY_BYTES_MAX (its default is 256 KiB). */
  body_bytes_max: number;
  /**
   * The host's HOLD_TIMEOUT_MS. Runners configure it short (about a second), so a held event
   * times out into the DLQ well within the suite's bounded waits.
   */
  hold_timeout_ms: number;
  stop(): Promise<void>;
}

export const WEBHOOK_SOURCE = "dev";
/** Every request is bounded, so a hung host fails a case instead of the whole run. */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface SignedRequestOptions {
  /** Defaults to WEBHOOK_SOURCE. */
  source?: string;
  /** Defaults to the target's webhook_secret. */
  secret?: string;
  /** webhook-id; a fresh one by default. */
  id?: string;
  /** webhook-timestamp in unix seconds; now by default. */
  timestamp_s?: number;
  /** Replaces the computed webhook-signature header. */
  signature?: string;
  /** Sent instead of the signed body (a body changed after signing). */
  sent_body?: Uint8Array | string;
  /** Defaults to application/json; null sends none. */
  content_type?: string | null;
  /** Leaves these signature headers out. */
  omit?: Array<"webhook-id" | "webhook-timestamp" | "webhook-signature">;
}

/** POSTs `body` to `/webhooks/:source`, signed as a Standard Webhooks sender would. */
export async function sendSigned(
  target: HttpTarget,
  body: Uint8Array | string | object,
  options: SignedRequestOptions = {},
): Promise<Response> {
  const bytes = bodyBytes(body);
  const id = options.id ?? `msg_${crypto.randomUUID()}`;
  const timestamp_s = options.timestamp_s ?? Math.floor(Date.now() / 1000);
  const signature =
    options.signature ?? (await signatureOf(options.secret ?? target.webhook_secret, id, timestamp_s, bytes));
  const headers = new Headers({ "webhook-id": id, "webhook-timestamp": String(timestamp_s), "webhook-signature": signature });
  for (const name of options.omit ?? []) headers.delete(name);
  const content_type = options.content_type === undefined ? "application/json" : options.content_type;
  if (content_type !== null) headers.set("content-type", content_type);
  const sent = options.sent_body === undefined ? bytes : bodyBytes(options.sent_body);
  return fetch(`${target.url}/webhooks/${options.source ?? WEBHOOK_SOURCE}`, {
    method: "POST",
    headers,
    body: sent,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the key a `whsec_<base64>` secret holds. */
export async function signatureOf(secret: string, id: string, timestamp_s: number, body: Uint8Array): Promise<string> {
  if (!secret.startsWith("whsec_")) throw new Error('a webhook secret starts with "whsec_"');
  const key_bytes = Uint8Array.from(atob(secret.slice("whsec_".length)), (character) => character.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", key_bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const prefix = new TextEncoder().encode(`${id}.${timestamp_s}.`);
  const message = new Uint8Array(prefix.length + body.length);
  message.set(prefix, 0);
  message.set(body, prefix.length);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  return `v1,${btoa(String.fromCharCode(...mac))}`;
}

/** A fresh `whsec_` secret that no host knows. */
export function randomWebhookSecret(): string {
  return `whsec_${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(24))))}`;
}

function bodyBytes(body: Uint8Array | string | object): Uint8Array<ArrayBuffer> {
  if (body instanceof Uint8Array) return new Uint8Array(body);
  return new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body));
}
