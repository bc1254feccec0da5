/** The payment state machine of DESIGN.md section 4, as data. */
import type { EventType } from "./event.ts";
import type { PaymentStatus } from "./payment.ts";

type From = PaymentStatus | null;

/** The statuses each event type may be applied from (null: the payment has no status yet). */
export const VALID_FROM: Record<EventType, readonly From[]> = {
  "payment.created": [null],
  "payment.authorized": [null, "created"],
  "payment.captured": ["authorized"],
  "payment.failed": ["created", "authorized"],
  "payment.canceled": ["created", "authorized"],
  "payment.refunded": ["captured", "partially_refunded"],
  "payment.dispute.opened": ["captured", "partially_refunded", "refunded"],
  "payment.dispute.won": ["disputed"],
  "payment.dispute.lost": ["disputed"],
};

/** Statuses one event can lead to from each status; terminal statuses lead nowhere. */
const NEXT: Record<PaymentStatus | "none", readonly PaymentStatus[]> = {
  none: ["created", "authorized"],
  created: ["authorized", "failed", "canceled"],
  authorized: ["captured", "failed", "canceled"],
  captured: ["partially_refunded", "refunded", "disputed"],
  partially_refunded: ["partially_refunded", "refunded", "disputed"],
  refunded: ["disputed"],
  disputed: ["dispute_won", "dispute_lost"],
  failed: [],
  canceled: [],
  dispute_won: [],
  dispute_lost: [],
  blocked: [],
};

export function isValidFrom(type: EventType, status: From): boolean {
  return VALID_FROM[type].includes(status);
}

/**
 * Whether some later events could bring the payment from `status` to a status where `type`
 * applies. If so, an event that does not apply yet is held; if not, no later event can fix
 * it and it goes to the DLQ.
 */
export function couldApplyLater(type: EventType, status: From): boolean {
  const seen = new Set<PaymentStatus | "none">();
  const queue: Array<PaymentStatus | "none"> = [status ?? "none"];
  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const next of NEXT[current]) {
      if (seen.has(next)) continue;
      if (isValidFrom(type, next)) return true;
      seen.add(next);
      queue.push(next);
    }
  }
  return false;
}

export function isTerminal(status: From): boolean {
  return status !== null && NEXT[status].length === 0 && status !== "blocked";
}
