/**
 * Admission: whether a payment actor accepts a message. The one place this is decided, on
 * every host and for every ingress (webhooks, providers, Kafka):
 *
 *   duplicate          the event id was accepted before: acknowledged, changes nothing
 *   inbox_full         the payment has too many events waiting (429: retry later)
 *   dead_letters_full  the payment has too many dead letters waiting for an operator (429)
 *   accepted           anything else
 *
 * A poison Kafka record of a known payment is admitted the same way into the payment's dead
 * letters (kind `dead_letter`, by its `kafka:...` id): it never enters the inbox, so only the
 * inbox limit does not apply to it.
 *
 * A host that acknowledges inside the actor (Cloudflare) admits in `PaymentActor.accept`. A
 * host that acknowledges in front of it (the Bun host's ingress log) reads the same facts
 * from the actor's storage with `readAdmissionFacts`, adds what it holds itself, and hands the
 * admitted message over with `PaymentActor.deliver`.
 */
import type { ActorStorage } from "../runtime.ts";
import type { PaymentActorLimits } from "./limits.ts";
import { KEY_META, PREFIX_SEEN, type ActorMeta } from "./storage-layout.ts";

export type AcceptOutcome = "accepted" | "duplicate" | "inbox_full" | "dead_letters_full";

export interface AdmissionFacts {
  /** The event id was accepted by this actor before. */
  seen: boolean;
  /** Messages waiting in the actor's inbox, plus any the host holds for it in front of the actor. */
  waiting: number;
  dead_letters: number;
}

export type AdmissionLimits = Pick<PaymentActorLimits, "inbox_messages_max" | "dead_letters_max">;

export function admission(facts: AdmissionFacts, limits: AdmissionLimits, kind: "event" | "dead_letter" = "event"): AcceptOutcome {
  if (facts.seen) return "duplicate";
  if (kind === "event" && facts.waiting >= limits.inbox_messages_max) return "inbox_full";
  if (facts.dead_letters >= limits.dead_letters_max) return "dead_letters_full";
  return "accepted";
}

/**
 * What admission needs from an actor's storage: reads only, so any reader of it may ask.
 * `stored` says whether the actor holds any row at all.
 */
export function readAdmissionFacts(storage: Pick<ActorStorage, "get">, event_id: string): AdmissionFacts & { stored: boolean } {
  const meta = storage.get<ActorMeta>(KEY_META);
  // No meta, no row at all: the first event of a payment costs one read, not two.
  if (meta === undefined) return { seen: false, waiting: 0, dead_letters: 0, stored: false };
  return {
    seen: storage.get(PREFIX_SEEN + event_id) !== undefined,
    waiting: meta.inbox_count ?? 0,
    dead_letters: meta.dead_letter_count ?? 0,
    stored: true,
  };
}
