/**
 * Data folders written before the ingress log had a file of its own kept it as a table of
 * `actors.sqlite`. Its entries were acknowledged, so at start they are delivered to their
 * actors and the table is dropped, in one commit: nothing acknowledged is left behind by an
 * upgrade.
 */
import type { ActorDatabase } from "../../../actors/bun/actor-database.ts";
import { hasTable } from "../../../actors/bun/sqlite-tables.ts";
import type { IngressMessage } from "./ingress.ts";

export function deliverLegacyIngress(
  database: ActorDatabase,
  deliver: (actor: string, message: IngressMessage) => void,
): number {
  if (!hasTable(database.db, "ingress_log")) return 0;
  const rows = database.db.query("SELECT actor, value FROM ingress_log ORDER BY sequence").all() as Array<{ actor: string; value: string }>;
  for (const row of rows) deliver(row.actor, JSON.parse(row.value) as IngressMessage);
  database.prepareWrite("DROP TABLE ingress_log")();
  return rows.length;
}
