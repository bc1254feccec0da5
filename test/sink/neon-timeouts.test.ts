/**
 * A Postgres that stops answering must fail the sink's writes, not hold them forever: a hung
 * write would block its sink writer (and every actor flushing through it) for good, while a
 * failed one is retried by the actors with backoff.
 */
import { expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { openNeon } from "../../src/sink/drivers/neon.ts";

test("a WebSocket proxy that accepts and then never answers fails the query instead of holding it", async () => {
  // Upgrades every request to a WebSocket and then says nothing, like a wedged proxy.
  const silent = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request, server) {
      return server.upgrade(request) ? undefined : new Response("expected a WebSocket", { status: 400 });
    },
    websocket: { message() {} },
  });
  const sink = await openNeon("postgres://postgres@127.0.0.1:5432/postgres", {
    ws_proxy: `127.0.0.1:${silent.port}`,
    connect_timeout_ms: 300,
    statement_timeout_ms: 300,
  });
  try {
    // Without the timeouts this await never settles, and the test fails on bun's own timeout.
    const error = await sink.db.execute(sql`select 1`).then(
      () => null,
      (reason: unknown) => reason as Error,
    );
    expect(error).toBeInstanceOf(Error);
  } finally {
    await Promise.race([sink.close(), Bun.sleep(1_000)]);
    silent.stop(true);
  }
});
