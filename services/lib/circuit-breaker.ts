// A circuit breaker for one upstream: after `threshold` consecutive connection failures it opens and
// every call fails at once (no socket, no wait) until `coolDownMs` has passed; then one probe call is
// let through (half-open) and its outcome closes or re-opens the circuit.
export interface BreakerOptions { threshold: number, coolDownMs: number, now?: () => number }

export type BreakerState = 'closed' | 'open' | 'half-open'

export function createCircuitBreaker (opts: BreakerOptions) {
  const now = opts.now ?? Date.now
  let failures = 0
  let openedAt = 0
  let probing = false

  function state (): BreakerState {
    if (failures < opts.threshold) return 'closed'
    return now() - openedAt >= opts.coolDownMs ? 'half-open' : 'open'
  }

  return {
    state,
    get failures () { return failures },
    /** Milliseconds until a probe is allowed (0 when closed or half-open). */
    retryInMs (): number { return state() === 'open' ? Math.max(0, opts.coolDownMs - (now() - openedAt)) : 0 },
    /** Whether a call may go out now; in half-open only one probe at a time. */
    allow (): boolean {
      const s = state()
      if (s === 'closed') return true
      if (s === 'open' || probing) return false
      probing = true
      return true
    },
    success (): void { failures = 0; probing = false },
    failure (): void {
      probing = false
      failures++
      if (failures >= opts.threshold) openedAt = now()
    }
  }
}

export type CircuitBreaker = ReturnType<typeof createCircuitBreaker>
