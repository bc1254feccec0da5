/**
 * The canonical payment event (DESIGN.md section 4). Parsing lives in event-parse.ts.
 * Money is integer minor units; JSON numbers are accepted only when they are safe integers.
 */
export const EVENT_TYPES = [
  "payment.created",
  "payment.authorized",
  "payment.captured",
  "payment.failed",
  "payment.canceled",
  "payment.refunded",
  "payment.dispute.opened",
  "payment.dispute.won",
  "payment.dispute.lost",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface CardData {
  fingerprint?: string;
  country?: string;
}

export interface EventData {
  amount?: number;
  currency?: string;
  merchant_id?: string;
  customer_id?: string;
  fee?: number;
  card?: CardData;
  ip?: string;
  ip_country?: string;
  /** Unknown fields are kept, so the event stored is the event received. */
  [field: string]: unknown;
}

export interface PaymentEvent {
  id: string;
  type: EventType;
  payment_id: string;
  sequence?: number;
  occurred_at: string;
  data: EventData;
}

/** Where a message came from, kept with it through retries and into the DLQ. */
export type MessageSource =
  | {
      kind: "webhook";
      source: string;
      /** webhook-id on standard sources; the provider's event id on provider sources. */
      webhook_id: string;
      /** Set on provider sources (stripe, adyen, ...): what the provider called this event. */
      provider?: string;
      provider_event_id?: string;
      provider_event_type?: string;
      /** The provider's own JSON for the event (for Adyen, its NotificationRequestItem). */
      provider_payload?: string;
    }
  | { kind: "kafka"; topic: string; partition: number; offset: string }
  | { kind: "replay"; original: MessageSource };

/** Events that post to the ledger; a blocked payment dead-letters them. */
export const MONEY_MOVING_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  "payment.authorized",
  "payment.captured",
  "payment.refunded",
  "payment.dispute.opened",
  "payment.dispute.won",
  "payment.dispute.lost",
]);

/** Event types whose `data.amount` and `data.currency` are required. */
export const AMOUNT_REQUIRED_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  "payment.created",
  "payment.authorized",
  "payment.captured",
  "payment.refunded",
  "payment.dispute.opened",
  "payment.dispute.won",
  "payment.dispute.lost",
]);
