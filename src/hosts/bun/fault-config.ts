/** The Bun host's alarm thresholds for work that is stuck (issue 12). */
import { integerVariable, type Environment } from "../../core/config.ts";
import { ok, type Result } from "../../core/result.ts";

export interface FaultConfig {
  /** OUTBOX_AGE_MAX_MS: an outbox entry older than this turns /health degraded. */
  outbox_age_ms_max: number;
  /** STORAGE_FULL_RETRY_AFTER_S: the Retry-After of a 503 storage_full (the disk holding DATA_DIR is full). */
  storage_full_retry_after_s: number;
}

const DEFAULT_OUTBOX_AGE_MS_MAX = 300_000;
export const DEFAULT_STORAGE_FULL_RETRY_AFTER_S = 5;

export function parseFaultConfig(env: Environment): Result<FaultConfig> {
  const outbox_age_ms_max = integerVariable(env, "OUTBOX_AGE_MAX_MS", DEFAULT_OUTBOX_AGE_MS_MAX, { min: 1_000, max: 7 * 24 * 3_600_000 });
  if (!outbox_age_ms_max.ok) return outbox_age_ms_max;
  const storage_full_retry_after_s = integerVariable(env, "STORAGE_FULL_RETRY_AFTER_S", DEFAULT_STORAGE_FULL_RETRY_AFTER_S, { min: 1, max: 3_600 });
  if (!storage_full_retry_after_s.ok) return storage_full_retry_after_s;
  return ok({ outbox_age_ms_max: outbox_age_ms_max.value, storage_full_retry_after_s: storage_full_retry_after_s.value });
}
