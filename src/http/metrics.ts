/** A small Prometheus registry (text exposition format 0.0.4): counters, gauges, histograms. */

type Labels = Record<string, string>;

const DEFAULT_BUCKETS_MS = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

const labelKey = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`)
    .join(",");

/** Label keys of label objects used again and again (constants in the routes), built once. */
const label_keys = new WeakMap<Labels, string>();

function cachedLabelKey(labels: Labels): string {
  let key = label_keys.get(labels);
  if (key === undefined) {
    key = labelKey(labels);
    label_keys.set(labels, key);
  }
  return key;
}

const NO_LABELS: Labels = {};

/** `{labels}` of a sample: its own label key and the registry's constant labels, or nothing. */
const braces = (key: string, constant: string) => (key && constant ? `{${key},${constant}}` : key || constant ? `{${key || constant}}` : "");

/** Prometheus spells infinities +Inf and -Inf. */
const sampleValue = (value: number) => (value === Infinity ? "+Inf" : value === -Infinity ? "-Inf" : String(value));

export class Counter {
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  increment(by = 1, labels: Labels = NO_LABELS): void {
    const key = cachedLabelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  value(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(constant = ""): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name}${braces("", constant)} 0`);
    for (const [key, value] of this.values) lines.push(`${this.name}${braces(key, constant)} ${value}`);
    return lines;
  }
}

export class Gauge {
  constructor(readonly name: string, readonly help: string, private readonly read: () => number | Array<[Labels, number]>) {}
  render(constant = ""): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    const value = this.read();
    if (typeof value === "number") lines.push(`${this.name}${braces("", constant)} ${sampleValue(value)}`);
    else for (const [labels, item] of value) lines.push(`${this.name}${braces(labelKey(labels), constant)} ${sampleValue(item)}`);
    return lines;
  }
}

export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(readonly name: string, readonly help: string, private readonly buckets = DEFAULT_BUCKETS_MS) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    for (let index = 0; index < this.buckets.length; index += 1) {
      if (value <= this.buckets[index]!) this.counts[index]! += 1;
    }
  }
  render(constant = ""): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((bound, index) => lines.push(`${this.name}_bucket${braces(`le="${bound}"`, constant)} ${this.counts[index]}`));
    lines.push(
      `${this.name}_bucket${braces('le="+Inf"', constant)} ${this.count}`,
      `${this.name}_sum${braces("", constant)} ${this.sum}`,
      `${this.name}_count${braces("", constant)} ${this.count}`,
    );
    return lines;
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Counter | Gauge | Histogram>();
  private readonly constant: string;

  /**
   * `constant_labels` go on every sample: the Cloudflare host labels its figures
   * `scope="isolate"`, since each isolate counts only what it served.
   */
  constructor(constant_labels: Labels = {}) {
    this.constant = labelKey(constant_labels);
  }

  counter(name: string, help: string): Counter {
    return this.register(name, () => new Counter(name, help)) as Counter;
  }
  gauge(name: string, help: string, read: () => number | Array<[Labels, number]>): Gauge {
    return this.register(name, () => new Gauge(name, help, read)) as Gauge;
  }
  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.register(name, () => new Histogram(name, help, buckets)) as Histogram;
  }
  render(): string {
    return [...this.metrics.values()].flatMap((metric) => metric.render(this.constant)).join("\n") + "\n";
  }

  private register(name: string, make: () => Counter | Gauge | Histogram) {
    let metric = this.metrics.get(name);
    if (!metric) {
      metric = make();
      this.metrics.set(name, metric);
    }
    return metric;
  }
}
