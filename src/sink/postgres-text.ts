/**
 * Postgres refuses two things a JS string may hold: U+0000 (in `text` and in `jsonb`) and
 * unpaired UTF-16 surrogates (in `jsonb`). A dead-lettered raw message can hold either; were
 * the row refused, the actor's outbox would retry it forever. So such characters are replaced
 * (U+0000 by the visible text `\u0000`, a lone surrogate by U+FFFD) on the way in; the actor
 * keeps the original.
 */

const UNSAFE = /[\u0000\ud800-\udfff]/;
const NUL = /\u0000/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function textSafe(text: string): string {
  if (!UNSAFE.test(text)) return text;
  return text.replace(NUL, "\\u0000").replace(LONE_SURROGATE, "\ufffd");
}

export function textSafeOrNull(text: string | null): string | null {
  return text === null ? null : textSafe(text);
}

/** Returns `value` itself when nothing needs replacing, so the common case allocates nothing. */
export function jsonbSafe<Value>(value: Value): Value {
  return needsReplacing(value) ? (replaceStrings(value) as Value) : value;
}

function needsReplacing(value: unknown): boolean {
  if (typeof value === "string") return UNSAFE.test(value);
  if (Array.isArray(value)) return value.some(needsReplacing);
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (UNSAFE.test(key) || needsReplacing(item)) return true;
    }
  }
  return false;
}

function replaceStrings(value: unknown): unknown {
  if (typeof value === "string") return textSafe(value);
  if (Array.isArray(value)) return value.map(replaceStrings);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [textSafe(key), replaceStrings(item)]));
  }
  return value;
}
