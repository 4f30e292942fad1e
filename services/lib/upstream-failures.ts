// The one failure vocabulary of every upstream call (HTTP through services/lib/upstream.ts, gRPC
// here), after @fastify/reply-from: unreachable -> 503 GW_UPSTREAM_UNAVAILABLE, a deadline -> 504
// GW_UPSTREAM_TIMEOUT, an unusable answer -> 502 GW_UPSTREAM_BAD_RESPONSE, an upstream 4xx passed
// on with its message, an open breaker -> 503 GW_CIRCUIT_OPEN; plus the serving-specific ones (queue
// full 503, model not ready 503, unknown model 404). Every 503 carries `retryAfterSeconds`, which
// the error handler sends as Retry-After.
import {
  CircuitOpenError, isGatewayError, RETRY_AFTER_SECONDS, UpstreamBadResponseError, UpstreamModelNotReadyError, UpstreamNotFoundError,
  UpstreamQueueFullError, UpstreamRejectedError, UpstreamTimeoutError, UpstreamUnavailableError
} from './errors.js'

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])

/** A deadline of one phase of a call; the abort reason of the factory's timers. */
export class DeadlineError extends Error {
  constructor (readonly phase: 'connect' | 'first-byte' | 'idle' | 'total', readonly ms: number) {
    super(`${phase} deadline of ${ms} ms passed`)
    this.name = 'DeadlineError'
  }
}

/** Marks a 503 with the seconds a client should wait (sent as Retry-After). */
export function retryAfter<E extends Error> (err: E, seconds = RETRY_AFTER_SECONDS): E & { retryAfterSeconds: number } {
  return Object.assign(err, { retryAfterSeconds: Math.max(1, Math.ceil(seconds)) })
}

function coded (err: unknown): { code?: string, name?: string, message: string, cause?: unknown } {
  return (typeof err === 'object' && err !== null ? err : { message: String(err) }) as { code?: string, message: string }
}

/** Whether an error already speaks the vocabulary (a GW_ code). */
export interface Deadlines { connectTimeoutMs: number, firstByteTimeoutMs: number, idleTimeoutMs: number }

/** A network-level failure (no usable HTTP answer): connection errors and deadlines. */
export function networkFailure (upstream: string, err: unknown, deadlines: number | Deadlines): Error {
  const d = typeof deadlines === 'number' ? { connectTimeoutMs: deadlines, firstByteTimeoutMs: deadlines, idleTimeoutMs: deadlines } : deadlines
  const e = coded(err)
  if (isGatewayError(err)) return err
  if (err instanceof DeadlineError) return new UpstreamTimeoutError(upstream, err.ms, { cause: err })
  switch (e.code) {
    case 'UND_ERR_CONNECT_TIMEOUT': return new UpstreamTimeoutError(upstream, d.connectTimeoutMs, { cause: err })
    case 'UND_ERR_HEADERS_TIMEOUT': return new UpstreamTimeoutError(upstream, d.firstByteTimeoutMs, { cause: err })
    case 'UND_ERR_BODY_TIMEOUT': return new UpstreamTimeoutError(upstream, d.idleTimeoutMs, { cause: err })
  }
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'ETIMEDOUT') return new UpstreamTimeoutError(upstream, d.firstByteTimeoutMs, { cause: err })
  const code = e.code ?? coded(e.cause).code
  const detail = code !== undefined && UNREACHABLE.has(code) && !e.message.startsWith(code) ? `${code} ${e.message}` : e.message
  return retryAfter(new UpstreamUnavailableError(upstream, detail.trim(), { cause: err }))
}

export interface StatusContext { model?: string, /** false: a 4xx is the gateway's mistake, a 502 (serving protocols). */ passClientErrors?: boolean }

/** An HTTP error status from the upstream, with its error message (`{"error": ...}` in Ollama, KServe, TF Serving). */
export function statusFailure (upstream: string, status: number, message: string, context: StatusContext | string = {}): Error {
  const ctx = typeof context === 'string' ? { model: context } : context
  const model = ctx.model ?? ''
  if (status === 404) return new UpstreamNotFoundError(upstream, model, message)
  if (status === 503 && /queue/i.test(message)) return retryAfter(new UpstreamQueueFullError(upstream, message))
  if (status === 503 && /not at ready state|not ready|unavailable/i.test(message)) return retryAfter(new UpstreamModelNotReadyError(upstream, model))
  if (status === 503 || status === 429) return retryAfter(new UpstreamUnavailableError(upstream, message))
  if (status === 504 || /timeout expired/i.test(message)) return new UpstreamTimeoutError(upstream, 0)
  if (status >= 400 && status < 500 && ctx.passClientErrors !== false) return Object.assign(new UpstreamRejectedError(upstream, message), { statusCode: status })
  return new UpstreamBadResponseError(upstream, `HTTP ${status}: ${message}`)
}

/** The message of an error body: `{"error": "..."}` when it is one, else the text. */
export function errorMessage (text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown }
    if (typeof parsed.error === 'string') return parsed.error
  } catch {}
  return text
}

export function circuitOpen (upstream: string, failures: number, retryInMs: number): Error {
  return retryAfter(new CircuitOpenError(upstream, failures, retryInMs), retryInMs / 1000)
}

/** gRPC status codes (numeric, as grpc-js reports them) mapped the same way. */
export function grpcFailure (upstream: string, err: { code?: number, details?: string, message: string }, timeoutMs: number, model: string): Error {
  const details = err.details ?? err.message
  switch (err.code) {
    case 4: return new UpstreamTimeoutError(upstream, timeoutMs) // DEADLINE_EXCEEDED
    case 5: return new UpstreamNotFoundError(upstream, model, details) // NOT_FOUND
    case 14: return retryAfter(/queue/i.test(details) ? new UpstreamQueueFullError(upstream, details) : new UpstreamUnavailableError(upstream, details)) // UNAVAILABLE
    default: return new UpstreamBadResponseError(upstream, `gRPC status ${String(err.code)}: ${details}`)
  }
}
