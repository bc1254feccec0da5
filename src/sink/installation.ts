/** The installation row of Postgres (schema.ts `installation`), and whether Postgres already holds events. */
import { sql } from "drizzle-orm";
import type { SinkDatabase } from "./database.ts";
import { countPaymentEvents } from "./queries.ts";
import { installation } from "./schema.ts";

export interface PostgresInstallation {
  installation_id: string | null;
  payment_events: number;
}

export async function readInstallation(sink: SinkDatabase): Promise<PostgresInstallation> {
  const [row] = await sink.db.select({ installation_id: installation.installation_id }).from(installation).limit(1);
  return { installation_id: row?.installation_id ?? null, payment_events: await countPaymentEvents(sink) };
}

/** Records `installation_id` unless one is recorded already; returns the one recorded. */
export async function claimInstallation(sink: SinkDatabase, installation_id: string): Promise<string> {
  await sink.db.execute(sql`INSERT INTO installation (installation_id, created_at) SELECT ${installation_id}, now() WHERE NOT EXISTS (SELECT 1 FROM installation)`);
  const [row] = await sink.db.select({ installation_id: installation.installation_id }).from(installation).limit(1);
  return row!.installation_id;
}
