/**
 * Whether an actor database and a Postgres belong together (issue 12). Both carry the id of
 * the installation that created them; Postgres is the system of record, so an actor database
 * that cannot be its partner is refused rather than allowed to forget state, dedupe and dead
 * letters without a word.
 */
export interface InstallationFacts {
  /** The id kept in the actor database, or null (new, empty, or from before ids). */
  actors_installation_id: string | null;
  /** Whether the actor database holds any actor's rows. */
  actors_has_rows: boolean;
  postgres_installation_id: string | null;
  postgres_payment_events: number;
}

export type InstallationDecision =
  | { kind: "matched"; installation_id: string; record_in_actors: boolean; record_in_postgres: boolean }
  | { kind: "actors_missing"; installation_id: string | null; payment_events: number }
  | { kind: "foreign"; actors_installation_id: string; postgres_installation_id: string };

/** `new_id` is used when neither side has one yet. */
export function decideInstallation(facts: InstallationFacts, new_id: string): InstallationDecision {
  const actors = facts.actors_installation_id;
  const postgres = facts.postgres_installation_id;
  if (actors !== null && postgres !== null) {
    return actors === postgres
      ? { kind: "matched", installation_id: actors, record_in_actors: false, record_in_postgres: false }
      : { kind: "foreign", actors_installation_id: actors, postgres_installation_id: postgres };
  }
  if (actors !== null) return { kind: "matched", installation_id: actors, record_in_actors: false, record_in_postgres: true };
  // The actor database has no id: new, emptied, or written before ids existed.
  if (!facts.actors_has_rows && facts.postgres_payment_events > 0) {
    return { kind: "actors_missing", installation_id: postgres, payment_events: facts.postgres_payment_events };
  }
  if (postgres !== null) return { kind: "matched", installation_id: postgres, record_in_actors: true, record_in_postgres: false };
  return { kind: "matched", installation_id: new_id, record_in_actors: true, record_in_postgres: true };
}
