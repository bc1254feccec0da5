/** Health checks of the Bun host that say why work is stuck (issue 12). */
import { fullDisk } from "./start-failure.ts";

/** The actors' check fails, saying why, while acknowledged work owes Postgres rows for too long. */
export function outboxWithinAge<T extends { outbox_oldest_age_seconds: number }>(health: T, outbox_age_ms_max: number): T {
  if (health.outbox_oldest_age_seconds * 1000 <= outbox_age_ms_max) return health;
  throw new Error(
    `the oldest outbox entry has waited ${Math.round(health.outbox_oldest_age_seconds)} s for Postgres, past OUTBOX_AGE_MAX_MS (${outbox_age_ms_max} ms): ` +
      `see GET /payments/:id outbox.last_error, outbox_oldest_age_seconds and GET /dlq`,
  );
}

/** The storage check fails, saying why, while the ingress log finds the disk full (webhooks get 503 storage_full). */
export function ingressStorageHealth(ingress: { storageFullSince(): number | null }, data_dir: string): { data_dir: string } {
  const since = ingress.storageFullSince();
  // Space has returned when the disk has room again; the next webhook's commit confirms it.
  if (since === null || fullDisk(data_dir) === null) return { data_dir };
  throw new Error(`the disk holding DATA_DIR (${data_dir}) is full for ${Math.round((performance.now() - since) / 1000)} s: webhooks are answered 503 storage_full until space returns`);
}
