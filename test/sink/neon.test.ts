/**
 * Neon's serverless driver (WebSocket transport, what the Cloudflare host uses) through a
 * local ws->tcp proxy standing in for Neon's wsproxy: against a real PostgreSQL when one can
 * be had, and always against PGlite served on a TCP port by @electric-sql/pglite-socket.
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { afterAll, describe, test } from "bun:test";
import { openNeon } from "../../src/sink/drivers/neon.ts";
import { POSTGRES_MISSING, postgresRequired, startPostgres } from "../support/postgres-server.ts";
import { startWsTcpProxy } from "../support/ws-tcp-proxy.ts";
import { runSinkSuite } from "./sink-suite.ts";

const server = await startPostgres();
const server_proxy = server === null ? null : await startWsTcpProxy(hostAndPort(server.url));

const pglite = new PGlite();
// PGlite is a single Postgres session: its socket server runs one client connection at a time.
const pglite_server = new PGLiteSocketServer({ db: pglite, host: "127.0.0.1", port: 0, maxConnections: 1 });
await pglite_server.start();
const pglite_address = pglite_server.getServerConn();
const pglite_proxy = await startWsTcpProxy(hostAndPort(`postgres://${pglite_address}`));

afterAll(async () => {
  server_proxy?.stop();
  pglite_proxy.stop();
  await server?.stop();
  await pglite_server.stop();
  await pglite.close();
});

if (server === null && postgresRequired()) {
  test("PostgreSQL is available, as REQUIRE_POSTGRES=1 demands", () => {
    throw new Error(POSTGRES_MISSING);
  });
}

if (server === null) console.warn(`skipping the Neon-driver suite on PostgreSQL: ${POSTGRES_MISSING}`);
// Skipped only where no PostgreSQL can be had (a laptop without the binaries); CI sets
// REQUIRE_POSTGRES=1, which turns the same situation into the failing test above.
describe.skipIf(server === null)("Neon driver to PostgreSQL", () => {
  runSinkSuite("sink on PostgreSQL (Neon serverless driver via ws proxy)", () =>
    openNeon(server!.url, { ws_proxy: `127.0.0.1:${server_proxy!.port}`, connections_max: 4 }),
  );
});

runSinkSuite(
  "sink on PGlite (Neon serverless driver via ws proxy and pglite-socket)",
  () => openNeon(`postgres://postgres@${pglite_address}/postgres`, { ws_proxy: `127.0.0.1:${pglite_proxy.port}`, connections_max: 1 }),
  {
    not_applicable: {
      "two migrations at once from two pools apply each migration once":
        "PGlite's socket server accepts one connection at a time, so a second pool cannot connect",
    },
  },
);

function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}
