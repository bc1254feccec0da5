/** The velocity store contract, run against the Cloudflare store (one Durable Object per counter) on workerd. */
import { afterAll } from "bun:test";
import type { VelocityStore } from "../../src/core/fraud/velocity.ts";
import { runVelocityContract } from "../fraud/velocity-contract.ts";
import { startPitfallsWorker } from "../support/workerd-pitfalls.ts";

const worker = await startPitfallsWorker();
afterAll(() => worker.stop());

const store: VelocityStore = { observe: (observations, now_ms) => worker.observe(observations, now_ms) };
runVelocityContract("Durable Object counters on workerd", () => store);
