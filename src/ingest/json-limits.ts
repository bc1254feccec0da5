/**
 * Bounds on the shape of a JSON text, checked by one iterative pass over the raw text before
 * JSON.parse sees it, so that a hostile body cannot make a parser (or a later JSON.stringify,
 * or the sink's serialiser) recurse past its stack, and so that a signed body means one thing.
 *
 * Problem codes: `json_too_deep`, `json_string_too_long`, `json_too_many_keys`,
 * `duplicate_json_key`. The scan does not validate syntax (JSON.parse does that next); on
 * malformed text it stops at nothing worse than a wrong guess about what is a key.
 */
import { DEFAULT_LIMITS, type Limits } from "../core/config.ts";
import { fail, ok } from "../core/result.ts";
import type { Result } from "../core/result.ts";

export interface JsonLimits {
  /** Objects and arrays open at once. Provider events nest about 8 deep. */
  depth_max: number;
  /** Characters of one string (key or value) as written, escapes counted as written. Provider fields are at most a few hundred. */
  string_length_max: number;
  /** Keys of one object. */
  keys_per_object_max: number;
}

/** The JSON limits of a host's configuration (JSON_DEPTH_MAX, JSON_STRING_LENGTH_MAX, JSON_KEYS_PER_OBJECT_MAX). */
export function jsonLimits(limits: Pick<Limits, "json_depth_max" | "json_string_length_max" | "json_keys_per_object_max">): JsonLimits {
  return { depth_max: limits.json_depth_max, string_length_max: limits.json_string_length_max, keys_per_object_max: limits.json_keys_per_object_max };
}

export const DEFAULT_JSON_LIMITS: JsonLimits = jsonLimits(DEFAULT_LIMITS);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** One open container: an array (keys null) or an object with the keys seen so far. */
interface Open {
  keys: Set<string> | null;
  expecting_key: boolean;
}

export function checkJsonLimits(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): Result<void> {
  const open: Open[] = [];
  let index = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      const end = stringEnd(text, index);
      const length = end - index - 1;
      if (length > limits.string_length_max) {
        return fail("json_string_too_long", `a JSON string is ${length} characters long; at most ${limits.string_length_max} are accepted`);
      }
      const top = open[open.length - 1];
      if (top?.keys && top.expecting_key) {
        const key = decodeKey(text, index, end);
        if (top.keys.has(key)) {
          return fail("duplicate_json_key", `the key ${JSON.stringify(key.slice(0, 100))} appears twice in one object; a signed body must mean one thing`);
        }
        top.keys.add(key);
        if (top.keys.size > limits.keys_per_object_max) {
          return fail("json_too_many_keys", `a JSON object has more than ${limits.keys_per_object_max} keys`);
        }
        top.expecting_key = false;
      }
      index = end + 1;
      continue;
    }
    if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      open.push({ keys: code === OPEN_OBJECT ? new Set() : null, expecting_key: code === OPEN_OBJECT });
      if (open.length > limits.depth_max) {
        return fail("json_too_deep", `JSON nests more than ${limits.depth_max} objects and arrays deep`);
      }
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      open.pop();
    } else if (code === COMMA) {
      const top = open[open.length - 1];
      if (top?.keys) top.expecting_key = true;
    } else if (code === COLON) {
      const top = open[open.length - 1];
      if (top) top.expecting_key = false;
    }
    index += 1;
  }
  return ok(undefined);
}

/** The index of the quote closing the string opened at `start` (or the text's end). */
function stringEnd(text: string, start: number): number {
  for (let index = text.indexOf('"', start + 1); index !== -1; index = text.indexOf('"', index + 1)) {
    // Escaped when an odd number of backslashes stands right before it.
    let backslashes = 0;
    while (text.charCodeAt(index - 1 - backslashes) === BACKSLASH && index - 1 - backslashes > start) backslashes += 1;
    if (backslashes % 2 === 0) return index;
  }
  return text.length;
}

/** Keys compare as the parser will see them: `"a"` and `"\u0061"` are the same key. */
function decodeKey(text: string, start: number, end: number): string {
  const key = text.slice(start + 1, end);
  if (!key.includes("\\")) return key;
  try {
    return JSON.parse(`"${key}"`) as string;
  } catch {
    return key;
  }
}
