// Drives /api/v1/classify-registry with concurrent requests while a test moves an alias, counting
// which version answered each request and every failed or wrong answer.
import type { FastifyInstance } from 'fastify'
import { SETOSA } from './app.js'

/**
 * At least `min` requests, and on until `until()` holds (when given), so an alias move that takes
 * longer than expected on a busy machine still lands inside the run; never more than `max`.
 */
export function registryLoad (app: FastifyInstance, opts: { url: string, min: number, workers: number, until?: () => boolean, max?: number, pauseEvery?: number }) {
  const more = () => sent < (opts.max ?? opts.min * 20) && (sent < opts.min || (opts.until !== undefined && !opts.until()))
  const seen = new Map<string, number>()
  let failures = 0
  let sent = 0
  async function worker () {
    while (more()) {
      sent++
      const res = await app.inject({ method: 'POST', url: opts.url, payload: SETOSA })
      if (res.statusCode !== 200 || res.json().predicted_class !== 'setosa') { failures++; continue }
      const v = res.json().model_registry_info.model_version as string
      seen.set(v, (seen.get(v) ?? 0) + 1)
      // Optionally spread the run out, so a background poll lands in the middle of it.
      if (opts.pauseEvery !== undefined && sent % opts.pauseEvery === 0) await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
  return {
    run: () => Promise.all(Array.from({ length: opts.workers }, worker)).then(() => undefined),
    sent: () => sent,
    seen,
    failures: () => failures,
    answered: () => [...seen.values()].reduce((a, b) => a + b, 0)
  }
}
