/**
 * CPU time and bytes written per thread of a process, from /proc (Linux only): which thread
 * the work lands on. Bytes written (`wchar`: what the thread passed to write calls) do not
 * depend on how fast the machine is at the moment, so they compare storage designs where CPU
 * time on a noisy machine cannot.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ThreadUsage {
  cpu_ms: number;
  written_bytes: number;
}

/** Usage by thread name; threads with the same name are summed. */
export type ThreadUsages = Map<string, ThreadUsage>;

const TICKS_PER_SECOND = 100;

export function threadUsage(pid: number): ThreadUsages {
  const result: ThreadUsages = new Map();
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
      const cpu_ms = ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
      const written_bytes = Number(/^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/task/${tid}/io`, "utf8"))?.[1] ?? 0);
      const name = tid === String(pid) ? "main" : readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const sum = result.get(name) ?? { cpu_ms: 0, written_bytes: 0 };
      result.set(name, { cpu_ms: sum.cpu_ms + cpu_ms, written_bytes: sum.written_bytes + written_bytes });
    } catch {}
  }
  return result;
}

/** What each thread used between two readings, most CPU first (threads that used none left out). */
export function threadUsageSince(before: ThreadUsages, after: ThreadUsages): Array<[string, ThreadUsage]> {
  return [...after]
    .map(([name, usage]): [string, ThreadUsage] => {
      const earlier = before.get(name) ?? { cpu_ms: 0, written_bytes: 0 };
      return [name, { cpu_ms: usage.cpu_ms - earlier.cpu_ms, written_bytes: usage.written_bytes - earlier.written_bytes }];
    })
    .filter(([, usage]) => usage.cpu_ms > 0)
    .sort((a, b) => b[1].cpu_ms - a[1].cpu_ms);
}
