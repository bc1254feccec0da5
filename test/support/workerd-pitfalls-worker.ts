/**
 * A test Worker that exercises the Durable Object adapter's answers to the platform's
 * pitfalls (test/cloudflare/durable-object-pitfalls.test.ts), and serves the Cloudflare
 * velocity store to the velocity contract suite.
 *
 *   POST /pitfall/:key/:method   body: JSON array of arguments
 *   POST /velocity               body: {observations, now_ms}
 * Answers {"answer": ...} or {"error": {"name", "message"}}.
 */
import { DurableObject } from "cloudflare:workers";
import { ActorObjectRuntime } from "../../actors/cloudflare/actor-object-runtime.ts";
import type { PaymentEvent } from "../../src/core/event.ts";
import { DurableObjectVelocityStore } from "../../src/hosts/cloudflare/velocity.ts";
import type { CloudflareEnv } from "../../src/hosts/cloudflare/env.ts";
import { createSuiteActor } from "../suite/suite-actors.ts";

export { VelocityCounterObject } from "../../src/hosts/cloudflare/velocity-counter-object.ts";

interface Env extends CloudflareEnv {
  PITFALLS: DurableObjectNamespaceBinding<PitfallObject>;
}

interface AlarmInvocation {
  retryCount?: number;
  isRetry?: boolean;
}

export class PitfallObject extends DurableObject<Env> {
  private readonly runtime = new ActorObjectRuntime(this.ctx, Date.now, 30);
  private payment: ReturnType<typeof createSuiteActor<"payment">> | null = null;

  /** Arms the alarm; its handler throws `times` times before it succeeds. */
  async failingAlarm(key: string, times: number): Promise<void> {
    const context = this.runtime.context(key);
    context.storage.transaction(() => {
      context.storage.put("failures_left", times);
      context.alarm.set(Date.now());
    });
  }

  async alarmReport(key: string) {
    const context = this.runtime.context(key);
    return {
      succeeded: context.storage.get<boolean>("succeeded") ?? false,
      invocations: context.storage.get<AlarmInvocation[]>("invocations") ?? [],
      alarm: context.alarm.get(),
      object_alarm: await this.ctx.storage.getAlarm(),
    };
  }

  async alarm(info?: AlarmInvocation): Promise<void> {
    await this.runtime.runAlarm(async () => {
      const storage = this.runtime.storage;
      storage.put("invocations", [...(storage.get<AlarmInvocation[]>("invocations") ?? []), { retryCount: info?.retryCount ?? 0, isRetry: info?.isRetry ?? false }]);
      const left = storage.get<number>("failures_left") ?? 0;
      if (left > 0) {
        storage.put("failures_left", left - 1);
        throw new Error(`the handler fails (${left} failures left)`);
      }
      if (storage.get("failures_left") !== undefined) storage.put("succeeded", true);
      if (this.payment !== null) await this.payment.alarm();
    });
  }

  /** A row over the limit is refused with a clear error and the object keeps working. */
  async oversizedRow(key: string) {
    const context = this.runtime.context(key);
    let error: string | null = null;
    try {
      context.storage.transaction(() => {
        context.storage.put("small", 1);
        context.storage.put("big", "x".repeat(1_500_000));
      });
    } catch (caught) {
      error = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
    }
    context.storage.put("after", 2);
    await context.storage.sync();
    return { error, small: context.storage.get("small") ?? null, after: context.storage.get("after") ?? null };
  }

  /** The object's alarm follows the transaction that set it: not set when it rolls back. */
  async alarmInTransactions(key: string) {
    const context = this.runtime.context(key);
    const at = Date.now() + 3_600_000;
    try {
      context.storage.transaction(() => {
        context.alarm.set(at);
        throw new Error("rolled back");
      });
    } catch {}
    await context.storage.sync();
    const after_rollback = { get: context.alarm.get(), object: await this.ctx.storage.getAlarm() };
    context.storage.transaction(() => context.alarm.set(at));
    await context.storage.sync();
    const after_commit = { get: context.alarm.get(), object: await this.ctx.storage.getAlarm() };
    context.alarm.delete();
    await context.storage.sync();
    return { at, after_rollback, after_commit, after_delete: await this.ctx.storage.getAlarm() };
  }

  /**
   * Leaves the object as a reset in the middle of its alarm handler would find it: the time
   * stored, the object's alarm consumed. `reset` then ends this instance.
   */
  async stall(key: string): Promise<number> {
    const context = this.runtime.context(key);
    const at = Date.now() + 3_600_000;
    context.alarm.set(at);
    await context.storage.sync();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.sync();
    return at;
  }

  async reset(): Promise<void> {
    (this.ctx as unknown as { abort(reason: string): void }).abort("test: reset in the middle of the alarm handler");
  }

  async objectAlarm(): Promise<number | null> {
    return this.ctx.storage.getAlarm();
  }

  async paymentAccept(key: string, event: PaymentEvent) {
    this.payment ??= createSuiteActor("payment", this.runtime.context(key));
    return this.payment.handle({ op: "accept", event });
  }

  async paymentInspect(key: string) {
    this.payment ??= createSuiteActor("payment", this.runtime.context(key));
    return this.payment.handle({ op: "inspect" });
  }

  /** The longest stored value (JSON characters) and the number of rows. */
  async largestRow(): Promise<{ rows: number; largest_chars: number; largest_key: string }> {
    let largest = { rows: 0, largest_chars: 0, largest_key: "" };
    for (const [key, value] of this.ctx.storage.kv.list({})) {
      const chars = (value as string).length;
      largest.rows += 1;
      if (chars > largest.largest_chars) largest = { ...largest, largest_chars: chars, largest_key: key };
    }
    return largest;
  }
}

function errorBody(error: unknown) {
  return { error: { name: error instanceof Error ? error.name : "Error", message: error instanceof Error ? error.message : String(error) } };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const path = new URL(request.url).pathname;
    try {
      if (path === "/velocity") {
        const { observations, now_ms } = (await request.json()) as { observations: never; now_ms: number };
        return Response.json({ answer: await new DurableObjectVelocityStore(env, 4).observe(observations, now_ms) });
      }
      const match = /^\/pitfall\/([^/]+)\/(\w+)$/.exec(path);
      if (match === null) return new Response("not found", { status: 404 });
      const key = decodeURIComponent(match[1]!);
      const stub = env.PITFALLS.get(env.PITFALLS.idFromName(key)) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const args = (await request.json()) as unknown[];
      return Response.json({ answer: (await stub[match[2]!]!(key, ...args)) ?? null });
    } catch (error) {
      return Response.json(errorBody(error), { status: 500 });
    }
  },
};
