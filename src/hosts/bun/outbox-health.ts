/** The actors' health check fails, saying why, while acknowledged work owes Postgres rows for too long. */
export function outboxWithinAge<T extends { outbox_oldest_age_seconds: number }>(health: T, outbox_age_ms_max: number): T {
  if (health.outbox_oldest_age_seconds * 1000 <= outbox_age_ms_max) return health;
  throw new Error(
    `the oldest outbox entry has waited ${Math.round(health.outbox_oldest_age_seconds)} s for Postgres, past OUTBOX_AGE_MAX_MS (${outbox_age_ms_max} ms): ` +
      `see GET /payments/:id outbox.last_error, outbox_oldest_age_seconds and GET /dlq`,
  );
}
