/** A problem with input, named for the caller: `code` is stable, `message` is for humans. */
export interface Problem {
  code: string;
  message: string;
}

/** Domain outcomes are values, not exceptions (STYLE.md section 3). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: Problem };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: string, message: string): Result<T> => ({
  ok: false,
  error: { code, message },
});
