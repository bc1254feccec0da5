/**
 * `npm run recover [-- --force] [--allow-mismatch]`: rebuilds DATA_DIR/actors.sqlite from
 * Postgres (src/hosts/bun/recover.ts), with the host stopped and the host's environment
 * (DATA_DIR, DATABASE_URL, FRAUD_RULES, ...). Prints what it restored, or one
 * `cannot recover:` line and exits 1.
 */
import { describeRecovery, parseRecoverArguments, recoverActors } from "../src/hosts/bun/recover.ts";

try {
  const summary = await recoverActors(process.env, parseRecoverArguments(process.argv.slice(2)));
  console.log(describeRecovery(summary));
  process.exit(0);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`cannot recover: ${message.split("\n")[0]}`);
  process.exit(1);
}
