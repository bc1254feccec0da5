/**
 * Webhook sources and their provider kind (DESIGN.md sections 9 and 11): WEBHOOK_SOURCES,
 * `{"<name>": {"provider": "stripe", "secrets": ["whsec_..."], "basic_auth": "user:password",
 * "merchant_id": "m_1"}}`, merged with WEBHOOK_SECRETS, whose entries are `standard` sources.
 *
 * Secrets by provider: `standard` and `stripe` take `whsec_...` (Standard Webhooks decodes the
 * base64 after the prefix; Stripe keys its HMAC with the whole string), `adyen` its hex HMAC
 * key, `checkout` the webhook's secret key. Several secrets per source, for rotation.
 * Problem code: `invalid_config`, with a message naming the variable, the source and the field.
 */
import * as v from "valibot";
import { fail, ok, type Result } from "../core/result.ts";
import { hexDecode } from "./hmac.ts";
import { parseWebhookSecrets, SECRETS_PER_SOURCE_MAX } from "./standard-webhooks.ts";

export const PROVIDER_KINDS = ["standard", "stripe", "adyen", "checkout"] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export interface WebhookSource {
  name: string;
  provider: ProviderKind;
  secrets: string[];
  /** `user:password` that Adyen sends as Basic auth; null: not checked. Adyen only. */
  basic_auth: string | null;
  /** The merchant of provider events that name none; null: such events are refused. */
  merchant_id: string | null;
}

const SOURCE_PATTERN = /^[a-z0-9_-]{1,64}$/i;
const FIELDS = new Set(["provider", "secrets", "basic_auth", "merchant_id"]);
const MERCHANT_PATTERN = /^[\x21-\x7e]{1,200}$/;
const ADYEN_KEY_BYTES_MIN = 16;
const SECRET_CHARS_MIN = 16;

/** The sources of both variables; `secrets` is WEBHOOK_SECRETS already parsed. */
export function mergeWebhookSources(secrets: Record<string, string[]>, sources_json: string | undefined): Result<Record<string, WebhookSource>> {
  const merged: Record<string, WebhookSource> = Object.create(null);
  for (const [name, list] of Object.entries(secrets)) {
    merged[name] = { name, provider: "standard", secrets: list, basic_auth: null, merchant_id: null };
  }
  if (sources_json === undefined || sources_json.trim() === "") return ok(merged);
  const sources = parseWebhookSources(sources_json);
  if (!sources.ok) return sources;
  for (const [name, source] of Object.entries(sources.value)) {
    if (Object.hasOwn(merged, name)) {
      return invalid(`source "${name}" is also in WEBHOOK_SECRETS: a source is configured in one of the two variables`);
    }
    merged[name] = source;
  }
  return ok(merged);
}

export function parseWebhookSources(json: string): Result<Record<string, WebhookSource>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    return invalid(`is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) {
    return invalid('must be a JSON object mapping source names to {"provider": ..., "secrets": [...]}');
  }
  const sources: Record<string, WebhookSource> = Object.create(null);
  for (const [name, entry] of Object.entries(parsed)) {
    if (!SOURCE_PATTERN.test(name)) return invalid(`source ${JSON.stringify(name)} must be 1 to 64 letters, digits, _ or -`);
    const source = parseSource(name, entry);
    if (!source.ok) return source;
    sources[name] = source.value;
  }
  return ok(sources);
}

/**
 * One source's schema (valibot). Checked in the order an operator fixes them: the shape, the
 * fields, the provider, its secrets, then the optional fields, each message naming the field.
 */
function sourceSchema(name: string) {
  const at = (field: string) => `source "${name}" field "${field}"`;
  const secrets_shape = `${at("secrets")} must be a list of 1 to ${SECRETS_PER_SOURCE_MAX} secrets`;
  return v.pipe(
    v.custom<Record<string, unknown>>(isObject, `source "${name}" must be an object like {"provider": "stripe", "secrets": ["..."]}`),
    v.check(
      (entry) => Object.keys(entry).every((field) => FIELDS.has(field)),
      (issue) => `source "${name}" has unknown field "${Object.keys(issue.input as object).find((field) => !FIELDS.has(field))}"; fields are ${[...FIELDS].join(", ")}`,
    ),
    v.object({
      provider: v.optional(v.picklist(PROVIDER_KINDS, (issue) => `${at("provider")} must be one of ${PROVIDER_KINDS.join(", ")}, got ${JSON.stringify(issue.input)}`), "standard"),
      // A default runs through the pipe, so a missing list gets the same message as a bad one.
      secrets: v.optional(
        v.pipe(
          v.unknown(),
          v.check((list) => Array.isArray(list) && list.length >= 1 && list.length <= SECRETS_PER_SOURCE_MAX, secrets_shape),
          v.transform((list) => list as unknown[]),
        ),
        null,
      ),
      basic_auth: v.optional(v.unknown()),
      merchant_id: v.optional(
        v.pipe(
          v.string(`${at("merchant_id")} must be 1 to 200 printable characters without spaces`),
          v.regex(MERCHANT_PATTERN, `${at("merchant_id")} must be 1 to 200 printable characters without spaces`),
        ),
      ),
    }),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const { provider, secrets, basic_auth } = dataset.value;
      const index = secrets.findIndex((secret) => secretProblem(provider, secret) !== null);
      if (index >= 0) addIssue({ message: `${at("secrets")} entry ${index + 1} ${secretProblem(provider, secrets[index])}` });
      else if (basic_auth !== undefined && provider !== "adyen") addIssue({ message: `${at("basic_auth")} is for adyen sources only` });
      else if (basic_auth !== undefined && (typeof basic_auth !== "string" || !/^[^:\s]+:\S+$/.test(basic_auth))) addIssue({ message: `${at("basic_auth")} must be "user:password"` });
    }),
    v.transform(
      ({ provider, secrets, basic_auth, merchant_id }): WebhookSource => ({
        name,
        provider,
        secrets: secrets as string[],
        basic_auth: (basic_auth as string | undefined) ?? null,
        merchant_id: merchant_id ?? null,
      }),
    ),
  );
}

function parseSource(name: string, entry: unknown): Result<WebhookSource> {
  const parsed = v.safeParse(sourceSchema(name), entry, { abortEarly: true });
  return parsed.success ? ok(parsed.output) : invalid(parsed.issues[0].message);
}

function secretProblem(kind: ProviderKind, secret: unknown): string | null {
  if (typeof secret !== "string") return "must be a string";
  switch (kind) {
    case "standard": {
      const checked = parseWebhookSecrets(JSON.stringify({ source: [secret] }));
      return checked.ok ? null : 'must be "whsec_" followed by base64 of at least 16 bytes';
    }
    case "stripe":
      return /^whsec_\S{8,}$/.test(secret) ? null : 'must be a Stripe endpoint secret, "whsec_..."';
    case "adyen": {
      const key = hexDecode(secret);
      return key !== undefined && key.length >= ADYEN_KEY_BYTES_MIN ? null : `must be Adyen's HMAC key: hex of at least ${ADYEN_KEY_BYTES_MIN} bytes`;
    }
    case "checkout":
      return /^\S+$/.test(secret) && secret.length >= SECRET_CHARS_MIN ? null : `must be the webhook's secret key, at least ${SECRET_CHARS_MIN} characters without spaces`;
  }
}

function invalid<T>(problem: string): Result<T> {
  return fail("invalid_config", `WEBHOOK_SOURCES ${problem}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
