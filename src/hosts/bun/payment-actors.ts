/** PaymentActorsPort on the Bun host: direct calls into in-process actors. */
import type { BunActorSystem } from "../../../actors/bun/bun-actor-system.ts";
import type { PaymentActor } from "../../../actors/payment/payment-actor.ts";
import type { PaymentActorsPort } from "../../http/ports.ts";
import type { BunIngress } from "./ingress.ts";

/**
 * Webhooks go through the ingress log; an operation on one payment first moves that payment's
 * pending events into its inbox. `overloaded()`: the backlog is past its limit, so new events
 * are refused (503) rather than queued without bound.
 */
export function bunPaymentActors(system: BunActorSystem<PaymentActor>, ingress: BunIngress, overloaded: () => boolean): PaymentActorsPort {
  const actor = (payment_id: string) => {
    ingress.drain(payment_id);
    return system.get(payment_id);
  };
  return {
    accept: async (event, source) => (overloaded() ? "overloaded" : ingress.accept(event, source)),
    inspect: async (payment_id) => actor(payment_id).inspect(),
    replay: (payment_id, event_id) => actor(payment_id).replay(event_id),
    discard: (payment_id, event_id) => actor(payment_id).discard(event_id),
    overrideFraud: (payment_id, decision, note) => actor(payment_id).overrideFraud(decision, note),
  };
}
