/**
 * Checks for crash tests, reading what a killed host left on disk without disturbing it:
 * the actor database and the PGlite folder are copied first and the copies are opened, so the
 * next start of the host still performs its own recovery of the originals.
 *
 * - `snapshotActors`: per payment, the ids seen (accepted), the events applied, the events
 *   still in the outbox, and whether an alarm row exists.
 * - `snapshotPglite` / `snapshotPostgres`: the event ids in `payment_events` and a consistency
 *   report (ledger balanced per currency, `ledger_accounts` equal to the fold of
 *   `ledger_transfers`, no journal without its event, no transfer without its journal; on
 *   PGlite also amcheck over every btree index and heap).
 * - `expectedAccounts`: the ledger account totals the events imply (DESIGN.md section 5),
 *   computed from the event stream alone, independently of the product's ledger code.
 */
import { Database } from "bun:sqlite";
import { PGlite } from "@electric-sql/pglite";
import { IngressReader } from "../../actors/bun/ingress-log.ts";
import { amcheck } from "@electric-sql/pglite/contrib/amcheck";
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import type { PaymentEvent } from "../../src/core/event.ts";

// ---------------------------------------------------------------------------------------
// Expected ledger from the events alone

export interface Totals {
  debits_pending: number;
  debits_posted: number;
  credits_pending: number;
  credits_posted: number;
}

const zero = (): Totals => ({ debits_pending: 0, debits_posted: 0, credits_pending: 0, credits_posted: 0 });

/** `${currency} ${account}` -> totals, for a stream of events of complete, valid lifecycles. */
export function expectedAccounts(events: PaymentEvent[]): Map<string, Totals> {
  const totals = new Map<string, Totals>();
  const at = (currency: string, account: string) => {
    const key = `${currency} ${account}`;
    let entry = totals.get(key);
    if (!entry) totals.set(key, (entry = zero()));
    return entry;
  };
  const move = (currency: string, debit: string, credit: string, pending: number, posted: number) => {
    const d = at(currency, debit);
    d.debits_pending += pending;
    d.debits_posted += posted;
    const c = at(currency, credit);
    c.credits_pending += pending;
    c.credits_posted += posted;
  };
  const byPayment = new Map<string, PaymentEvent[]>();
  for (const event of events) {
    const list = byPayment.get(event.payment_id) ?? [];
    if (!list.some((other) => other.id === event.id)) list.push(event);
    byPayment.set(event.payment_id, list);
  }
  for (const list of byPayment.values()) {
    list.sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
    let hold = 0;
    for (const event of list) {
      const currency = event.data.currency!;
      const payable = `merchant:${event.data.merchant_id}:payable`;
      const amount = event.data.amount ?? 0;
      switch (event.type) {
        case "payment.authorized":
          hold = amount;
          move(currency, "psp:clearing", payable, amount, 0);
          break;
        case "payment.captured":
          move(currency, "psp:clearing", payable, -hold, amount);
          hold = 0;
          if ((event.data.fee ?? 0) > 0) move(currency, payable, "revenue:fees", 0, event.data.fee!);
          break;
        case "payment.canceled":
        case "payment.failed":
          if (hold > 0) move(currency, "psp:clearing", payable, -hold, 0);
          hold = 0;
          break;
        case "payment.refunded":
          move(currency, payable, "psp:clearing", 0, amount);
          break;
        case "payment.dispute.opened":
          move(currency, payable, "psp:disputes", 0, amount);
          break;
        case "payment.dispute.won":
          move(currency, "psp:disputes", payable, 0, amount);
          break;
        case "payment.dispute.lost":
          move(currency, "psp:disputes", "psp:clearing", 0, amount);
          break;
        case "payment.created":
          break;
      }
    }
  }
  return totals;
}

// ---------------------------------------------------------------------------------------
// The actor database left by a killed host

export interface ActorSnapshot {
  seen: Set<string>;
  /** Applied event ids, in version order. */
  applied: string[];
  /** Event ids whose payment_events row is still in the outbox (not yet known flushed). */
  outbox_events: Set<string>;
  inbox_count: number;
  outbox_count: number;
  held_count: number;
  has_alarm: boolean;
}

export function snapshotActors(data_dir: string): Map<string, ActorSnapshot> {
  const folder = mkdtempSync(join(tmpdir(), "crash-copy-actors-"));
  try {
    for (const file of ["actors.sqlite", "ingress.sqlite"]) {
      for (const suffix of ["", "-wal", "-shm"]) {
        const source = join(data_dir, `${file}${suffix}`);
        if (existsSync(source)) copyFileSync(source, join(folder, `${file}${suffix}`));
      }
    }
    const db = new Database(join(folder, "actors.sqlite"));
    try {
      const actors = new Map<string, ActorSnapshot>();
      const of = (actor: string) => {
        let entry = actors.get(actor);
        if (!entry) {
          entry = { seen: new Set(), applied: [], outbox_events: new Set(), inbox_count: 0, outbox_count: 0, held_count: 0, has_alarm: false };
          actors.set(actor, entry);
        }
        return entry;
      };
      const rows = db.query("SELECT actor, key, value FROM actor_rows ORDER BY actor, key").all() as Array<{ actor: string; key: string; value: string }>;
      for (const { actor, key, value } of rows) {
        const entry = of(actor);
        if (key.startsWith("seen:")) entry.seen.add(key.slice("seen:".length));
        else if (key.startsWith("event:")) entry.applied.push((JSON.parse(value) as { event_id: string }).event_id);
        else if (key.startsWith("outbox:")) {
          const outbox = JSON.parse(value) as { rows: { payment_events?: Array<{ event_id: string }> } };
          for (const row of outbox.rows.payment_events ?? []) entry.outbox_events.add(row.event_id);
        } else if (key === "meta") {
          const meta = JSON.parse(value) as { inbox_count: number; outbox_count: number; held_count: number };
          entry.inbox_count = meta.inbox_count;
          entry.outbox_count = meta.outbox_count;
          entry.held_count = meta.held_count;
        }
      }
      for (const { actor } of db.query("SELECT actor FROM actor_alarm_times").all() as Array<{ actor: string }>) of(actor).has_alarm = true;
      // Acknowledged events not yet handed to their actor: durable in the host's ingress log
      // (its own file), which the host delivers at every start (so no alarm is needed for them).
      if (existsSync(join(folder, "ingress.sqlite"))) {
        const file = new Database(join(folder, "ingress.sqlite"));
        // A host killed while starting may have made the file and not yet its table.
        const has_log = file.query("SELECT name FROM sqlite_master WHERE name = 'ingress_batches'").get() !== null;
        file.close();
        const ingress = has_log ? new IngressReader<unknown>(join(folder, "ingress.sqlite")) : null;
        try {
          for (const { actor, id } of ingress?.entries(0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) ?? []) of(actor).seen.add(id);
        } finally {
          ingress?.close();
        }
      }
      return actors;
    } finally {
      db.close();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Payments with work pending (inbox or outbox) but no durable alarm: nothing will ever wake them. */
export function stalledActors(actors: Map<string, ActorSnapshot>): Array<{ payment_id: string; inbox: number; outbox: number }> {
  const stalled = [];
  for (const [payment_id, actor] of actors) {
    if ((actor.inbox_count > 0 || actor.outbox_count > 0) && !actor.has_alarm) {
      stalled.push({ payment_id, inbox: actor.inbox_count, outbox: actor.outbox_count });
    }
  }
  return stalled;
}

// ---------------------------------------------------------------------------------------
// The sink

type Query = (text: string) => Promise<Array<Record<string, unknown>>>;

export interface SinkSnapshot {
  /** Set when the database could not be opened or read at all. */
  error: string | null;
  event_ids: Set<string>;
  /** payment_events rows (with duplicates, which the primary key should make impossible). */
  event_rows: number;
  transfers: number;
  /** Inconsistencies found; empty when the database is consistent. */
  problems: string[];
  /** Relations amcheck verified (0 when it did not run). */
  amchecked: { indexes: number; heaps: number };
  elapsed_ms: number;
}

const PENDING_EFFECT = `case kind when 'pending' then amount when 'post_pending' then -pending_amount when 'void_pending' then -pending_amount else 0 end`;
const POSTED_EFFECT = `case kind when 'posted' then amount when 'post_pending' then amount else 0 end`;

async function inspectSink(query: Query): Promise<Omit<SinkSnapshot, "error" | "elapsed_ms" | "amchecked">> {
  const problems: string[] = [];
  const events = await query("select event_id from payment_events");
  const event_ids = new Set(events.map((row) => String(row.event_id)));
  if (event_ids.size !== events.length) problems.push(`payment_events holds ${events.length} rows for ${event_ids.size} distinct ids`);

  const balance = await query(`select currency,
      sum(debits_pending)::text as dp, sum(credits_pending)::text as cp,
      sum(debits_posted)::text as dpo, sum(credits_posted)::text as cpo
    from ledger_accounts group by currency order by currency`);
  for (const row of balance) {
    if (row.dp !== row.cp || row.dpo !== row.cpo) {
      problems.push(`ledger unbalanced in ${row.currency}: debits pending ${row.dp} / credits pending ${row.cp}, debits posted ${row.dpo} / credits posted ${row.cpo}`);
    }
  }

  const folded = await query(`with legs as (
      select debit_account as account, currency, ${PENDING_EFFECT} as dp, ${POSTED_EFFECT} as dpo, 0::bigint as cp, 0::bigint as cpo from ledger_transfers
      union all
      select credit_account, currency, 0::bigint, 0::bigint, ${PENDING_EFFECT}, ${POSTED_EFFECT} from ledger_transfers
    ), sums as (
      select account, currency, sum(dp) as dp, sum(dpo) as dpo, sum(cp) as cp, sum(cpo) as cpo from legs group by account, currency
    )
    select coalesce(s.account, a.account) as account, coalesce(s.currency, a.currency) as currency,
      coalesce(s.dp, 0)::text as fold_dp, coalesce(a.debits_pending, 0)::text as acc_dp,
      coalesce(s.dpo, 0)::text as fold_dpo, coalesce(a.debits_posted, 0)::text as acc_dpo,
      coalesce(s.cp, 0)::text as fold_cp, coalesce(a.credits_pending, 0)::text as acc_cp,
      coalesce(s.cpo, 0)::text as fold_cpo, coalesce(a.credits_posted, 0)::text as acc_cpo
    from sums s full outer join ledger_accounts a on a.account = s.account and a.currency = s.currency`);
  for (const row of folded) {
    if (row.fold_dp !== row.acc_dp || row.fold_dpo !== row.acc_dpo || row.fold_cp !== row.acc_cp || row.fold_cpo !== row.acc_cpo) {
      problems.push(`ledger_accounts ${row.currency} ${row.account} differs from the sum of its ledger_transfers: ${JSON.stringify(row)}`);
    }
  }

  const [orphans] = await query(`select
      (select count(*) from ledger_journals j where not exists (select 1 from payment_events e where e.event_id = j.event_id))::int as journals,
      (select count(*) from ledger_transfers t where not exists (select 1 from ledger_journals j where j.journal_id = t.journal_id))::int as transfers,
      (select count(*) from ledger_transfers)::int as transfer_rows`);
  if (Number(orphans!.journals) > 0) problems.push(`${orphans!.journals} ledger_journals rows without their payment_events row`);
  if (Number(orphans!.transfers) > 0) problems.push(`${orphans!.transfers} ledger_transfers rows without their ledger_journals row`);
  return { event_ids, event_rows: events.length, transfers: Number(orphans!.transfer_rows), problems };
}

/**
 * Opens a copy of `${data_dir}/postgres` (so PGlite's crash recovery runs on the copy, not on
 * the folder the next host start will open), checks it, and removes the copy.
 */
export async function snapshotPglite(data_dir: string, options: { amcheck: boolean }): Promise<SinkSnapshot> {
  const started = performance.now();
  const folder = mkdtempSync(join(tmpdir(), "crash-copy-pglite-"));
  let client: PGlite | null = null;
  try {
    cpSync(join(data_dir, "postgres"), join(folder, "postgres"), { recursive: true });
    try {
      client = new PGlite(join(folder, "postgres"), options.amcheck ? { extensions: { amcheck } } : {});
      await client.waitReady;
    } catch (error) {
      return failed(`PGlite did not open: ${describe(error)}`, started);
    }
    const pg = client;
    const query: Query = async (text) => (await pg.query<Record<string, unknown>>(text)).rows;
    try {
      const result = await inspectSink(query);
      const checked = options.amcheck ? await amcheckAll(query) : { problems: [], indexes: 0, heaps: 0 };
      result.problems.push(...checked.problems);
      return { error: null, ...result, amchecked: { indexes: checked.indexes, heaps: checked.heaps }, elapsed_ms: performance.now() - started };
    } catch (error) {
      return failed(`PGlite opened but reading failed: ${describe(error)}`, started);
    }
  } finally {
    try {
      await client?.close();
    } catch {}
    rmSync(folder, { recursive: true, force: true });
  }
}

/** amcheck over every btree index (with heapallindexed) and every heap of the database. */
async function amcheckAll(query: Query): Promise<{ problems: string[]; indexes: number; heaps: number }> {
  const problems: string[] = [];
  await query("create extension if not exists amcheck");
  const indexes = await query(`select c.oid::int as oid, n.nspname || '.' || c.relname as name
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
    join pg_namespace n on n.oid = c.relnamespace
    where am.amname = 'btree' and c.relpersistence = 'p' and i.indisvalid and n.nspname in ('public', 'pg_catalog', 'drizzle')`);
  for (const index of indexes) {
    try {
      await query(`select bt_index_check(${index.oid}::regclass, true)`);
    } catch (error) {
      problems.push(`amcheck: index ${index.name}: ${describe(error)}`);
    }
  }
  const heaps = await query(`select c.oid::int as oid, n.nspname || '.' || c.relname as name from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'm', 't') and c.relpersistence = 'p' and n.nspname in ('public', 'pg_catalog', 'drizzle', 'pg_toast')`);
  for (const heap of heaps) {
    try {
      const corrupt = await query(`select blkno, offnum, msg from verify_heapam(${heap.oid}::regclass) limit 3`);
      for (const row of corrupt) problems.push(`amcheck: heap ${heap.name} block ${row.blkno} item ${row.offnum}: ${row.msg}`);
    } catch (error) {
      problems.push(`amcheck: heap ${heap.name}: ${describe(error)}`);
    }
  }
  return { problems, indexes: indexes.length, heaps: heaps.length };
}

/** The same checks on a live PostgreSQL, through postgres.js. */
export async function snapshotPostgres(url: string): Promise<SinkSnapshot> {
  const started = performance.now();
  const client = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const query: Query = async (text) => [...(await client.unsafe(text))] as Array<Record<string, unknown>>;
    return { error: null, ...(await inspectSink(query)), amchecked: { indexes: 0, heaps: 0 }, elapsed_ms: performance.now() - started };
  } catch (error) {
    return failed(`PostgreSQL read failed: ${describe(error)}`, started);
  } finally {
    await client.end({ timeout: 2 });
  }
}

function failed(error: string, started: number): SinkSnapshot {
  return { error, event_ids: new Set(), event_rows: 0, transfers: 0, problems: [], amchecked: { indexes: 0, heaps: 0 }, elapsed_ms: performance.now() - started };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
