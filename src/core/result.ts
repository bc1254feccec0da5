/** A problem with input, named for the caller: `code` is stable, `message` is for humans. */
export interface Problem<Code extends string = string> {
  code: Code;
  message: string;
}

/** Domain outcomes are values, not exceptions (STYLE.md section 3). */
export type Result<T, Code extends string = string> = { ok: true; value: T } | { ok: false; error: Problem<Code> };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = <T = never, Code extends string = string>(code: Code, message: string): Result<T, Code> => ({
  ok: false,
  error: { code, message },
});
