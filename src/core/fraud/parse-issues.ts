/**
 * The valibot pieces the fraud-rule schemas share, and the rendering of an issue's path
 * (`rules[2].when.all[0].value`), so an operator fixing `FRAUD_RULES` sees every mistake
 * at once, each where it is, rather than one per restart.
 */
import * as v from "valibot";

type Issue = v.BaseIssue<unknown>;
type PathItem = v.IssuePathItem;
type FieldsSchema<Entries extends v.ObjectEntries> = v.GenericSchema<unknown, v.InferOutput<v.ObjectSchema<Entries, undefined>>>;

/**
 * A JSON object with these entries and no others: each unknown field is an issue of its own,
 * and a missing entry gets the message its schema gives for `undefined`. (valibot's
 * `strictObject` reports only the first unknown field, and takes an array for an object.)
 */
export function fieldsOf<const Entries extends v.ObjectEntries>(
  entries: Entries,
  messages: { not_object: (input: unknown) => string; unknown_field: string },
): FieldsSchema<Entries> {
  const object = v.objectWithRest(entries, v.never(messages.unknown_field), (issue) => missingEntryMessage(entries, issue));
  const not_object = v.never((issue) => messages.not_object(issue.input));
  const schema = v.lazy((input) => {
    if (!isPlainObject(input)) return not_object;
    // valibot skips these keys silently (prototype pollution); here they are unknown fields like any other.
    const reserved = RESERVED_KEYS.filter((key) => Object.hasOwn(input, key));
    if (reserved.length === 0) return object;
    return v.pipe(object, v.rawCheck(({ addIssue }) => reserved.forEach((key) => addIssue({ message: messages.unknown_field, ...pathOf(input, [key]) }))));
  });
  // The cast drops the rest's index signature of never, which no field type satisfies.
  return schema as unknown as FieldsSchema<Entries>;
}

const RESERVED_KEYS = ["__proto__", "prototype", "constructor"];

function missingEntryMessage(entries: v.ObjectEntries, issue: Issue): string {
  const entry = entries[String(issue.path?.[0]?.key)];
  const parsed = entry === undefined ? null : v.safeParse(entry, undefined);
  return parsed === null || parsed.success ? "required" : parsed.issues[0].message;
}

/** A check that runs only when everything before it in the pipe passed (one problem at a time). */
export function thenCheck<Value>(check: (value: Value, report: (message: string, ...keys: Array<string | number>) => void) => void) {
  return v.rawCheck<Value>(({ dataset, addIssue }) => {
    if (dataset.issues !== undefined) return;
    check(dataset.value, (message, ...keys) => addIssue({ message, ...pathOf(dataset.value, keys) }));
  });
}

/** An issue's `path` for `keys` below `value`, for checks that report at a field. */
export function pathOf(value: unknown, keys: Array<string | number>): { path?: [PathItem, ...PathItem[]] } {
  const path: PathItem[] = [];
  let input = value;
  for (const key of keys) {
    const inner = (input as Record<string | number, unknown> | undefined)?.[key];
    path.push({ type: "unknown", origin: "value", input, key, value: inner });
    input = inner;
  }
  return path.length === 0 ? {} : { path: path as [PathItem, ...PathItem[]] };
}

/** `rules[2].when.all[0]`; the empty string for the root. */
export function issuePath(issue: Issue): string {
  let text = "";
  for (const { key } of issue.path ?? []) {
    text += typeof key === "number" ? `[${key}]` : text === "" ? String(key) : `.${String(key)}`;
  }
  return text;
}

export function summary(messages: string[], shown_max: number): string {
  const shown = messages.slice(0, shown_max).join("; ");
  const hidden = messages.length - shown_max;
  return hidden > 0 ? `${shown}; and ${hidden} more` : shown;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short rendering of a value the user gave, for error messages. */
export function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
