/** Typed access to the payment actor's rows (layout in storage-layout.ts). Synchronous throughout. */
import { initialPaymentState, type PaymentState } from "../../src/core/payment.ts";
import type { SinkRows } from "../../src/core/postgres-rows.ts";
import type { ActorStorage } from "../runtime.ts";
import {
  initialMeta,
  KEY_META,
  KEY_STATE,
  numbered,
  PREFIX_DEAD,
  PREFIX_HELD,
  PREFIX_INBOX,
  PREFIX_OUTBOX,
  PREFIX_SEEN,
  type ActorMeta,
  type DeadLetter,
  type HeldMessage,
  type InboxMessage,
  type OutboxEntry,
} from "./storage-layout.ts";

const PAGE_SIZE = 256;

/** A state as stored: before `pending_transfer` had its name, it was stored as `hold`. */
type StoredPaymentState = PaymentState | (Omit<PaymentState, "pending_transfer"> & { hold: PaymentState["pending_transfer"] });

function storedState(stored: StoredPaymentState | undefined): PaymentState | undefined {
  if (stored === undefined || "pending_transfer" in stored) return stored;
  const { hold, ...rest } = stored;
  return { ...rest, pending_transfer: hold };
}

/**
 * A held message or an event's dead letter as stored: before `inbox_message` had its name, it
 * was stored as `message` (a poison record's dead letter never had one: it holds `record`).
 */
function withInboxMessage<Row extends object>(stored: Row): Row {
  if (!("message" in stored) || "inbox_message" in stored) return stored;
  const { message, ...rest } = stored as Row & { message: InboxMessage };
  return { ...rest, inbox_message: message } as unknown as Row;
}

/**
 * `state` and `meta` are read several times per message, so they are cached here, written
 * through; so are the inbox messages and outbox entries this instance wrote, by key, since
 * each is read back as the head soon after it is written (point reads and JSON parses that
 * were about 6% of the Bun host's actor thread). Safe because the actor is the only writer of
 * its rows, and its inbox and outbox rows are written only here; a transaction that throws
 * drops the caches, since its writes were undone.
 */
export class ActorStore {
  private state_cached: PaymentState | undefined;
  /** null: known to be absent. */
  private meta_cached: ActorMeta | null | undefined;
  private readonly inbox_written = new Map<string, InboxMessage>();
  private readonly outbox_written = new Map<string, OutboxEntry>();
  /**
   * Every seen id, when this instance found the actor without a row (no meta, no row at all:
   * meta is written with every seen id) and wrote each one since; null when not known.
   */
  private seen_ids: Set<string> | null = null;

  constructor(
    readonly storage: ActorStorage,
    readonly payment_id: string,
  ) {}

  transaction<T>(fn: () => T): T {
    try {
      return this.storage.transaction(fn);
    } catch (error) {
      this.forgetCached();
      throw error;
    }
  }

  /** The current state; treat it as immutable (changes go through putState). */
  state(): PaymentState {
    this.state_cached ??= storedState(this.storage.get<StoredPaymentState>(KEY_STATE)) ?? initialPaymentState(this.payment_id);
    return this.state_cached;
  }

  /** Whether any event of this payment was ever accepted. */
  exists(): boolean {
    return this.storedMeta() !== null;
  }

  /** Deletes every row of the actor, in pages; call inside a transaction. */
  deleteAll(): void {
    for (;;) {
      const page = this.storage.list<unknown>({ prefix: "", limit: PAGE_SIZE });
      for (const [key] of page) this.storage.delete(key);
      if (page.length < PAGE_SIZE) break;
    }
    this.forgetCached();
    this.meta_cached = null;
  }

  private forgetCached(): void {
    this.state_cached = undefined;
    this.meta_cached = undefined;
    this.inbox_written.clear();
    this.outbox_written.clear();
    this.seen_ids = null;
  }

  /** Whether the id was accepted by this actor before (its `seen:` row). */
  hasSeen(id: string): boolean {
    if (this.storedMeta() === null && this.seen_ids === null) this.seen_ids = new Set();
    if (this.seen_ids !== null) return this.seen_ids.has(id);
    return this.storage.get(PREFIX_SEEN + id) !== undefined;
  }

  /** Records an accepted id; the caller writes meta in the same transaction. */
  markSeen(id: string, at: number): void {
    this.storage.put(PREFIX_SEEN + id, at);
    this.seen_ids?.add(id);
  }

  putState(state: PaymentState): void {
    this.storage.put(KEY_STATE, state);
    this.state_cached = state;
  }

  /** A copy the caller may change and pass to putMeta. */
  meta(): ActorMeta {
    const meta = this.storedMeta();
    return meta === null ? initialMeta() : { ...meta };
  }

  putMeta(meta: ActorMeta): void {
    this.storage.put(KEY_META, meta);
    this.meta_cached = { ...meta };
  }

  private storedMeta(): ActorMeta | null {
    if (this.meta_cached === undefined) this.meta_cached = this.storage.get<ActorMeta>(KEY_META) ?? null;
    return this.meta_cached;
  }

  /**
   * The inbox head. Messages leave the inbox only from its head, so the inbox is the numbers
   * from `inbox_next - inbox_count` on, and the head is one point read (a range read cost
   * about six times as much); the range read stays as the fallback should a row be missing.
   */
  firstInbox(): InboxMessage | undefined {
    const meta = this.storedMeta();
    if (meta === null || meta.inbox_count === 0) return undefined;
    const key = numbered(PREFIX_INBOX, meta.inbox_next - meta.inbox_count);
    return (
      this.inbox_written.get(key) ??
      this.storage.get<InboxMessage>(key) ??
      this.storage.list<InboxMessage>({ prefix: PREFIX_INBOX, limit: 1 })[0]?.[1]
    );
  }

  appendInbox(meta: ActorMeta, message: Omit<InboxMessage, "number">): InboxMessage {
    const stored: InboxMessage = { ...message, number: meta.inbox_next };
    this.putInbox(stored);
    meta.inbox_next += 1;
    meta.inbox_count += 1;
    return stored;
  }

  /** Writes a message over the one of its number (its failed attempts, its next attempt). */
  putInbox(message: InboxMessage): void {
    const key = numbered(PREFIX_INBOX, message.number);
    this.storage.put(key, message);
    this.inbox_written.set(key, message);
  }

  removeInbox(meta: ActorMeta, number: number): void {
    const key = numbered(PREFIX_INBOX, number);
    this.storage.delete(key);
    this.inbox_written.delete(key);
    meta.inbox_count -= 1;
  }

  /**
   * The oldest outbox entries, at most `limit`. Like the inbox, the outbox leaves only from
   * its head, so its entries are the numbers from `outbox_next - outbox_count` on: point
   * reads, with the range read as the fallback should one be missing.
   */
  outboxHead(limit: number): Array<[string, OutboxEntry]> {
    const meta = this.storedMeta();
    if (meta === null || meta.outbox_count === 0) return [];
    const first = meta.outbox_next - meta.outbox_count;
    const page: Array<[string, OutboxEntry]> = [];
    for (let number = first; number < first + Math.min(limit, meta.outbox_count); number += 1) {
      const key = numbered(PREFIX_OUTBOX, number);
      const entry = this.outbox_written.get(key) ?? this.storage.get<OutboxEntry>(key);
      if (entry === undefined) return this.storage.list<OutboxEntry>({ prefix: PREFIX_OUTBOX, limit });
      page.push([key, entry]);
    }
    return page;
  }

  appendOutbox(meta: ActorMeta, rows: Partial<SinkRows>, now: number, accepted_at: number | null): void {
    const entry: OutboxEntry = accepted_at === null ? { created_at: now, rows } : { created_at: now, accepted_at, rows };
    const key = numbered(PREFIX_OUTBOX, meta.outbox_next);
    this.storage.put(key, entry);
    this.outbox_written.set(key, entry);
    meta.outbox_next += 1;
    meta.outbox_count += 1;
  }

  /** Deletes an outbox entry by its key (from outboxHead); the caller counts it out of `meta`. */
  removeOutbox(key: string): void {
    this.storage.delete(key);
    this.outbox_written.delete(key);
  }

  deadLetter(event_id: string): DeadLetter | undefined {
    const stored = this.storage.get<DeadLetter>(PREFIX_DEAD + event_id);
    return stored === undefined ? undefined : withInboxMessage(stored);
  }

  deadLetters(limit?: number): Array<[string, DeadLetter]> {
    return this.all<DeadLetter>(PREFIX_DEAD, limit).map(([key, stored]) => [key, withInboxMessage(stored)]);
  }

  heldMessages(limit?: number): Array<[string, HeldMessage]> {
    return this.all<HeldMessage>(PREFIX_HELD, limit).map(([key, stored]) => [key, withInboxMessage(stored)]);
  }

  /** Every row under a prefix, read in pages (never trusting one list call to return all). */
  all<T>(prefix: string, limit = Number.POSITIVE_INFINITY): Array<[string, T]> {
    const rows: Array<[string, T]> = [];
    let after: string | undefined;
    while (rows.length < limit) {
      const page = this.storage.list<T>({ prefix, after, limit: Math.min(PAGE_SIZE, limit - rows.length) });
      rows.push(...page);
      if (page.length === 0 || page.length < PAGE_SIZE) break;
      after = page[page.length - 1]![0];
    }
    return rows;
  }
}
