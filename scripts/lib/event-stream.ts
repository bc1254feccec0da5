/**
 * Realistic payment event streams for the demo and the benchmark: full lifecycles with
 * partial refunds and disputes, failures and cancels, a card-testing burst that the default
 * fraud rules block, duplicates, and (optionally) shuffled order within a payment.
 */
import type { PaymentEvent } from "../../src/core/event.ts";

export interface StreamOptions {
  payments: number;
  /** Fraction of events sent twice. */
  duplicate_ratio?: number;
  /** Fraction of payments whose events are shuffled. */
  shuffle_ratio?: number;
  /** Adds one IP trying many cards (blocked by the default rules after 10 cards). */
  card_testing?: boolean;
  seed?: number;
  prefix?: string;
}

export function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const CURRENCIES = ["USD", "USD", "USD", "EUR", "EUR", "GBP", "JPY"];
const COUNTRIES = ["US", "US", "US", "DE", "FR", "GB", "JP"];

export function paymentLifecycle(payment_id: string, next: () => number, time: Date): PaymentEvent[] {
  const currency = CURRENCIES[Math.floor(next() * CURRENCIES.length)]!;
  const country = COUNTRIES[Math.floor(next() * COUNTRIES.length)]!;
  const amount = 500 + Math.floor(next() * 50_000);
  const data = {
    currency,
    merchant_id: `m_${1 + Math.floor(next() * 50)}`,
    customer_id: `c_${Math.floor(next() * 5_000)}`,
    card: { fingerprint: `fp_${Math.floor(next() * 1e9).toString(36)}`, country },
    ip: `198.51.${Math.floor(next() * 255)}.${Math.floor(next() * 255)}`,
    ip_country: next() < 0.03 ? "BR" : country,
  };
  let sequence = 0;
  const make = (type: PaymentEvent["type"], extra: Record<string, unknown> = {}): PaymentEvent => {
    sequence += 1;
    return {
      id: `evt_${payment_id}_${sequence}`,
      type,
      payment_id,
      sequence,
      occurred_at: new Date(time.getTime() + sequence * 1000).toISOString(),
      data: { ...data, ...extra },
    };
  };
  const roll = next();
  const created = make("payment.created", { amount });
  // A declined authorization: the provider reports the payment failed.
  if (roll < 0.04) return [created, dropUndefined(make("payment.failed", { amount: undefined }))];
  const events = [created, make("payment.authorized", { amount })];
  if (roll < 0.08) return [...events, make("payment.canceled")];
  const captured = next() < 0.2 ? Math.floor(amount * 0.8) : amount;
  const fee = Math.floor(captured * 0.029) + 30 > captured ? 0 : Math.floor(captured * 0.029) + 30;
  events.push(make("payment.captured", { amount: captured, fee }));
  if (roll < 0.2) events.push(make("payment.refunded", { amount: Math.floor(captured / 2) }));
  if (roll < 0.1) events.push(make("payment.refunded", { amount: captured - Math.floor(captured / 2) }));
  if (roll > 0.97) {
    events.push(make("payment.dispute.opened", { amount: captured }));
    events.push(make(next() < 0.5 ? "payment.dispute.won" : "payment.dispute.lost", { amount: captured }));
  }
  return events;
}

function dropUndefined(event: PaymentEvent): PaymentEvent {
  return { ...event, data: Object.fromEntries(Object.entries(event.data).filter(([, value]) => value !== undefined)) };
}

/** Card testing: one IP, many cards, small amounts. */
export function cardTestingBurst(prefix: string, cards: number, time: Date): PaymentEvent[] {
  return Array.from({ length: cards }, (_, index) => ({
    id: `evt_${prefix}_ct_${index}`,
    type: "payment.created" as const,
    payment_id: `${prefix}_ct_${index}`,
    occurred_at: time.toISOString(),
    data: {
      amount: 100,
      currency: "USD",
      merchant_id: "m_7",
      customer_id: `c_ct_${index}`,
      card: { fingerprint: `fp_ct_${index}`, country: "US" },
      ip: "203.0.113.66",
      ip_country: "US",
    },
  }));
}

/**
 * Events in sending order: payments interleave; within a payment, order is kept unless the
 * payment is picked for shuffling.
 */
export function eventStream(options: StreamOptions): PaymentEvent[] {
  const next = random(options.seed ?? 42);
  const prefix = options.prefix ?? `pay_${Date.now().toString(36)}`;
  const time = new Date();
  const lanes: PaymentEvent[][] = [];
  for (let index = 0; index < options.payments; index += 1) {
    const events = paymentLifecycle(`${prefix}_${index}`, next, time);
    if (next() < (options.shuffle_ratio ?? 0)) shuffle(events, next);
    lanes.push(events);
  }
  if (options.card_testing) for (const event of cardTestingBurst(prefix, 14, time)) lanes.push([event]);
  return withDuplicates(interleave(lanes, next), options.duplicate_ratio ?? 0, next);
}

/** One stream from per-payment lanes, each lane's order kept. */
export function interleave<T>(lanes: T[][], next: () => number): T[] {
  const stream: T[] = [];
  while (lanes.length > 0) {
    const lane = Math.floor(next() * lanes.length);
    stream.push(lanes[lane]!.shift()!);
    if (lanes[lane]!.length === 0) lanes.splice(lane, 1);
  }
  return stream;
}

/** Inserts `ratio` of the items again at random places (a provider redelivering). */
export function withDuplicates<T>(stream: T[], ratio: number, next: () => number): T[] {
  const duplicates = Math.floor(stream.length * ratio);
  for (let index = 0; index < duplicates; index += 1) {
    const original = stream[Math.floor(next() * stream.length)]!;
    stream.splice(Math.floor(next() * stream.length), 0, original);
  }
  return stream;
}

function shuffle<T>(items: T[], next: () => number): void {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(next() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
}
