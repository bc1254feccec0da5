/**
 * Admission facts the HTTP thread can know without reading the actors' storage: those of a
 * payment that had no row at all, and nothing in the ingress log, when this thread first
 * admitted an event for it. Every id such a payment holds since was admitted here, so the
 * ids remembered are exactly its seen ids, and their count bounds both its waiting messages
 * and its dead letters (each admitted message becomes at most one of either).
 *
 * Two point reads of the actors' storage per event (meta, then seen) were a quarter of the
 * HTTP thread's time under sustained load: every commit of the actor thread empties the
 * reading connection's page cache. Realistic lifecycles send most events to payments that
 * began moments earlier, and for those the answer now comes from here.
 *
 * Kept for at most `age_ms_max` (far inside the 31-day minimum of FINISHED_RETENTION_DAYS, after
 * which a finished payment's rows leave) and for the newest `payments_max` payments; anything
 * else is read as before.
 */
import { FifoMap } from "../../../actors/bun/fifo-map.ts";
import { admission, type AdmissionLimits, type AcceptOutcome } from "../../../actors/payment/admission.ts";

export interface FreshPaymentsLimits {
  payments_max: number;
  age_ms_max: number;
}

const DEFAULT_FRESH_PAYMENTS_LIMITS: FreshPaymentsLimits = { payments_max: 100_000, age_ms_max: 10 * 60_000 };

interface FreshPayment {
  since_ms: number;
  ids: Set<string>;
}

export class FreshPayments {
  private readonly payments = new FifoMap<string, FreshPayment>();

  constructor(
    private readonly now: () => number,
    private readonly limits: FreshPaymentsLimits = DEFAULT_FRESH_PAYMENTS_LIMITS,
  ) {}

  /**
   * The outcome for `id`, when the facts remembered settle it: a duplicate, or accepted with
   * every limit out of reach. Null when the storage must be read.
   */
  admission(actor: string, id: string, limits: AdmissionLimits, kind: "event" | "dead_letter"): AcceptOutcome | null {
    this.expire();
    const payment = this.payments.get(actor);
    if (payment === undefined) return null;
    const bound = payment.ids.size;
    const outcome = admission({ seen: payment.ids.has(id), waiting: bound, dead_letters: bound }, limits, kind);
    return outcome === "accepted" || outcome === "duplicate" ? outcome : null;
  }

  /** The payment has no row in the actors' storage and nothing in the ingress log. */
  born(actor: string): void {
    this.payments.add(actor, { since_ms: this.now(), ids: new Set() });
  }

  /** `id` of `actor` was appended to the ingress log. */
  admitted(actor: string, id: string): void {
    this.payments.get(actor)?.ids.add(id);
  }

  /** An append was rolled back: what was remembered may name an id that is not held. */
  forgetAll(): void {
    this.payments.clear();
  }

  private expire(): void {
    const oldest_allowed = this.now() - this.limits.age_ms_max;
    for (let first = this.payments.first(); first !== undefined; first = this.payments.first()) {
      if (this.payments.size <= this.limits.payments_max && first[1].since_ms >= oldest_allowed) return;
      this.payments.delete(first[0]);
    }
  }
}
