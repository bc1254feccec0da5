/** Builders for canonical events in tests. */
import type { EventType, PaymentEvent } from "../../src/core/event.ts";

let counter = 0;

export function event(
  type: EventType,
  payment_id: string,
  data: PaymentEvent["data"] = {},
  extra: Partial<PaymentEvent> = {},
): PaymentEvent {
  counter += 1;
  return {
    id: extra.id ?? `evt_${payment_id}_${type.replace("payment.", "")}_${counter}`,
    type,
    payment_id,
    occurred_at: "2026-11-21T10:00:00Z",
    data: { currency: "USD", merchant_id: "m_1", ...data },
    ...extra,
  };
}

/** A full lifecycle: created, authorized A, captured C with fee F, refunded R. */
export function lifecycle(payment_id: string, amounts = { authorized: 5000, captured: 4000, fee: 120, refunded: 1000 }) {
  return [
    event("payment.created", payment_id, { amount: amounts.authorized, customer_id: "c_1" }),
    event("payment.authorized", payment_id, { amount: amounts.authorized }),
    event("payment.captured", payment_id, { amount: amounts.captured, fee: amounts.fee }),
    event("payment.refunded", payment_id, { amount: amounts.refunded }),
  ];
}
