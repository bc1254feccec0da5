/**
 * GET /openapi.json does not drift from the code: every route of the app appears in it, and
 * every response the HTTP behaviour suite receives from the real Bun host validates against
 * the documented status and body schema.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/http/app.ts";
import { MetricsRegistry } from "../../src/http/metrics.ts";
import { OPENAPI_DOCUMENT } from "../../src/http/openapi/openapi-document.ts";
import type { AppDependencies } from "../../src/http/ports.ts";
import { loadBunConfig } from "../../src/hosts/bun/config.ts";
import { startBunHost } from "../../src/hosts/bun/start-host.ts";
import { randomWebhookSecret } from "../support/http-target.ts";
import { matchPath, openApiPath, validate } from "../support/openapi-check.ts";
import { providerSources } from "../support/provider-sources.ts";
import { runHttpSuite } from "./http-suite.ts";

const document = OPENAPI_DOCUMENT as unknown as Record<string, any>;

test("every route of the app appears in GET /openapi.json with its method", async () => {
  const unused = () => {
    throw new Error("not called when listing routes");
  };
  const app = createApp({ webhook_secrets: {}, admin_token: null, body_bytes_max: 1, actors: unused as never, sink: unused as never, metrics: new MetricsRegistry(), health_checks: [], now: Date.now } as AppDependencies);
  const routes = app.routes.filter((route) => route.method !== "ALL" && !route.path.includes("*"));
  expect(routes.length).toBeGreaterThan(20);
  const missing = routes.filter((route) => !document.paths[openApiPath(route.path)]?.[route.method.toLowerCase()]).map((route) => `${route.method} ${route.path}`);
  expect(missing).toEqual([]);
  const served = await (await app.request("/openapi.json")).json();
  expect(served).toEqual(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
  expect(served.openapi).toBe("3.1.0");
});

test("the schema walker refuses what it should (a check of the checker)", () => {
  const problem = { $ref: "#/components/schemas/Problem" };
  expect(validate({ error: { code: "x", message: "y" } }, problem, document)).toEqual([]);
  expect(validate({ error: { code: 1 } }, problem, document).length).toBe(2);
  expect(validate({ status: "later" }, { $ref: "#/components/schemas/Accepted" }, document).length).toBe(1);
  expect(validate(1.5, { type: "integer" }, document).length).toBe(1);
});

interface Exchange {
  method: string;
  path: string;
  status: number;
  content_type: string;
  body: string;
}
const exchanges: Exchange[] = [];
let host_url = "";
const real_fetch = globalThis.fetch;

beforeAll(() => {
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const response = await real_fetch(input, init);
    const request = { url: input instanceof Request ? input.url : String(input), method: (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase() };
    if (host_url !== "" && request.url.startsWith(host_url)) {
      const copy = response.clone();
      exchanges.push({ method: request.method, path: new URL(request.url).pathname, status: response.status, content_type: response.headers.get("content-type") ?? "", body: await copy.text() });
    }
    return response;
  }) as typeof fetch;
});
afterAll(() => {
  globalThis.fetch = real_fetch;
});

runHttpSuite("the HTTP suite, recorded for the OpenAPI check", async () => {
  const data_dir = mkdtempSync(join(tmpdir(), "openapi-bun-host-"));
  const secrets = [randomWebhookSecret(), randomWebhookSecret()] as const;
  const admin_token = `adm_${crypto.randomUUID()}`;
  const providers = providerSources();
  const config = loadBunConfig({
    DATA_DIR: data_dir,
    PORT: "0",
    HOST: "127.0.0.1",
    ADMIN_TOKEN: admin_token,
    WEBHOOK_SECRETS: JSON.stringify({ dev: secrets, other: [randomWebhookSecret()] }),
    WEBHOOK_SOURCES: providers.webhook_sources,
    BODY_BYTES_MAX: String(32 * 1024),
    HOLD_TIMEOUT_MS: "1000",
  });
  if (!config.ok) throw new Error(config.error.message);
  const host = await startBunHost(config.value);
  host_url = host.url;
  return {
    url: host.url,
    admin_token,
    webhook_secret: secrets[1],
    webhook_secret_previous: secrets[0],
    providers: providers.credentials,
    body_bytes_max: 32 * 1024,
    hold_timeout_ms: 1000,
    async stop() {
      await host.stop();
      rmSync(data_dir, { recursive: true, force: true });
    },
  };
});

test("every response the HTTP suite received is documented and validates against GET /openapi.json", () => {
  expect(exchanges.length).toBeGreaterThan(100);
  const problems: string[] = [];
  const documented = new Set<string>();
  for (const exchange of exchanges) {
    const label = `${exchange.method} ${exchange.path} → ${exchange.status}`;
    const template = matchPath(exchange.path, document);
    const operation = template === null ? undefined : document.paths[template][exchange.method.toLowerCase()];
    if (operation === undefined) {
      // A route the app does not have: the catch-all answer, 404, or 405 (with Allow) for a path
      // the app serves with other methods; both carry the documented Problem body.
      const expected = template === null ? 404 : 405;
      if (exchange.status !== expected || validate(JSON.parse(exchange.body), { $ref: "#/components/schemas/Problem" }, document).length > 0) problems.push(`${label}: no such operation`);
      continue;
    }
    const response = operation.responses[String(exchange.status)];
    if (response === undefined) {
      problems.push(`${label}: status not documented`);
      continue;
    }
    documented.add(`${exchange.method} ${template} ${exchange.status}`);
    const media = exchange.content_type.split(";")[0]!.trim();
    if (media === "application/json" && response.content?.["application/json"]) {
      for (const problem of validate(JSON.parse(exchange.body), response.content["application/json"].schema, document)) problems.push(`${label}: ${problem}`);
    } else if (response.content && !response.content[media] && exchange.body !== "") {
      problems.push(`${label}: content type ${media} not documented`);
    }
  }
  expect(problems.slice(0, 20)).toEqual([]);
  expect(documented.size).toBeGreaterThan(15);
});
