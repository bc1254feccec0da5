/**
 * A small JSON Schema walker for the subset GET /openapi.json uses ($ref, type, enum, const,
 * anyOf, properties, required, items, additionalProperties, pattern, minimum, maximum,
 * maxLength), and the matching of a request to its documented operation.
 */
type Schema = Record<string, any>;

export function validate(value: unknown, schema: Schema, document: Schema, at = "$"): string[] {
  if (schema.$ref) return validate(value, resolveRef(schema.$ref, document), document, at);
  const problems: string[] = [];
  if (schema.anyOf) {
    const branches = (schema.anyOf as Schema[]).map((branch) => validate(value, branch, document, at));
    if (branches.every((branch) => branch.length > 0)) problems.push(`${at}: matches no anyOf branch (${branches.map((b) => b[0]).join(" | ")})`);
    return problems;
  }
  if (schema.const !== undefined && value !== schema.const) problems.push(`${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type: string) => hasType(value, type))) return [...problems, `${at}: ${JSON.stringify(value)?.slice(0, 80)} is not of type ${types.join("|")}`];
  }
  if (typeof value === "string") {
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) problems.push(`${at}: ${value} does not match ${schema.pattern}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${at}: longer than ${schema.maxLength}`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at}: above ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) value.forEach((item, index) => problems.push(...validate(item, schema.items, document, `${at}[${index}]`)));
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? []) if (!(name in record)) problems.push(`${at}: missing required ${name}`);
    for (const [name, item] of Object.entries(record)) {
      const property = schema.properties?.[name];
      if (property) problems.push(...validate(item, property, document, `${at}.${name}`));
      else if (schema.additionalProperties === false) problems.push(`${at}: unexpected property ${name}`);
      else if (typeof schema.additionalProperties === "object") problems.push(...validate(item, schema.additionalProperties, document, `${at}.${name}`));
    }
  }
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number";
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

function resolveRef(ref: string, document: Schema): Schema {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .reduce((node: any, key) => node?.[key], document);
}

/** The documented path template (`/payments/{id}`) a concrete path matches, preferring literal segments. */
export function matchPath(path: string, document: Schema): string | null {
  const candidates = Object.keys(document.paths).filter((template) =>
    new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path),
  );
  candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  return candidates[0] ?? null;
}

/** Hono's `/payments/:id` as OpenAPI's `/payments/{id}`. */
export function openApiPath(hono_path: string): string {
  return hono_path.replace(/:([A-Za-z_]+)/g, "{$1}");
}
