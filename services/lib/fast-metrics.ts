// The one fast path beside prom-client, for the metrics a classify request touches (HTTP duration,
// inference duration, batch size; inference requests and rows; cache outcomes). prom-client's
// observe() and inc() convert, validate and hash their labels on every call, even through a labels()
// child: measured 350 ns per observe and 300 ns per inc against 3 ns here (2M calls, 2026-12-02).
// A classify request makes about six such calls: in a CPU profile of the gateway under load at 64
// connections, prom-client's counters alone took 2.9 % of the event loop. Here a child is found once
// per label set and recording is an addition on a Float64Array. The registry reads them through
// get(), in the same shape as prom-client's own metrics, so /metrics cannot tell them apart. Every
// metric off the request path is plain prom-client.
import type { Registry } from 'prom-client'

export interface HistogramChild {
  observe: (value: number) => void
}

interface Series {
  labels: Record<string, string | number>
  /** Per-bucket (not cumulative) counts, then +Inf, then sum, then count. */
  data: Float64Array
}

interface MetricOptions<L extends string> { name: string, help: string, labelNames: readonly L[], registers: Registry[] }

/** What prom-client's registry reads of a metric: name, help, type, aggregator and get(). */
abstract class RegisteredMetric<L extends string> {
  readonly name: string
  readonly help: string
  readonly aggregator = 'sum'
  protected readonly labelNames: readonly L[]

  constructor (opts: MetricOptions<L>) {
    this.name = opts.name
    this.help = opts.help
    this.labelNames = opts.labelNames
  }

  /** Called by a subclass once its own fields are set. */
  protected register (registers: Registry[]): void {
    for (const r of registers) r.registerMetric(this as never)
  }
}

export class FastHistogram<L extends string> extends RegisteredMetric<L> {
  readonly type = 'histogram'
  private readonly upper: Float64Array
  private readonly series = new Map<string, Series>()

  constructor (opts: MetricOptions<L> & { buckets: number[] }) {
    super(opts)
    const sorted = [...opts.buckets].sort((a, b) => a - b)
    if (sorted.length === 0 || sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1]))) {
      throw new TypeError(`histogram ${opts.name}: buckets must be distinct finite numbers`)
    }
    this.upper = Float64Array.from(sorted)
    this.register(opts.registers)
  }

  /** The child for these label values, in labelNames order; keep it, it is what makes observing cheap. */
  labels (...values: Array<string | number>): HistogramChild {
    if (values.length !== this.labelNames.length) throw new TypeError(`histogram ${this.name}: expected labels ${this.labelNames.join(', ')}, got ${values.length} values`)
    const key = values.join('\0')
    let s = this.series.get(key)
    if (s === undefined) {
      s = { labels: Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]])), data: new Float64Array(this.upper.length + 3) }
      this.series.set(key, s)
    }
    const { data } = s
    const upper = this.upper
    const inf = upper.length
    return {
      observe (value: number): void {
        if (!Number.isFinite(value)) return
        let i = 0
        while (i < inf && value > upper[i]) i++
        data[i]++
        data[inf + 1] += value
        data[inf + 2]++
      }
    }
  }

  /** For label sets that vary per call (e.g. status codes); prefer a kept child where labels repeat. */
  observe (labels: Record<L, string | number>, value: number): void {
    this.labels(...this.labelNames.map((n) => labels[n])).observe(value)
  }

  reset (): void {
    for (const s of this.series.values()) s.data.fill(0)
  }

  async get () {
    const values: Array<{ labels: Record<string, string | number>, value: number, metricName: string }> = []
    const inf = this.upper.length
    for (const { labels, data } of this.series.values()) {
      let cumulative = 0
      for (let i = 0; i < inf; i++) {
        cumulative += data[i]
        values.push({ labels: { le: this.upper[i], ...labels }, value: cumulative, metricName: `${this.name}_bucket` })
      }
      values.push({ labels: { le: '+Inf', ...labels }, value: cumulative + data[inf], metricName: `${this.name}_bucket` })
      values.push({ labels, value: data[inf + 1], metricName: `${this.name}_sum` })
      values.push({ labels, value: data[inf + 2], metricName: `${this.name}_count` })
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values }
  }
}

export interface CounterChild {
  inc: (value?: number) => void
}

/** A counter with the same child API as prom-client's (labels(...values).inc(n)). */
export class FastCounter<L extends string> extends RegisteredMetric<L> {
  readonly type = 'counter'
  private readonly series = new Map<string, { labels: Record<string, string | number>, value: Float64Array }>()

  constructor (opts: MetricOptions<L>) {
    super(opts)
    this.register(opts.registers)
  }

  /** The child for these label values, in labelNames order; the series appears on its first inc. */
  labels (...values: Array<string | number>): CounterChild {
    if (values.length !== this.labelNames.length) throw new TypeError(`counter ${this.name}: expected labels ${this.labelNames.join(', ')}, got ${values.length} values`)
    const key = values.join('\0')
    const labels = Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]]))
    const series = this.series
    let cell: Float64Array | null = null
    const name = this.name
    return {
      inc (value = 1): void {
        if (!(value >= 0) || !Number.isFinite(value)) throw new TypeError(`counter ${name}: cannot increase by ${value}`)
        if (cell === null) {
          let s = series.get(key)
          if (s === undefined) { s = { labels, value: new Float64Array(1) }; series.set(key, s) }
          cell = s.value
        }
        cell[0] += value
      }
    }
  }

  reset (): void {
    for (const s of this.series.values()) s.value[0] = 0
  }

  async get () {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: [...this.series.values()].map(({ labels, value }) => ({ labels, value: value[0] })) }
  }
}
