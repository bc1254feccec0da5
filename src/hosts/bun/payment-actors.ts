/** PaymentActorsPort on the Bun host: direct calls into in-process actors. */
import type { BunActorSystem } from "../../../actors/bun/bun-actor-system.ts";
import type { PaymentActor } from "../../../actors/payment/payment-actor.ts";
import type { PaymentActorsPort } from "../../http/ports.ts";

/** `overloaded()`: the processing backlog is past its limit, so new events are refused. */
export function bunPaymentActors(system: BunActorSystem<PaymentActor>, overloaded: () => boolean): PaymentActorsPort {
  return {
    accept: async (event, source) => (overloaded() ? "overloaded" : system.get(event.payment_id).accept(event, source)),
    inspect: async (payment_id) => system.get(payment_id).inspect(),
    replay: (payment_id, event_id) => system.get(payment_id).replay(event_id),
    discard: (payment_id, event_id) => system.get(payment_id).discard(event_id),
    overrideFraud: (payment_id, decision, note) => system.get(payment_id).overrideFraud(decision, note),
  };
}
