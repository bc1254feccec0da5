/**
 * The suite's probe: a tiny actor written only against `actors/runtime.ts`, shaped like the
 * payment actor (durable inbox, acknowledgement after sync(), an alarm-driven run loop that
 * commits each message in one transaction and re-arms when it ends), with knobs that make
 * the host's guarantees observable:
 *
 *   work_ms        an await between reading the inbox head and committing it, the place
 *                  where another writer could slip in on a host that breaks serialization
 *   fail_times     processing throws that many times (after writing, inside the
 *                  transaction) before it succeeds; each failure is retried by the alarm
 *   not_before_ms  the message is due that long after its acceptance (an alarm in the future)
 *   amount         added to a running sum, read before the await and checked at the commit
 *
 * Rows: meta, seen:{id} (dedupe), inbox:{n} (accepted, by acceptance number), done:{k} (the
 * k-th message processed), and free rows under any other prefix for storage cases.
 */
import type { ActorContext } from "../../actors/runtime.ts";

export interface ProbeMessage {
  id: string;
  amount?: number;
  work_ms?: number;
  fail_times?: number;
  not_before_ms?: number;
}

export interface ProbeAck {
  outcome: "accepted" | "duplicate";
  /** The acceptance number of the message (of the original, for a duplicate). */
  number: number;
}

export interface ProcessedEntry {
  /** Position in processing order, from 1. */
  position: number;
  /** Acceptance number. */
  number: number;
  id: string;
  /** Failed attempts before the one that succeeded. */
  failed_attempts: number;
}

export interface ProbeState {
  accepted: number;
  processed: ProcessedEntry[];
  inbox: Array<{ number: number; id: string; attempts: number; due_at: number }>;
  sum: number;
  failures: number;
  /** Commits that found the state changed since their read: must stay 0. */
  interleavings: number;
  /** Commits that found their message gone from the inbox head: must stay 0. */
  stale: number;
  alarm: number | null;
}

export type ProbeRequest =
  | { op: "send"; message: ProbeMessage }
  | { op: "state" }
  /** Runs the alarm handler from inside the actor, as a duplicate or early firing would. */
  | { op: "fire" }
  /** Puts each key (value: the key and `value`) in one transaction, then syncs. */
  | { op: "put"; keys: string[]; value?: unknown }
  | { op: "get"; keys: string[] }
  | { op: "list"; prefix: string; after?: string; limit: number }
  /** Transactions in a row, then one sync: a `throws` transaction puts its keys and throws. */
  | { op: "transactions"; transactions: Array<{ keys: string[]; value: unknown; throws?: boolean }> };

export interface TransactionsAnswer {
  /** Per transaction: null, or the message of the error it threw. */
  errors: Array<string | null>;
  /** Per transaction: whether its own writes were visible inside it before it threw. */
  saw_own_writes: boolean[];
}

export const PROBE_RETRY_MS = 20;

interface Meta {
  next: number;
  accepted: number;
  inbox_count: number;
  processed: number;
  sum: number;
  failures: number;
  interleavings: number;
  stale: number;
}

interface InboxEntry {
  number: number;
  message: ProbeMessage;
  attempts: number;
  due_at: number;
}

const PAGE = 100;

function numbered(prefix: string, n: number): string {
  return prefix + String(n).padStart(12, "0");
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ProbeActor {
  private processing = false;
  private process_again = false;

  constructor(private readonly context: ActorContext) {}

  async handle(request: ProbeRequest): Promise<unknown> {
    switch (request.op) {
      case "send":
        return this.accept(request.message);
      case "state":
        return this.state();
      case "fire":
        await this.alarm();
        return null;
      case "put": {
        const storage = this.context.storage;
        storage.transaction(() => {
          for (const key of request.keys) storage.put(key, { key, value: request.value ?? null });
        });
        await storage.sync();
        return null;
      }
      case "get":
        return request.keys.map((key) => this.context.storage.get(key) ?? null);
      case "list":
        return this.context.storage
          .list({ prefix: request.prefix, after: request.after, limit: request.limit })
          .map(([key]) => key);
      case "transactions":
        return this.transactions(request.transactions);
    }
  }

  /** Appends to the inbox and answers once durable (DESIGN.md section 3, step 1). */
  async accept(message: ProbeMessage): Promise<ProbeAck> {
    const storage = this.context.storage;
    const ack = storage.transaction((): ProbeAck => {
      const seen = storage.get<number>("seen:" + message.id);
      if (seen !== undefined) return { outcome: "duplicate", number: seen };
      const meta = this.meta();
      const now = this.context.now();
      const number = meta.next;
      meta.next += 1;
      meta.accepted += 1;
      meta.inbox_count += 1;
      const due_at = now + (message.not_before_ms ?? 0);
      storage.put("seen:" + message.id, number);
      storage.put(numbered("inbox:", number), { number, message, attempts: 0, due_at } satisfies InboxEntry);
      storage.put("meta", meta);
      const alarm = this.context.alarm.get();
      if (alarm === null || alarm > due_at) this.context.alarm.set(due_at);
      return { outcome: "accepted", number };
    });
    await storage.sync();
    return ack;
  }

  /** The alarm handler: idempotent, never throws on its own, re-arms when it ends. */
  async alarm(): Promise<void> {
    try {
      await this.process();
    } finally {
      this.rearm();
    }
  }

  idle(): boolean {
    return !this.processing;
  }

  private async process(): Promise<void> {
    if (this.processing) {
      this.process_again = true;
      return;
    }
    this.processing = true;
    try {
      do {
        this.process_again = false;
        while (await this.processNext()) {}
      } while (this.process_again);
    } finally {
      this.processing = false;
    }
  }

  private async processNext(): Promise<boolean> {
    const head = this.head();
    if (!head || head.due_at > this.context.now()) return false;
    const read = this.meta();
    if (head.message.work_ms) await delay(head.message.work_ms);
    const storage = this.context.storage;
    try {
      storage.transaction(() => {
        const current = this.head();
        const meta = this.meta();
        if (!current || current.number !== head.number) {
          meta.stale += 1;
          storage.put("meta", meta);
          return;
        }
        if (meta.sum !== read.sum || meta.processed !== read.processed) meta.interleavings += 1;
        meta.processed += 1;
        meta.sum += current.message.amount ?? 0;
        meta.inbox_count -= 1;
        storage.put(numbered("done:", meta.processed), {
          position: meta.processed,
          number: current.number,
          id: current.message.id,
          failed_attempts: current.attempts,
        } satisfies ProcessedEntry);
        storage.delete(numbered("inbox:", current.number));
        storage.put("meta", meta);
        // Fails after writing: the transaction must take all of it back.
        if (current.attempts < (current.message.fail_times ?? 0)) {
          throw new Error(`probe: ${current.message.id} fails on attempt ${current.attempts + 1}`);
        }
      });
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("probe:")) throw error;
      storage.transaction(() => {
        const current = this.head();
        if (!current || current.number !== head.number) return;
        const meta = this.meta();
        meta.failures += 1;
        storage.put("meta", meta);
        const retry: InboxEntry = { ...current, attempts: current.attempts + 1, due_at: this.context.now() + PROBE_RETRY_MS };
        storage.put(numbered("inbox:", current.number), retry);
      });
    }
    return true;
  }

  /** Sets the alarm to the inbox head's due time, or clears it when the inbox is empty. */
  private rearm(): void {
    const meta = this.meta();
    let due: number | null = null;
    // A loop that is running re-arms when it ends.
    if (meta.inbox_count > 0 && !this.processing) due = this.head()?.due_at ?? null;
    const alarm = this.context.alarm;
    if (due === null) {
      // Even when get() says none: a host may keep the stored time of a fired alarm until
      // told, so that a crash mid-handler wakes the actor again (actors/bun does).
      if (!this.processing) alarm.delete();
    } else if (alarm.get() !== due) {
      alarm.set(due);
    }
  }

  private state(): ProbeState {
    const meta = this.meta();
    return {
      accepted: meta.accepted,
      processed: this.all<ProcessedEntry>("done:").map(([, entry]) => entry),
      inbox: this.all<InboxEntry>("inbox:").map(([, entry]) => ({
        number: entry.number,
        id: entry.message.id,
        attempts: entry.attempts,
        due_at: entry.due_at,
      })),
      sum: meta.sum,
      failures: meta.failures,
      interleavings: meta.interleavings,
      stale: meta.stale,
      alarm: this.context.alarm.get(),
    };
  }

  private async transactions(list: Array<{ keys: string[]; value: unknown; throws?: boolean }>): Promise<TransactionsAnswer> {
    const storage = this.context.storage;
    const answer: TransactionsAnswer = { errors: [], saw_own_writes: [] };
    for (const transaction of list) {
      let saw = true;
      try {
        storage.transaction(() => {
          for (const key of transaction.keys) storage.put(key, { key, value: transaction.value });
          for (const key of transaction.keys) {
            const value = storage.get<{ value: unknown }>(key);
            if (JSON.stringify(value?.value) !== JSON.stringify(transaction.value)) saw = false;
          }
          if (transaction.throws) throw new Error("probe: this transaction throws");
        });
        answer.errors.push(null);
      } catch (error) {
        answer.errors.push(error instanceof Error ? error.message : String(error));
      }
      answer.saw_own_writes.push(saw);
    }
    await storage.sync();
    return answer;
  }

  private head(): InboxEntry | undefined {
    return this.context.storage.list<InboxEntry>({ prefix: "inbox:", limit: 1 })[0]?.[1];
  }

  private meta(): Meta {
    return (
      this.context.storage.get<Meta>("meta") ?? {
        next: 1,
        accepted: 0,
        inbox_count: 0,
        processed: 0,
        sum: 0,
        failures: 0,
        interleavings: 0,
        stale: 0,
      }
    );
  }

  private all<T>(prefix: string): Array<[string, T]> {
    const rows: Array<[string, T]> = [];
    let after: string | undefined;
    for (;;) {
      const page = this.context.storage.list<T>({ prefix, after, limit: PAGE });
      rows.push(...page);
      if (page.length < PAGE) return rows;
      after = page[page.length - 1]![0];
    }
  }
}
