/** One sample line of a Prometheus text exposition. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) {
      continue;
    }
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1] as string] = l[2] as string;
    }
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Scrapes `/metrics` of `baseUrl`; `value` sums the samples of a series whose labels include `labels`. */
export async function scrape(baseUrl: string) {
  const res = await fetch(`${baseUrl}/metrics`);
  if (res.status !== 200) {
    throw new Error(`GET /metrics answered ${res.status}`);
  }
  const samples = parse(await res.text());
  const matching = (name: string, labels: Record<string, string>) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    samples,
    /** undefined when no sample matches */
    value(name: string, labels: Record<string, string> = {}): number | undefined {
      const found = matching(name, labels);
      return found.length === 0 ? undefined : found.reduce((sum, s) => sum + s.value, 0);
    },
    labelValues(name: string, label: string): string[] {
      return [...new Set(matching(name, {}).map((s) => s.labels[label] ?? ""))];
    },
  };
}
