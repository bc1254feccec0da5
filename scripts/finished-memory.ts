/**
 * `bun run scripts/finished-memory.ts`: what a finished payment costs the Bun host's actor
 * thread in heap while its retirement waits (FINISHED_RETENTION_DAYS): the actor system and
 * payment actors over one actor database in memory, FINISHED_PAYMENTS payments (default
 * 20,000) each created and failed, ACTOR_INSTANCES_MAX instances (default 2,000). Prints the
 * instances and alarms held in memory, the alarms stored, and the heap a payment (JSC's
 * heapStats after a full collection). Bounded: it stops by itself.
 */
import { ActorDatabase } from "../actors/bun/actor-database.ts";
import { BunActorSystem } from "../actors/bun/bun-actor-system.ts";
import { paymentActorLimits } from "../actors/payment/limits.ts";
import { PaymentActor } from "../actors/payment/payment-actor.ts";
import { PENDING_WORK_PREFIXES } from "../actors/payment/storage-layout.ts";
import { DEFAULT_LIMITS } from "../src/core/config.ts";
import { DEFAULT_FRAUD_RULES } from "../src/core/fraud/default-rules.ts";
import { actorMetrics } from "../src/hosts/actor-metrics.ts";
import { deliverIngressMessage } from "../src/hosts/bun/ingress-delivery.ts";
import { MetricsRegistry } from "../src/http/metrics.ts";
import { EmbeddedVelocityStore } from "../src/velocity/embedded-sqlite.ts";
const { heapStats, fullGC } = require("bun:jsc");
const payments = Number(process.env.FINISHED_PAYMENTS ?? 20_000);
const instances_max = Number(process.env.ACTOR_INSTANCES_MAX ?? 2_000);
const database = new ActorDatabase({ path: ":memory:" });
const dependencies = { velocity: new EmbeddedVelocityStore(database.db), sink: { write: async () => {} }, fraud_rules: DEFAULT_FRAUD_RULES, limits: paymentActorLimits(DEFAULT_LIMITS), metrics: actorMetrics(new MetricsRegistry(), 0), random: Math.random };
const system = new BunActorSystem<PaymentActor>(database, (context) => new PaymentActor(context, dependencies as never), Date.now, { instances_max });
system.start({ pending_prefixes: PENDING_WORK_PREFIXES });
fullGC(); const before = heapStats().heapSize;
const n = payments;
const at = new Date().toISOString();
for (let i = 0; i < n; i++) {
  const payment_id = `pay_fin_${i}`;
  const data = { amount: 1000, currency: "USD", merchant_id: "m_1", customer_id: `c_${i}`, card: { fingerprint: `fp_${i}`, country: "US" }, ip: "10.0.0.1", ip_country: "US" };
  for (const [k, type] of (["payment.created", "payment.failed"] as const).entries()) {
    const event = { id: `evt_${payment_id}_${k}`, type, payment_id, occurred_at: at, sequence: k + 1, data: k === 0 ? data : {} };
    deliverIngressMessage(system.get(payment_id), { event, source: "webhook", accepted_at: Date.now() } as never);
  }
  if (i % 200 === 0) { system.scheduler.startDue(); await Bun.sleep(5); }
}
for (let i = 0; i < 200; i++) { system.scheduler.startDue(); await Bun.sleep(20); }
await database.flush();
fullGC();
const rows = (database.db.query("SELECT count(*) AS n FROM actor_alarm_times").get() as { n: number }).n;
console.log(`${n} finished payments: ${system.size()} instances in memory (limit ${instances_max}), ${system.scheduler.pending()} alarms in memory, ${rows} stored, heap +${((heapStats().heapSize - before) / n).toFixed(0)} bytes a payment`);
process.exit(0);
