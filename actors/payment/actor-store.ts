/** Typed access to the payment actor's rows (layout in records.ts). Synchronous throughout. */
import { initialPaymentState, type PaymentState } from "../../src/core/payment.ts";
import type { SinkRows } from "../../src/core/records.ts";
import type { ActorStorage } from "../runtime.ts";
import {
  initialMeta,
  KEY_META,
  KEY_STATE,
  numbered,
  PREFIX_INBOX,
  PREFIX_OUTBOX,
  type ActorMeta,
  type InboxMessage,
  type OutboxEntry,
} from "./records.ts";

const PAGE_SIZE = 256;

export class ActorStore {
  constructor(
    readonly storage: ActorStorage,
    readonly payment_id: string,
  ) {}

  state(): PaymentState {
    return this.storage.get<PaymentState>(KEY_STATE) ?? initialPaymentState(this.payment_id);
  }

  /** Whether any event of this payment was ever accepted. */
  exists(): boolean {
    return this.storage.get<ActorMeta>(KEY_META) !== undefined;
  }

  putState(state: PaymentState): void {
    this.storage.put(KEY_STATE, state);
  }

  meta(): ActorMeta {
    return this.storage.get<ActorMeta>(KEY_META) ?? initialMeta();
  }

  putMeta(meta: ActorMeta): void {
    this.storage.put(KEY_META, meta);
  }

  firstInbox(): InboxMessage | undefined {
    return this.storage.list<InboxMessage>({ prefix: PREFIX_INBOX, limit: 1 })[0]?.[1];
  }

  appendInbox(meta: ActorMeta, message: Omit<InboxMessage, "number">): InboxMessage {
    const stored: InboxMessage = { ...message, number: meta.inbox_next };
    this.storage.put(numbered(PREFIX_INBOX, stored.number), stored);
    meta.inbox_next += 1;
    meta.inbox_count += 1;
    return stored;
  }

  removeInbox(meta: ActorMeta, number: number): void {
    this.storage.delete(numbered(PREFIX_INBOX, number));
    meta.inbox_count -= 1;
  }

  appendOutbox(meta: ActorMeta, rows: Partial<SinkRows>, now: number): void {
    const entry: OutboxEntry = { created_at: now, rows };
    this.storage.put(numbered(PREFIX_OUTBOX, meta.outbox_next), entry);
    meta.outbox_next += 1;
    meta.outbox_count += 1;
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
