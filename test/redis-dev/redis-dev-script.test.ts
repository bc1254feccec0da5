/** `npm run redis:dev` as DESIGN.md section 10 specifies it: port, Redis URL and token from the environment. */
import { expect, test } from "bun:test";
import { withRedis } from "../support/redis-suite.ts";

const SCRIPT = new URL("../../scripts/redis-dev.ts", import.meta.url).pathname;

async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** Starts the script and reads its stdout until it printed the token line (bounded). */
async function startScript(env: Record<string, string>) {
  const { REDIS_DEV_TOKEN: _unset, ...inherited } = process.env;
  const child = Bun.spawn([process.execPath, "run", SCRIPT], { env: { ...inherited, ...env }, stdout: "pipe", stderr: "pipe" });
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let output = "";
  const deadline = Date.now() + 10_000;
  while (!output.includes("UPSTASH_REDIS_REST_TOKEN=") && Date.now() < deadline) {
    const { done, value } = await Promise.race([reader.read(), Bun.sleep(10_000).then(() => ({ done: true, value: undefined }))]);
    if (done) break;
    output += new TextDecoder().decode(value);
  }
  await Bun.sleep(50);
  return { child, output };
}

await withRedis("npm run redis:dev", (redis) => {
  test("without REDIS_DEV_TOKEN a token is generated and printed, and the server answers on REDIS_DEV_PORT with it", async () => {
    const port = await freePort();
    const { child, output } = await startScript({ REDIS_URL: redis.redis.url, REDIS_DEV_PORT: String(port) });
    try {
      expect(output).toContain(`UPSTASH_REDIS_REST_URL=http://127.0.0.1:${port}`);
      const token = /UPSTASH_REDIS_REST_TOKEN=(\S+)/.exec(output)?.[1];
      expect(token).toMatch(/^dev_/);
      const answer = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: '["PING"]' });
      expect(await answer.json()).toEqual({ result: "PONG" });
      const refused = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: '["PING"]' });
      expect(refused.status).toBe(401);
    } finally {
      child.kill("SIGTERM");
      await child.exited;
    }
  });

  test("a given REDIS_DEV_TOKEN is used and not printed", async () => {
    const port = await freePort();
    const { child, output } = await startScript({ REDIS_URL: redis.redis.url, REDIS_DEV_PORT: String(port), REDIS_DEV_TOKEN: "my-dev-token" });
    try {
      expect(output).not.toContain("my-dev-token");
      const answer = await fetch(`http://127.0.0.1:${port}/`, { method: "POST", headers: { authorization: "Bearer my-dev-token" }, body: '["PING"]' });
      expect(await answer.json()).toEqual({ result: "PONG" });
    } finally {
      child.kill("SIGTERM");
      await child.exited;
    }
  });
});

test("a bad REDIS_DEV_PORT or REDIS_URL stops the start with a message naming it", async () => {
  for (const [env, variable] of [[{ REDIS_DEV_PORT: "http" }, "REDIS_DEV_PORT"], [{ REDIS_URL: "http://x" }, "REDIS_URL"]] as const) {
    const child = Bun.spawn([process.execPath, "run", SCRIPT], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    expect(code).toBe(1);
    expect(stderr).toContain(variable);
  }
});
