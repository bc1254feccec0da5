/** Reads a running host's /metrics: counters, gauges, and quantiles from histogram buckets. */

export type MetricsText = string;

export async function readMetrics(url: string): Promise<MetricsText> {
  return (await fetch(`${url}/metrics`)).text();
}

/** The value of an unlabelled sample, or 0 when absent. */
export function sample(text: MetricsText, name: string): number {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1).replace("+Inf", "Infinity"));
}

/** Cumulative bucket counts of a histogram, by upper bound. */
function buckets(text: MetricsText, name: string): Array<[number, number]> {
  const prefix = `${name}_bucket{le="`;
  return text
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .map((line) => {
      const bound = line.slice(prefix.length, line.indexOf('"', prefix.length));
      return [bound === "+Inf" ? Infinity : Number(bound), Number(line.slice(line.lastIndexOf(" ") + 1))] as [number, number];
    });
}

/**
 * The bucket bound under which `fraction` of the observations made between two readings
 * fall: "p99 <= 250 ms". Null when nothing was observed.
 */
export function quantileBetween(before: MetricsText, after: MetricsText, name: string, fraction: number): number | null {
  const start = new Map(buckets(before, name));
  const deltas = buckets(after, name).map(([bound, count]) => [bound, count - (start.get(bound) ?? 0)] as [number, number]);
  const total = deltas.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  return deltas.find(([, count]) => count >= fraction * total)?.[0] ?? Infinity;
}
