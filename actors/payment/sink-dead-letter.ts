/**
 * An outbox entry Postgres refuses for good (the sink classified the failure as permanent)
 * becomes a dead letter of stage `sink`, instead of a flush retried forever: the event was
 * applied and is in the actor's state and journal, but its rows are not in Postgres. The
 * letter keeps the entry, so replaying it after a fix (a migration, a constraint dropped)
 * writes the same rows again, idempotently.
 *
 * Only an entry that carries an applied event can be dead-lettered (a dead letter is keyed by
 * its event); one without (a projection alone) stays in the outbox and keeps retrying with
 * backoff, and the outbox age (OUTBOX_AGE_MAX_MS) raises the alarm.
 */
import type { InboxMessage, OutboxEntry } from "./storage-layout.ts";

export const SINK_STAGE = "sink" as const;
export const SINK_REASON = "sink_write_refused" as const;

/** The message the letter shows (the applied event as it arrived), or null when the entry has none. */
export function sinkDeadLetterMessage(entry: OutboxEntry): InboxMessage | null {
  const applied = entry.rows.payment_events?.[0];
  if (applied === undefined) return null;
  return {
    number: 0,
    event: applied.event,
    source: applied.source,
    accepted_at: entry.accepted_at ?? entry.created_at,
    replay: false,
    attempts: 0,
    next_attempt_at: null,
    first_failed_at: null,
    last_failure: null,
  };
}
