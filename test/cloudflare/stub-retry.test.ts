/** The ingress retries a Durable Object call with a fresh stub when the platform, not the actor, failed it. */
import { describe, expect, test } from "bun:test";
import { callWithRetry, platformFailure } from "../../actors/cloudflare/stub-retry.ts";
import { TransientError } from "../../src/core/errors.ts";

/** Errors shaped as the Workers runtime throws them (properties on a plain Error). */
function platformError(message: string, flags: { retryable?: boolean; overloaded?: boolean; remote?: boolean } = {}) {
  return Object.assign(new Error(message), flags);
}

const RESET = "Durable Object reset because its code was updated.";
const fast = { sleep: async () => {}, random: () => 0.5 };

function stubs(outcomes: Array<Error | string>) {
  const created: number[] = [];
  let calls = 0;
  return {
    created,
    stubFor: () => {
      created.push(created.length + 1);
      return { id: created.length };
    },
    call: async (stub: { id: number }) => {
      const outcome = outcomes[calls++];
      if (outcome instanceof Error) throw outcome;
      return `${outcome} via stub ${stub.id}`;
    },
  };
}

describe("ingress retries on platform failures", () => {
  test("a reset because the code was updated is retried with a fresh stub, and the answer comes back", async () => {
    const fake = stubs([platformError(RESET), "accepted"]);
    expect(await callWithRetry(fake.stubFor, fake.call, fast)).toBe("accepted via stub 2");
    expect(fake.created).toEqual([1, 2]);
  });

  test("the reset message is recognised even without the retryable flag", () => {
    expect(platformFailure(new Error(RESET))).toBe("retryable");
    expect(platformFailure(platformError("network connection lost", { retryable: true }))).toBe("retryable");
    expect(platformFailure(platformError("too many requests queued", { overloaded: true }))).toBe("overloaded");
    expect(platformFailure(platformError("the actor threw", { remote: true }))).toBeNull();
  });

  test("retryable failures are retried up to the limit with growing backoff, then become a TransientError", async () => {
    const waits: number[] = [];
    const fake = stubs([platformError("a", { retryable: true }), platformError("b", { retryable: true }), platformError("c", { retryable: true })]);
    const call = callWithRetry(fake.stubFor, fake.call, { attempts_max: 3, sleep: async (ms) => void waits.push(ms), random: () => 1 });
    await expect(call).rejects.toBeInstanceOf(TransientError);
    expect(fake.created).toEqual([1, 2, 3]);
    expect(waits).toEqual([50, 100]);
  });

  test("an overloaded object is retried once, after the longest backoff, then the caller gets a TransientError (503 Retry-After)", async () => {
    const waits: number[] = [];
    const overloaded = () => platformError("Durable Object is overloaded. Too many requests queued.", { overloaded: true });
    const once = stubs([overloaded(), "accepted"]);
    expect(await callWithRetry(once.stubFor, once.call, { sleep: async (ms) => void waits.push(ms), random: () => 1 })).toBe("accepted via stub 2");
    expect(waits).toEqual([1_000]);
    const twice = stubs([overloaded(), overloaded(), "never"]);
    await expect(callWithRetry(twice.stubFor, twice.call, fast)).rejects.toBeInstanceOf(TransientError);
    expect(twice.created).toEqual([1, 2]);
  });

  test("an error thrown by the actor's own code is not retried", async () => {
    const fake = stubs([platformError("invalid input", { remote: true }), "never"]);
    await expect(callWithRetry(fake.stubFor, fake.call, fast)).rejects.toThrow("invalid input");
    expect(fake.created).toEqual([1]);
  });
});
