/**
 * A strict reader of the Prometheus text format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/):
 * every line is a HELP, a TYPE, a blank line or a sample of a family whose TYPE came before it; anything else throws.
 * Samples are keyed `name{label="value",…}` with the labels sorted, to look values up in tests. Values are read as
 * Prometheus reads them (Go's ParseFloat): NaN in any case, which prom-client writes `Nan`.
 */
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_VALUE = String.raw`"(?:[^"\\\n]|\\["\\n])*"`;
const LABELS = String.raw`\{(?:[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE}(?:,[a-zA-Z_][a-zA-Z0-9_]*=${LABEL_VALUE})*)?\}`;
const VALUE = String.raw`(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[Nn][Aa][Nn]|[+-]Inf)`;
const HELP = new RegExp(`^# HELP (${NAME}) .*$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(String.raw`^(${NAME})(${LABELS})? (${VALUE})(?: -?\d+)?$`);
const PAIR = new RegExp(`([a-zA-Z_][a-zA-Z0-9_]*)=(${LABEL_VALUE})`, 'g');

export interface Scrape {
  types: Map<string, string>;
  samples: Map<string, number>;
}

export function parsePrometheusText(text: string): Scrape {
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  for (const [index, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${index + 1}: ${line}`;
    if (line === '' || HELP.test(line)) continue;
    const type = TYPE.exec(line);
    if (type) {
      if (types.has(type[1]!)) throw new Error(`TYPE given twice, ${where}`);
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a Prometheus text line, ${where}`);
    const [, name, labels = '{}', value] = sample;
    const family = [name!, name!.replace(/_(bucket|sum|count)$/, '')].find((candidate) => types.has(candidate));
    if (family === undefined) throw new Error(`sample before the TYPE of its family, ${where}`);
    if (family !== name && !['histogram', 'summary'].includes(types.get(family)!)) throw new Error(`a suffixed sample of a ${types.get(family)}, ${where}`);
    const pairs = [...labels.matchAll(PAIR)].map((match) => `${match[1]}=${match[2]}`).sort();
    const key = `${name}{${pairs.join(',')}}`;
    if (samples.has(key)) throw new Error(`sample given twice, ${where}`);
    samples.set(key, Number(value === '+Inf' ? Number.POSITIVE_INFINITY : value === '-Inf' ? Number.NEGATIVE_INFINITY : value));
  }
  return { types, samples };
}

/** The value of one sample, by name and labels (any order); undefined when absent. */
export function sampleValue(scrape: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  const pairs = Object.entries(labels)
    .map(([label, value]) => `${label}=${JSON.stringify(value)}`)
    .sort();
  return scrape.samples.get(`${name}{${pairs.join(',')}}`);
}
