/**
 * The HTTP behaviour suite (test/http/http-suite.ts), unchanged, against the production
 * Worker on workerd: the same inspection, DLQ, fraud override and ledger cases as the Bun host.
 */
import { runHttpSuite } from "../http/http-suite.ts";
import { startWorkerdHost } from "../support/workerd-host.ts";

runHttpSuite("the Cloudflare host over HTTP (workerd via Miniflare, Postgres through Neon's driver)", () => startWorkerdHost());
