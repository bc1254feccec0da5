/**
 * Building canonical events from provider payloads: every mapped event goes through the same
 * parseEvent as a canonical webhook body, so a provider mapping can never produce an event the
 * actor would not accept from anyone else.
 */
import type { MessageSource, PaymentEvent } from "../core/event.ts";
import { parseEvent } from "../core/event-parse.ts";
import { fail, ok, type Result } from "../core/result.ts";
import type { ProviderEvent } from "./provider.ts";
import type { ProviderKind } from "./webhook-sources.ts";

export interface Provenance {
  source: string;
  provider: ProviderKind;
  provider_event_id: string;
  provider_event_type: string;
  /** The provider's own JSON for this event, kept so that a fixed mapping can be replayed. */
  provider_payload: string;
}

export interface CanonicalFields {
  id: string;
  type: PaymentEvent["type"];
  payment_id: string;
  occurred_at: string;
  data: Record<string, unknown>;
}

/**
 * Fraud attributes come from fields the merchant controls (Stripe metadata) or the provider
 * fills loosely; a bad one is dropped, not refused, because a refused webhook is retried for
 * days and then disables the endpoint. What was dropped is kept in `data.attributes_dropped`.
 */
const OPTIONAL_ATTRIBUTES = [
  { path: "data.ip_country", field: "ip_country" },
  { path: "data.ip", field: "ip" },
  { path: "data.card", field: "card" },
  { path: "data.customer_id", field: "customer_id" },
] as const;

export function canonicalEvent(fields: CanonicalFields, provenance: Provenance): Result<ProviderEvent> {
  const data = withoutUndefined(fields.data);
  let parsed = parseEvent({ ...fields, data });
  for (let attempt = 0; !parsed.ok && attempt < OPTIONAL_ATTRIBUTES.length; attempt += 1) {
    const message = parsed.error.message;
    const attribute = OPTIONAL_ATTRIBUTES.find(({ path }) => message.startsWith(path));
    if (attribute === undefined) break;
    delete data[attribute.field];
    data.attributes_dropped = [...((data.attributes_dropped as string[] | undefined) ?? []), attribute.field];
    parsed = parseEvent({ ...fields, data });
  }
  if (!parsed.ok) {
    return fail(
      parsed.error.code,
      `${provenance.provider} event ${provenance.provider_event_id} (${provenance.provider_event_type}) maps to an invalid ${fields.type}: ${parsed.error.message}`,
    );
  }
  return ok({ event: parsed.value, source: webhookSource(provenance) });
}

function webhookSource(provenance: Provenance): MessageSource {
  return {
    kind: "webhook",
    source: provenance.source,
    webhook_id: provenance.provider_event_id,
    provider: provenance.provider,
    provider_event_id: provenance.provider_event_id,
    provider_event_type: provenance.provider_event_type,
    provider_payload: provenance.provider_payload,
  };
}

/** Unix seconds as RFC 3339 UTC. */
export function isoFromUnixSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

function withoutUndefined(data: Record<string, unknown>): Record<string, unknown> {
  const clean: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    if (value === undefined) continue;
    clean[field] = isPlainObject(value) ? withoutUndefined(value) : value;
  }
  return clean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Collects results, stopping at the first failure. */
export function collect(results: Array<Result<ProviderEvent>>): Result<ProviderEvent[]> {
  const events: ProviderEvent[] = [];
  for (const result of results) {
    if (!result.ok) return result;
    events.push(result.value);
  }
  return ok(events);
}
