// The LLM counters: requests by route, model and outcome; tokens and upstream time of complete answers.
import { Counter, Histogram, type Registry } from 'prom-client'
import type { Metrics } from './types.js'

export type Outcome = 'success' | 'failure' | 'cached'

export function createLlmMetrics (registry: Registry) {
  const requests = new Counter({ name: 'llm_requests_total', help: 'LLM requests by route, model and outcome (success, failure, cached)', labelNames: ['route', 'model', 'outcome'] as const, registers: [registry] })
  const tokens = new Counter({ name: 'llm_tokens_total', help: 'Tokens counted by Ollama (prompt_eval_count, eval_count)', labelNames: ['model', 'kind'] as const, registers: [registry] })
  const upstream = new Histogram({ name: 'llm_upstream_duration_seconds', help: 'Ollama total_duration of completed answers', labelNames: ['model'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers: [registry] })
  // Children per label set, made on first use (so series appear only once counted) and then reused:
  // labels() copies its arguments into a new object and binds a new function on every call.
  const requestChildren = new Map<string, ReturnType<typeof requests.labels>>()
  const modelChildren = new Map<string, { prompt: ReturnType<typeof tokens.labels>, completion: ReturnType<typeof tokens.labels>, upstream: ReturnType<typeof upstream.labels> }>()
  /** Counts a finished request and, for a complete answer, its tokens and upstream time. */
  return function record (route: string | undefined, model: string, outcome: Outcome, final?: Metrics) {
    const key = `${outcome} ${route} ${model}`
    let counter = requestChildren.get(key)
    if (counter === undefined) {
      // Model names come from clients: bound the memo (the series themselves are prom-client's).
      if (requestChildren.size >= 1000) { requestChildren.clear(); modelChildren.clear() }
      counter = requests.labels(route ?? 'unknown', model, outcome)
      requestChildren.set(key, counter)
    }
    counter.inc()
    if (final === undefined) return
    let m = modelChildren.get(model)
    if (m === undefined) {
      m = { prompt: tokens.labels(model, 'prompt'), completion: tokens.labels(model, 'completion'), upstream: upstream.labels(model) }
      modelChildren.set(model, m)
    }
    m.prompt.inc(final.prompt_eval_count ?? 0)
    m.completion.inc(final.eval_count ?? 0)
    if (final.total_duration !== undefined) m.upstream.observe(final.total_duration / 1e9)
  }
}
