/** The Bun host's alarm thresholds for work that is stuck (issue 12). */
import { integerVariable, type Environment } from "../../core/config.ts";
import { ok, type Result } from "../../core/result.ts";

export interface FaultConfig {
  /** OUTBOX_AGE_MAX_MS: an outbox entry older than this turns /health degraded. */
  outbox_age_ms_max: number;
}

export const DEFAULT_OUTBOX_AGE_MS_MAX = 300_000;

export function parseFaultConfig(env: Environment): Result<FaultConfig> {
  const outbox_age_ms_max = integerVariable(env, "OUTBOX_AGE_MAX_MS", DEFAULT_OUTBOX_AGE_MS_MAX, { min: 1_000, max: 7 * 24 * 3_600_000 });
  if (!outbox_age_ms_max.ok) return outbox_age_ms_max;
  return ok({ outbox_age_ms_max: outbox_age_ms_max.value });
}
