/**
 * The Upstash Redis REST protocol served by scripts/redis-dev, case by case against
 * https://upstash.com/docs/redis/features/restapi, over a real redis-server.
 */
import { describe, expect, test } from "bun:test";
import { Redis } from "@upstash/redis";
import { withRedis } from "../support/redis-suite.ts";

await withRedis("Upstash REST protocol", ({ rest }) => {
  const call = (path: string, init: RequestInit & { token?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const token = init.token === undefined ? rest.token : init.token;
    if (token !== null) headers.set("authorization", `Bearer ${token}`);
    return fetch(rest.url + path, { method: "POST", ...init, headers });
  };
  const key = (name: string) => `rest-${crypto.randomUUID()}:${name}`;

  describe("authentication", () => {
    test("a request without a token is 401 with an error body", async () => {
      const response = await call("/", { body: JSON.stringify(["PING"]), token: null });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: "Unauthorized" });
    });

    test("a wrong bearer token is 401", async () => {
      const response = await call("/", { body: JSON.stringify(["PING"]), token: `${rest.token}x` });
      expect(response.status).toBe(401);
    });

    test("the token may be the _token query parameter", async () => {
      const response = await fetch(`${rest.url}/ping?_token=${encodeURIComponent(rest.token)}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ result: "PONG" });
    });
  });

  describe("one command", () => {
    test("POST / with a command array answers {result}", async () => {
      const name = key("a");
      expect(await (await call("/", { body: JSON.stringify(["SET", name, "bar", "EX", 100]) })).json()).toEqual({ result: "OK" });
      expect(await (await call("/", { body: JSON.stringify(["GET", name]) })).json()).toEqual({ result: "bar" });
    });

    test("integers, nulls and arrays come back as JSON values", async () => {
      const name = key("z");
      expect(await (await call("/", { body: JSON.stringify(["ZADD", name, 11, "item1", 22, "item2"]) })).json()).toEqual({ result: 2 });
      expect(await (await call("/", { body: JSON.stringify(["GET", key("missing")]) })).json()).toEqual({ result: null });
      const range = await (await call("/", { body: JSON.stringify(["ZRANGE", name, 0, -1, "WITHSCORES"]) })).json();
      expect(range).toEqual({ result: ["item1", "11", "item2", "22"] });
    });

    test("a command in the path, with a POST body as its last argument and query parameters after it", async () => {
      const name = key("path");
      const set = await call(`/set/${encodeURIComponent(name)}?EX=100`, { body: "a value/with slash" });
      expect(await set.json()).toEqual({ result: "OK" });
      const get = await fetch(`${rest.url}/get/${encodeURIComponent(name)}`, { headers: { authorization: `Bearer ${rest.token}` } });
      expect(await get.json()).toEqual({ result: "a value/with slash" });
      const ttl = await (await call(`/ttl/${encodeURIComponent(name)}`)).json();
      expect(ttl.result).toBeGreaterThan(0);
    });

    test("a failing command is 400 with Redis's error", async () => {
      const name = key("s");
      await call("/", { body: JSON.stringify(["SET", name, "text"]) });
      const response = await call("/", { body: JSON.stringify(["INCR", name]) });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: "ERR value is not an integer or out of range" });
    });

    test("wrong arity is 400", async () => {
      const response = await call("/", { body: JSON.stringify(["GET"]) });
      expect(response.status).toBe(400);
      expect((await response.json()).error).toContain("wrong number of arguments");
    });

    test("a body that is not a command array is 400", async () => {
      for (const body of ["not json", "{}", "[]", JSON.stringify(["SET", "k", { nested: true }])]) {
        const response = await call("/", { body });
        expect(response.status).toBe(400);
        expect(typeof (await response.json()).error).toBe("string");
      }
    });

    test("a command that would block or change the shared connection is 400", async () => {
      for (const command of [["SELECT", 1], ["MULTI"], ["SUBSCRIBE", "c"], ["BLPOP", "k", 0]]) {
        const response = await call("/", { body: JSON.stringify(command) });
        expect(response.status).toBe(400);
        expect((await response.json()).error).toContain("Command is not available");
      }
    });

    test("a method other than HEAD, GET, POST and PUT is 405", async () => {
      const response = await call("/", { method: "DELETE" });
      expect(response.status).toBe(405);
      expect(typeof (await response.json()).error).toBe("string");
    });
  });

  describe("Upstash-Encoding: base64", () => {
    test("strings are base64 except OK; integers stay numbers", async () => {
      const name = key("b64");
      const headers = { "upstash-encoding": "base64" };
      expect(await (await call("/", { headers, body: JSON.stringify(["SET", name, "bar"]) })).json()).toEqual({ result: "OK" });
      expect(await (await call("/", { headers, body: JSON.stringify(["GET", name]) })).json()).toEqual({ result: "YmFy" });
      expect(await (await call("/", { headers, body: JSON.stringify(["PING"]) })).json()).toEqual({ result: btoa("PONG") });
      expect(await (await call("/", { headers, body: JSON.stringify(["STRLEN", name]) })).json()).toEqual({ result: 3 });
    });

    test("bytes that are not UTF-8 survive base64 and are replaced without it", async () => {
      const name = key("bin");
      await call("/", { body: JSON.stringify(["SET", name, "a"]) });
      await call("/", { body: JSON.stringify(["SETRANGE", name, 1, "\u00ff"]) });
      await call("/", { body: JSON.stringify(["BITOP", "NOT", name, name]) });
      const encoded = await (await call("/", { headers: { "upstash-encoding": "base64" }, body: JSON.stringify(["GET", name]) })).json();
      expect([...Buffer.from(encoded.result, "base64")]).toEqual([0x9e, 0x3c, 0x40]);
      const plain = await (await call("/", { body: JSON.stringify(["GET", name]) })).json();
      expect(plain.result).toContain("\ufffd");
    });

    test("errors are never encoded", async () => {
      const response = await call("/", { headers: { "upstash-encoding": "base64" }, body: JSON.stringify(["GET"]) });
      expect((await response.json()).error).toContain("wrong number of arguments");
    });
  });

  describe("/pipeline", () => {
    test("one result or error per command, in order, with 200", async () => {
      const a = key("p1");
      const response = await call("/pipeline", {
        body: JSON.stringify([["SET", a, "valuex"], ["SETEX", key("p2"), 13, "valuez"], ["INCR", a], ["ZADD", key("p3"), 11, "item1", 22, "item2"]]),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([
        { result: "OK" },
        { result: "OK" },
        { error: "ERR value is not an integer or out of range" },
        { result: 2 },
      ]);
    });

    test("a body that is not an array of commands is 400", async () => {
      for (const body of ["[]", JSON.stringify(["GET", "k"]), JSON.stringify([[]])]) {
        expect((await call("/pipeline", { body })).status).toBe(400);
      }
    });
  });

  describe("/multi-exec", () => {
    test("commands run atomically and answer one result or error each", async () => {
      const a = key("m1");
      const response = await call("/multi-exec", { body: JSON.stringify([["SET", a, "valuex"], ["INCR", a], ["GET", a]]) });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([{ result: "OK" }, { error: "ERR value is not an integer or out of range" }, { result: "valuex" }]);
    });

    test("a transaction discarded as a whole is one error, 400, and runs nothing", async () => {
      const a = key("m2");
      const response = await call("/multi-exec", { body: JSON.stringify([["SET", a, "x"], ["GET"]]) });
      expect(response.status).toBe(400);
      expect((await response.json()).error).toContain("EXECABORT");
      expect(await (await call("/", { body: JSON.stringify(["EXISTS", a]) })).json()).toEqual({ result: 0 });
    });

    test("base64 applies to every result", async () => {
      const a = key("m3");
      const response = await call("/multi-exec", { headers: { "upstash-encoding": "base64" }, body: JSON.stringify([["SET", a, "bar"], ["GET", a]]) });
      expect(await response.json()).toEqual([{ result: "OK" }, { result: "YmFy" }]);
    });
  });

  describe("@upstash/redis as the client", () => {
    const client = new Redis({ url: rest.url, token: rest.token, retry: { retries: 0 } });

    test("commands, a pipeline, a transaction and a script work through the SDK", async () => {
      const a = key("sdk");
      expect(await client.set(a, "hello")).toBe("OK");
      expect(await client.get(a)).toBe("hello");
      const pipeline = client.pipeline();
      pipeline.incr(key("sdk-n"));
      pipeline.zadd(key("sdk-z"), { score: 1, member: "m" });
      expect(await pipeline.exec()).toEqual([1, 1]);
      const transaction = client.multi();
      transaction.set(a, "x");
      transaction.get(a);
      expect(await transaction.exec()).toEqual(["OK", "x"]);
      const script = client.createScript<number>("return redis.call('STRLEN', KEYS[1])");
      expect(await script.exec([a], [])).toBe(1);
    });

    test("a wrong token is an error through the SDK", async () => {
      const wrong = new Redis({ url: rest.url, token: "wrong", retry: { retries: 0 } });
      await expect(wrong.get("k")).rejects.toThrow("Unauthorized");
    });
  });
});

test("a Redis that cannot be reached is 503 with an error starting UNAVAILABLE", async () => {
  const { createRestHandler } = await import("../../scripts/redis-dev/rest-handler.ts");
  const { RedisConnection } = await import("../../scripts/redis-dev/redis-connection.ts");
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const closed_port = listener.port;
  listener.stop(true);
  const redis = new RedisConnection(`redis://127.0.0.1:${closed_port}`);
  const handler = createRestHandler({ redis, token: "t" });
  const response = await handler(new Request("http://x/", { method: "POST", headers: { authorization: "Bearer t" }, body: '["PING"]' }));
  expect(response.status).toBe(503);
  expect((await response.json()).error).toStartWith("UNAVAILABLE ");
  redis.close();
});
