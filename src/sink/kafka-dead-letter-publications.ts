/**
 * What the Kafka dead-letter publisher (src/ingest/kafka/dead-letter-publisher.ts) reads and
 * records: pending actor dead letters whose event came from Kafka (directly, or replayed from
 * a Kafka record), not yet produced at their current version.
 */
import { and, asc, eq, isNull, ne, or, sql } from "drizzle-orm";
import type { DeadLetterListing } from "../core/postgres-rows.ts";
import type { SinkDatabase } from "./database.ts";
import { dead_letters, kafka_dead_letter_publications } from "./schema.ts";

export interface KafkaDeadLetterPublication {
  payment_id: string;
  event_id: string;
  version: number;
  topic: string;
}

/** Oldest failure first. */
export async function unpublishedKafkaDeadLetters(sink: SinkDatabase, limit: number): Promise<DeadLetterListing[]> {
  const published = kafka_dead_letter_publications;
  const rows = await sink.db
    .select({ letter: dead_letters })
    .from(dead_letters)
    .leftJoin(
      published,
      and(eq(published.payment_id, dead_letters.payment_id), eq(published.event_id, dead_letters.event_id), eq(published.version, dead_letters.version)),
    )
    .where(
      and(
        isNull(published.payment_id),
        eq(dead_letters.status, "pending"),
        ne(dead_letters.stage, "kafka_ingest"),
        or(sql`${dead_letters.source}->>'kind' = 'kafka'`, sql`${dead_letters.source}->'original'->>'kind' = 'kafka'`),
      ),
    )
    .orderBy(asc(dead_letters.last_failed_at), asc(dead_letters.payment_id), asc(dead_letters.event_id))
    .limit(Math.max(0, limit));
  return rows.map(({ letter }) => ({
    ...letter,
    first_failed_at: letter.first_failed_at.toISOString(),
    last_failed_at: letter.last_failed_at.toISOString(),
    updated_at: letter.updated_at.toISOString(),
  }));
}

export async function recordKafkaDeadLettersPublished(sink: SinkDatabase, publications: KafkaDeadLetterPublication[], now: number): Promise<void> {
  if (publications.length === 0) return;
  await sink.db
    .insert(kafka_dead_letter_publications)
    .values(publications.map((publication) => ({ ...publication, published_at: new Date(now) })))
    .onConflictDoNothing();
}
