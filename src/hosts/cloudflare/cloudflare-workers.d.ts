/**
 * The few Workers runtime types this project uses, declared here rather than through
 * `@cloudflare/workers-types`, whose globals (Request, Response, WebSocket ...) clash with
 * Bun's in one tsconfig. Shapes follow workers-types; only what the hosts call is listed.
 */
declare module "cloudflare:workers" {
  import type { DurableObjectStateApi } from "../../../actors/cloudflare/durable-object-api.ts";

  export abstract class DurableObject<Env = unknown> {
    protected ctx: DurableObjectStateApi;
    protected env: Env;
    constructor(ctx: DurableObjectStateApi, env: Env);
  }
}

/** A Durable Object namespace binding; `T` is the class, whose public methods are RPC. */
interface DurableObjectNamespaceBinding<T = unknown> {
  idFromName(name: string): unknown;
  get(id: unknown): DurableObjectStubOf<T>;
}

type DurableObjectStubOf<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
} & { fetch(request: Request): Promise<Response> };

interface WorkerExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

interface WorkerScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
}
