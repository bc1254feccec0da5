/**
 * `npm run recover` (issue 12): rebuilds the Bun host's actor database, `DATA_DIR/actors.sqlite`,
 * from Postgres, the system of record, when it is lost, emptied or not this Postgres's.
 *
 * Each payment's applied events are replayed in version order through the core's state
 * machine with their recorded fraud decisions and operator overrides
 * (src/core/replay-payment.ts), checked against the `payments` projection and the ledger,
 * and written in the actor's own layout (actors/payment/restore-payment.ts) with the dedupe
 * set (every applied and dead-lettered event id, so old redeliveries are answered
 * `duplicate`) and the pending dead letters (replayable). The embedded velocity counters come
 * back from the fraud decisions. The result carries Postgres's installation id, so the host
 * starts on it. The host must be stopped while this runs.
 */
import { ActorDatabase } from "../../../actors/bun/actor-database.ts";
import { BunActorStorage } from "../../../actors/bun/bun-actor-storage.ts";
import { readInstallationId, recordInstallationId } from "../../../actors/bun/installation-id.ts";
import { paymentActorLimits } from "../../../actors/payment/limits.ts";
import { restorePayment } from "../../../actors/payment/restore-payment.ts";
import { replayPayment } from "../../core/replay-payment.ts";
import { integerVariable, type Environment } from "../../core/config.ts";
import { readInstallation } from "../../sink/installation.ts";
import { migrateSink } from "../../sink/migrate.ts";
import { openSink } from "../../sink/open-sink.ts";
import { readRecordedPage } from "../../sink/recovery-reads.ts";
import type { SinkDatabase } from "../../sink/database.ts";
import { actorsPath, ingressPath } from "./actor-thread-protocol.ts";
import { loadBunConfig, type BunHostConfig } from "./config.ts";
import { moveDatabaseFiles, openElsewhere, readActorDatabaseFacts, readIngressFacts, removeDatabaseFiles, syncDirectory } from "./recovery-files.ts";
import { VelocityRestorer } from "./recovery-velocity.ts";
import { describePostgres, describeStartFailure } from "./start-failure.ts";

export interface RecoverOptions {
  /** Replace an actor database that holds rows (it is moved aside, not deleted). */
  force: boolean;
  /** Write the replayed state even where it disagrees with the projection or the ledger. */
  allow_mismatch: boolean;
}

export interface RecoverySummary {
  actors_path: string;
  postgres: string;
  installation_id: string;
  migrations_applied: number;
  payments: number;
  events: number;
  journals: number;
  dead_letters_pending: number;
  event_ids_seen: number;
  finished_retirements_scheduled: number;
  /** Null when velocity lives in Redis (not in actor storage). */
  velocity_observations: number | null;
  mismatches: string[];
  /** Where the database it replaced went (`--force`), or null. */
  replaced_to: string | null;
  ingress_waiting: number;
  elapsed_ms: number;
}

/** A recovery that cannot go on: its message is the one line printed after `cannot recover: `. */
class RecoveryRefused extends Error {}

/** RECOVER_PAGE_PAYMENTS_MAX: payments read from Postgres (and held in memory) at a time. */
const PAGE_PAYMENTS_MAX_DEFAULT = 500;
const MISMATCHES_SHOWN_MAX = 10;

const USAGE = "usage: npm run recover [-- --force] [--allow-mismatch]";

export function parseRecoverArguments(args: readonly string[]): RecoverOptions {
  const options: RecoverOptions = { force: false, allow_mismatch: false };
  for (const arg of args) {
    if (arg === "--force") options.force = true;
    else if (arg === "--allow-mismatch") options.allow_mismatch = true;
    else throw new RecoveryRefused(`unknown argument ${JSON.stringify(arg)} (${USAGE})`);
  }
  return options;
}

export async function recoverActors(env: Environment, options: RecoverOptions): Promise<RecoverySummary> {
  const started_at = Date.now();
  const loaded = loadBunConfig(env);
  if (!loaded.ok) throw new RecoveryRefused(loaded.error.message);
  const config = loaded.value;
  const page_payments_max = integerVariable(env, "RECOVER_PAGE_PAYMENTS_MAX", PAGE_PAYMENTS_MAX_DEFAULT, { min: 1, max: 100_000 });
  if (!page_payments_max.ok) throw new RecoveryRefused(page_payments_max.error.message);
  const actors_path = actorsPath(config.data_dir);
  const postgres = describePostgres(config.database_url, config.data_dir);

  // A running host has them open; its embedded Postgres must not be opened twice either.
  for (const path of [ingressPath(config.data_dir), actors_path]) {
    if (openElsewhere(path)) throw new RecoveryRefused(`${path} is open in another process: a host is running on DATA_DIR ${config.data_dir}. Stop it, then recover`);
  }
  const existing = readActorDatabaseFacts(actors_path);
  const holds_something = existing.exists && (existing.actor_rows === null || existing.actor_rows > 0 || existing.installation_id !== null);
  if (holds_something && !options.force) {
    const what =
      existing.actor_rows === null
        ? "is not a readable SQLite database"
        : `holds ${existing.actor_rows} actor rows${existing.installation_id === null ? "" : ` and the id of installation ${existing.installation_id}`}`;
    throw new RecoveryRefused(`${actors_path} ${what}; recovering would replace it. Stop the host and run \`npm run recover -- --force\` to move it aside and rebuild it from Postgres`);
  }

  const sink = await openPostgres(config, postgres);
  try {
    return await rebuild(config, sink, { options, actors_path, postgres, holds_something, started_at, page_payments_max: page_payments_max.value });
  } finally {
    await sink.close();
  }
}

async function openPostgres(config: BunHostConfig, postgres: string): Promise<SinkDatabase> {
  const context = { data_dir: config.data_dir, database_url: config.database_url, host: config.host, port: config.port };
  try {
    return await openSink({ database_url: config.database_url, data_dir: config.data_dir, connections_max: 2 });
  } catch (error) {
    throw new RecoveryRefused(postgresFailure(postgres, "did not open", describeStartFailure(error, context)));
  }
}

/** The failure, naming where Postgres is unless the description already does. */
function postgresFailure(postgres: string, what: string, description: string): string {
  return /DATABASE_URL|PGlite/.test(description) ? description : `Postgres at ${postgres} ${what}: ${description}`;
}

interface RebuildContext {
  options: RecoverOptions;
  actors_path: string;
  postgres: string;
  holds_something: boolean;
  started_at: number;
  page_payments_max: number;
}

async function rebuild(config: BunHostConfig, sink: SinkDatabase, context: RebuildContext): Promise<RecoverySummary> {
  const { actors_path, postgres, options } = context;
  let migrations_applied: number;
  let installation: Awaited<ReturnType<typeof readInstallation>>;
  try {
    // The same migrations the host applies at start, so an older schema reads like a new one.
    migrations_applied = (await migrateSink(sink)).applied.length;
    installation = await readInstallation(sink);
  } catch (error) {
    throw new RecoveryRefused(postgresFailure(postgres, "cannot be read", describeStartFailure(error, { ...config })));
  }
  if (installation.payment_events === 0) {
    throw new RecoveryRefused(
      `Postgres at ${postgres} holds no payment events: there is nothing to recover from. Is DATABASE_URL this installation's Postgres? (On an empty one, \`npm start\` alone starts a new installation)`,
    );
  }
  // With no id yet (Postgres from before ids), the host claims this one in Postgres at start.
  const installation_id = installation.installation_id ?? crypto.randomUUID();
  const ingress = readIngressFacts(ingressPath(config.data_dir));
  if (ingress?.installation_id != null && ingress.installation_id !== installation_id) {
    throw new RecoveryRefused(
      `${ingressPath(config.data_dir)} belongs to installation ${ingress.installation_id}, but Postgres at ${postgres} to ${installation_id}: ` +
        `its acknowledged events are another installation's. Move it back where it came from, or point DATA_DIR and DATABASE_URL at a matching pair`,
    );
  }

  const building_path = `${actors_path}.recovering`;
  removeDatabaseFiles(building_path);
  const database = new ActorDatabase({ path: building_path, durability: "full", on_durability_failure: () => {} });
  const now = Date.now();
  const retention_ms = paymentActorLimits(config.limits).finished_retention_ms;
  const velocity = config.velocity.redis === null ? new VelocityRestorer(config.fraud_rules, now) : null;
  const summary: RecoverySummary = {
    actors_path,
    postgres,
    installation_id,
    migrations_applied,
    payments: 0,
    events: 0,
    journals: 0,
    dead_letters_pending: 0,
    event_ids_seen: 0,
    finished_retirements_scheduled: 0,
    velocity_observations: null,
    mismatches: [],
    replaced_to: null,
    ingress_waiting: ingress?.waiting ?? 0,
    elapsed_ms: 0,
  };
  let complete = false;
  try {
    let after: string | null = null;
    do {
      const page = await readPage(sink, after, context.page_payments_max, postgres);
      for (const record of page.payments) {
        const replayed = replayPayment(record);
        summary.mismatches.push(...replayed.mismatches);
        const restored = restorePayment(new BunActorStorage(database, record.payment_id), record, replayed);
        if (restored.finished_at !== null) {
          // The actor's own alarm for retiring its rows; one already due fires at start, as it would have.
          database.setAlarm(record.payment_id, Math.max(now, restored.finished_at + retention_ms), undefined);
          summary.finished_retirements_scheduled += 1;
        }
        velocity?.collect(record);
        summary.payments += 1;
        summary.events += restored.events;
        summary.journals += restored.journals;
        summary.dead_letters_pending += restored.dead_letters;
        summary.event_ids_seen += restored.seen;
      }
      await database.sync();
      after = page.through;
    } while (after !== null);
    if (summary.mismatches.length > 0 && !options.allow_mismatch) {
      const shown = summary.mismatches.slice(0, MISMATCHES_SHOWN_MAX).join(" | ");
      const more = summary.mismatches.length > MISMATCHES_SHOWN_MAX ? ` | ... ${summary.mismatches.length - MISMATCHES_SHOWN_MAX} more` : "";
      throw new RecoveryRefused(
        `${summary.mismatches.length} disagreements between replaying payment_events and what Postgres recorded: ${shown}${more}. ` +
          `Nothing was written; rerun with --allow-mismatch to write the replayed state anyway`,
      );
    }
    // In the actor database's group commit: one transaction, not one commit per member.
    summary.velocity_observations = velocity === null ? null : database.transaction(() => velocity.restore(database.db));
    readInstallationId(database); // creates the table it is kept in
    recordInstallationId(database, installation_id);
    await database.sync();
    complete = true;
  } finally {
    await database.close();
    if (!complete) removeDatabaseFiles(building_path);
  }

  if (context.holds_something) {
    summary.replaced_to = moveDatabaseFiles(actors_path, `${actors_path}.replaced-${new Date(now).toISOString().replaceAll(":", "-")}`);
  } else {
    removeDatabaseFiles(actors_path);
  }
  moveDatabaseFiles(building_path, actors_path);
  syncDirectory(config.data_dir);
  summary.elapsed_ms = Date.now() - context.started_at;
  return summary;
}

async function readPage(sink: SinkDatabase, after: string | null, payments_max: number, postgres: string) {
  try {
    return await readRecordedPage(sink, after, payments_max);
  } catch (error) {
    throw new RecoveryRefused(`reading Postgres at ${postgres} failed after payment ${after ?? "(first)"}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
}

/** What `npm run recover` prints on success. */
export function describeRecovery(summary: RecoverySummary): string {
  const lines = [
    `recovered ${summary.actors_path} from Postgres at ${summary.postgres} (installation ${summary.installation_id}) in ${summary.elapsed_ms} ms:`,
    `  payments:      ${summary.payments} (their events replayed in order through the state machine; ${summary.finished_retirements_scheduled} finished ones with their retirement scheduled)`,
    `  events:        ${summary.events} applied, with ${summary.journals} ledger journals (checked against ledger_journals and ledger_transfers)`,
    `  dedupe:        ${summary.event_ids_seen} event ids (applied and dead-lettered): their redeliveries are answered duplicate`,
    `  dead letters:  ${summary.dead_letters_pending} pending, replayable and discardable as before`,
    `  velocity:      ${summary.velocity_observations === null ? "in Redis, not in actor storage: untouched" : `${summary.velocity_observations} observations back in the embedded store`}`,
    `  checked:       ${summary.mismatches.length === 0 ? "every payment agrees with the payments projection and the ledger" : `${summary.mismatches.length} disagreements, written anyway (--allow-mismatch):\n    ${summary.mismatches.join("\n    ")}`}`,
  ];
  if (summary.migrations_applied > 0) lines.push(`  migrations:    ${summary.migrations_applied} applied to Postgres first`);
  if (summary.replaced_to !== null) lines.push(`  replaced:      the previous actor database is kept at ${summary.replaced_to}`);
  if (summary.ingress_waiting > 0) lines.push(`  ingress:       ${summary.ingress_waiting} acknowledged events wait in ingress.sqlite and are delivered at start`);
  lines.push(
    "  not recoverable: what Postgres never held when the actor database was lost (events waiting in an inbox, held for order or for a retry, and",
    "                   outbox rows not yet written); ask senders to redeliver what they sent just before the loss (its ids are not in the dedupe set).",
  );
  return lines.join("\n");
}
