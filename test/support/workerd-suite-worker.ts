/**
 * The Worker the actor-host suite runs on workerd (test/hosts/workerd.test.ts): one Durable
 * Object class per suite actor kind, each the suite's actor (test/suite/suite-actors.ts) on
 * the Cloudflare adapter (actors/cloudflare), exactly as the payment actor runs in production.
 *
 *   POST /call/:kind/:key   body: the request; answer: {"answer": ...} or {"error": "..."}
 */
import { DurableObject } from "cloudflare:workers";
import { ActorObjectRuntime } from "../../actors/cloudflare/actor-object-runtime.ts";
import { createSuiteActor, type SuiteActor } from "../suite/suite-actors.ts";
import type { SuiteActorKind } from "../suite/host.ts";

interface Env {
  probe: DurableObjectNamespaceBinding<SuiteObject>;
  payment: DurableObjectNamespaceBinding<SuiteObject>;
}

abstract class SuiteObject extends DurableObject<Env> {
  protected abstract readonly kind: SuiteActorKind;
  private readonly runtime = new ActorObjectRuntime(this.ctx);
  private actor: SuiteActor | null = null;

  async handle(key: string, request: unknown): Promise<unknown> {
    return this.actorFor(key).handle(request as never);
  }

  async alarm(): Promise<void> {
    await this.runtime.runAlarm(async () => {
      const key = this.runtime.storedKey();
      if (key !== null) await this.actorFor(key).alarm();
    });
  }

  private actorFor(key: string): SuiteActor {
    this.actor ??= createSuiteActor(this.kind, this.runtime.context(key));
    return this.actor;
  }
}

export class ProbeObject extends SuiteObject {
  protected readonly kind = "probe";
}

export class PaymentSuiteObject extends SuiteObject {
  protected readonly kind = "payment";
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const match = /^\/call\/(probe|payment)\/(.+)$/.exec(new URL(request.url).pathname);
    if (request.method !== "POST" || match === null) return new Response("not found", { status: 404 });
    const kind = match[1] as SuiteActorKind;
    const key = decodeURIComponent(match[2]!);
    const namespace = env[kind];
    try {
      const answer = await namespace.get(namespace.idFromName(key)).handle(key, await request.json());
      return Response.json({ answer: answer ?? null });
    } catch (error) {
      return Response.json({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, { status: 500 });
    }
  },
};
