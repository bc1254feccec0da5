/**
 * One interface for every webhook provider: verify the request, then map its raw body to zero
 * or more canonical events, each with the source it came from. A new provider is one module
 * implementing this and one mapping table in the README.
 *
 * - `verify` failures are answered 401 (a missing, malformed, stale or non-matching signature).
 * - `map` failures are answered 400, or 415 for `unsupported_content_type`: the payload is not
 *   what the provider sends. A provider event type that is not mapped is NOT a failure: it is
 *   listed in `ignored` and acknowledged, because providers retry refused webhooks for days
 *   and then disable the endpoint.
 * - Canonical event ids are derived deterministically from the provider's own ids, so a
 *   redelivered provider event is a duplicate for the actor, however late it comes.
 */
import type { MessageSource, PaymentEvent } from "../core/event.ts";
import type { Result } from "../core/result.ts";
import type { JsonLimits } from "./json-limits.ts";
import type { HmacSha256 } from "./standard-webhooks.ts";
import type { ProviderKind, WebhookSource } from "./webhook-sources.ts";

export interface ProviderRequest {
  /** A request header, or null when absent (names are case-insensitive). */
  header(name: string): string | null;
  /** The raw body: signatures cover these exact bytes. */
  body: Uint8Array;
  now_ms: number;
  hmac?: HmacSha256;
  /** The host's JSON_DEPTH_MAX, JSON_STRING_LENGTH_MAX, JSON_KEYS_PER_OBJECT_MAX; absent: the defaults. */
  json_limits?: JsonLimits;
}

export interface ProviderEvent {
  event: PaymentEvent;
  source: MessageSource;
}

export interface IgnoredProviderEvent {
  provider_event_id: string;
  provider_event_type: string;
  /** Why nothing was applied: `unmapped_type`, or a reason specific to the payload. */
  reason: string;
  detail: string;
}

export interface ProviderMapping {
  /** In the order they must be accepted (an implied authorization before its capture). */
  events: ProviderEvent[];
  ignored: IgnoredProviderEvent[];
}

/** What the provider expects back once every event is durable. */
export interface Acknowledgement {
  status: 200 | 202;
  content_type: string;
  body: string;
}

export type DeliveryOutcome = "accepted" | "duplicate" | "ignored";

export interface WebhookProvider {
  readonly kind: ProviderKind;
  verify(request: ProviderRequest, source: WebhookSource): Promise<Result<void>>;
  map(request: ProviderRequest, source: WebhookSource): Result<ProviderMapping>;
  acknowledge(outcome: DeliveryOutcome, events: number): Acknowledgement;
}

/** The JSON acknowledgement of standard, Stripe and Checkout.com sources. */
export function jsonAcknowledgement(outcome: DeliveryOutcome, events: number, with_count: boolean): Acknowledgement {
  return {
    status: 202,
    content_type: "application/json",
    body: JSON.stringify(with_count ? { status: outcome, events } : { status: outcome }),
  };
}
