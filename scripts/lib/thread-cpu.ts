/** CPU time per thread of a process, from /proc (Linux only): which thread the work lands on. */
import { readdirSync, readFileSync } from "node:fs";

export type ThreadCpu = Map<string, number>;

const TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) by thread name; threads with the same name are summed. */
export function threadCpu(pid: number): ThreadCpu {
  const result: ThreadCpu = new Map();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return result;
  }
  for (const tid of tasks) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      const name = (tid === String(pid) ? "main" : readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim());
      result.set(name, (result.get(name) ?? 0) + (ticks * 1000) / TICKS_PER_SECOND);
    } catch {}
  }
  return result;
}

/** The CPU each thread used between two readings, largest first. */
export function threadCpuSince(before: ThreadCpu, after: ThreadCpu): Array<[string, number]> {
  return [...after].map(([name, ms]) => [name, ms - (before.get(name) ?? 0)] as [string, number]).filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]);
}
