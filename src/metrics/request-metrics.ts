// The two metrics every proxied request touches, kept as plain numbers and handed to the
// prom-client registry only when it is scraped. prom-client's own children hash their label set
// and validate it on every inc() and observe(): a string built per request, which the bench
// showed as young-GC pressure. Here a request costs a few array increments.
import type { Registry } from 'prom-client'
import { COLOURS, type Colour } from '../colour.js'

interface Value {
  labels: Record<string, string | number>
  value: number
  metricName?: string
}

interface Exposed {
  name: string
  help: string
  type: 'counter' | 'histogram'
  aggregator: 'sum'
  get: () => Promise<{ name: string, help: string, type: string, values: Value[], aggregator: 'sum' }>
  reset: () => void
}

/** Counts by colour and one more label (the outcome), as a Prometheus counter. */
export class ColourCounter<L extends string> {
  readonly #counts: Record<Colour, Float64Array>
  readonly #values: readonly L[]

  constructor (registry: Registry, name: string, help: string, label: string, values: readonly L[]) {
    this.#values = values
    this.#counts = { blue: new Float64Array(values.length), green: new Float64Array(values.length) }
    register(registry, {
      name,
      help,
      type: 'counter',
      values: () => COLOURS.flatMap((colour) => values.map((v, i) => ({ labels: { colour, [label]: v }, value: this.#counts[colour][i] as number }))),
      reset: () => { for (const colour of COLOURS) this.#counts[colour].fill(0) }
    })
  }

  /** An increment bound to one series: nothing is looked up when it is called. */
  bind (colour: Colour, value: L): { inc: () => void } {
    const counts = this.#counts[colour]
    const i = this.#values.indexOf(value)
    return { inc: () => { counts[i]!++ } }
  }
}

/** Durations by colour, as a Prometheus histogram with fixed upper bounds (seconds). */
export class ColourHistogram {
  readonly #bounds: readonly number[]
  /** Per colour: one count per bound (not cumulative), then +Inf, then the sum. */
  readonly #data: Record<Colour, Float64Array>

  constructor (registry: Registry, name: string, help: string, bounds: readonly number[]) {
    this.#bounds = bounds
    const size = bounds.length + 2
    this.#data = { blue: new Float64Array(size), green: new Float64Array(size) }
    register(registry, {
      name,
      help,
      type: 'histogram',
      values: () => COLOURS.flatMap((colour) => this.#series(name, colour)),
      reset: () => { for (const colour of COLOURS) this.#data[colour].fill(0) }
    })
  }

  bind (colour: Colour): { observe: (seconds: number) => void } {
    const data = this.#data[colour]
    const bounds = this.#bounds
    const sum = bounds.length + 1
    return {
      observe: (seconds) => {
        let i = 0
        while (i < bounds.length && seconds > (bounds[i] as number)) i++
        data[i]!++
        data[sum]! += seconds
      }
    }
  }

  #series (name: string, colour: Colour): Value[] {
    const data = this.#data[colour]
    const out: Value[] = []
    let total = 0
    this.#bounds.forEach((le, i) => {
      total += data[i] as number
      out.push({ labels: { le, colour }, value: total, metricName: `${name}_bucket` })
    })
    total += data[this.#bounds.length] as number
    out.push({ labels: { le: '+Inf', colour }, value: total, metricName: `${name}_bucket` })
    out.push({ labels: { colour }, value: data[this.#bounds.length + 1] as number, metricName: `${name}_sum` })
    out.push({ labels: { colour }, value: total, metricName: `${name}_count` })
    return out
  }
}

function register (registry: Registry, spec: { name: string, help: string, type: 'counter' | 'histogram', values: () => Value[], reset: () => void }): void {
  const metric: Exposed = {
    name: spec.name,
    help: spec.help,
    type: spec.type,
    aggregator: 'sum',
    // metric.name, not spec.name: an OpenMetrics registry renames counters (strips `_total`).
    get: async () => ({ name: metric.name, help: spec.help, type: spec.type, values: spec.values(), aggregator: 'sum' }),
    reset: spec.reset
  }
  // prom-client's registry takes any object with this shape (its cluster aggregator does the same).
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0])
}
