// The LLM counters: requests by route, model and outcome; tokens and upstream time of complete answers.
import { Counter, Histogram, type Registry } from 'prom-client'
import type { Metrics } from './types.js'

export type Outcome = 'success' | 'failure' | 'cached'

export function createLlmMetrics (registry: Registry) {
  const requests = new Counter({ name: 'llm_requests_total', help: 'LLM requests by route, model and outcome (success, failure, cached)', labelNames: ['route', 'model', 'outcome'] as const, registers: [registry] })
  const tokens = new Counter({ name: 'llm_tokens_total', help: 'Tokens counted by Ollama (prompt_eval_count, eval_count)', labelNames: ['model', 'kind'] as const, registers: [registry] })
  const upstream = new Histogram({ name: 'llm_upstream_duration_seconds', help: 'Ollama total_duration of completed answers', labelNames: ['model'] as const, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers: [registry] })
  /** Counts a finished request and, for a complete answer, its tokens and upstream time. */
  return function record (route: string | undefined, model: string, outcome: Outcome, final?: Metrics) {
    // An LLM call takes milliseconds: prom-client's label lookup (~0.3 us) needs no memo here.
    requests.inc({ route: route ?? 'unknown', model, outcome })
    if (final === undefined) return
    tokens.inc({ model, kind: 'prompt' }, final.prompt_eval_count ?? 0)
    tokens.inc({ model, kind: 'completion' }, final.eval_count ?? 0)
    if (final.total_duration !== undefined) upstream.observe({ model }, final.total_duration / 1e9)
  }
}
