/**
 * At start, on the actor thread: the actor database and Postgres must belong to the same
 * installation (src/core/installation.ts). A missing, empty or foreign actor database in
 * front of a Postgres that holds events stops the start with one `cannot start:` line that
 * says what happened and how to recover.
 */
import type { ActorDatabase } from "../../../actors/bun/actor-database.ts";
import { readInstallationId, recordInstallationId } from "../../../actors/bun/installation-id.ts";
import { decideInstallation } from "../../core/installation.ts";
import type { SinkThread } from "./sink-thread.ts";

export interface InstallationPlaces {
  /** The actor database's path. */
  actors_path: string;
  /** Postgres as an operator knows it: `host:port (DATABASE_URL)` or the embedded folder. */
  postgres: string;
}

export async function checkInstallation(database: ActorDatabase, sink: SinkThread, places: InstallationPlaces): Promise<string> {
  const actors = readInstallationId(database);
  const postgres = await sink.call({ method: "readInstallation" });
  const decision = decideInstallation(
    {
      actors_installation_id: actors.installation_id,
      actors_has_rows: actors.has_rows,
      postgres_installation_id: postgres.installation_id,
      postgres_payment_events: postgres.payment_events,
    },
    crypto.randomUUID(),
  );
  if (decision.kind === "actors_missing") {
    throw new Error(
      `cannot start: ${places.actors_path} is new or empty, but Postgres at ${places.postgres} already holds ${decision.payment_events} events` +
        `${decision.installation_id === null ? "" : ` of installation ${decision.installation_id}`}: starting would forget actor state, dedupe and dead letters. ` +
        `Rebuild it from Postgres with \`npm run recover\` (the host stopped), restore it from a backup, or point DATA_DIR and DATABASE_URL at a matching pair`,
    );
  }
  if (decision.kind === "foreign") {
    throw new Error(
      `cannot start: ${places.actors_path} belongs to installation ${decision.actors_installation_id}, but Postgres at ${places.postgres} belongs to installation ${decision.postgres_installation_id}: ` +
        `they are not a pair. Point DATA_DIR at this Postgres's actor database, or DATABASE_URL at this actor database's Postgres; if this Postgres's actor database is lost, \`npm run recover -- --force\` moves this one aside and rebuilds it from Postgres`,
    );
  }
  if (decision.record_in_postgres) {
    const recorded = await sink.call({ method: "claimInstallation", installation_id: decision.installation_id });
    if (recorded !== decision.installation_id) {
      throw new Error(`cannot start: Postgres at ${places.postgres} was just claimed by installation ${recorded}, not ${places.actors_path}'s ${decision.installation_id}`);
    }
  }
  if (decision.record_in_actors) {
    recordInstallationId(database, decision.installation_id);
    await database.sync();
  }
  return decision.installation_id;
}
