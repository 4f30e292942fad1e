// Maps failures of a call to a serving upstream to the gateway's coded errors, the way
// @fastify/reply-from does: unreachable -> 503, timeout -> 504, unusable answer -> 502,
// plus the serving-specific ones (queue full 503, unknown model 404).
import {
  UpstreamBadResponseError, UpstreamModelNotReadyError, UpstreamNotFoundError, UpstreamQueueFullError,
  UpstreamTimeoutError, UpstreamUnavailableError
} from './errors.js'

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])

function coded (err: unknown): { code?: string, name?: string, message: string, cause?: unknown } {
  return (typeof err === 'object' && err !== null ? err : { message: String(err) }) as { code?: string, message: string }
}

/** A network-level failure (no HTTP answer): connection errors and our timeout's abort. */
export function networkFailure (upstream: string, err: unknown, timeoutMs: number): Error {
  const e = coded(err)
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
    return new UpstreamTimeoutError(upstream, timeoutMs)
  }
  const cause = coded(e.cause)
  const code = e.code ?? cause.code
  if (code !== undefined && UNREACHABLE.has(code)) return new UpstreamUnavailableError(upstream, `${code} ${e.message}`.trim())
  return new UpstreamUnavailableError(upstream, e.message)
}

/** An HTTP error status from the upstream, with its error message (`{"error": ...}` in both protocols). */
export function statusFailure (upstream: string, status: number, message: string, model: string): Error {
  if (status === 404) return new UpstreamNotFoundError(upstream, model, message)
  if (status === 503 && /queue/i.test(message)) return new UpstreamQueueFullError(upstream, message)
  if (status === 503 && /not at ready state|not ready|unavailable/i.test(message)) return new UpstreamModelNotReadyError(upstream, model)
  if (status === 503) return new UpstreamUnavailableError(upstream, message)
  if (status === 504 || /timeout expired/i.test(message)) return new UpstreamTimeoutError(upstream, 0)
  return new UpstreamBadResponseError(upstream, `HTTP ${status}: ${message}`)
}

/** gRPC status codes (numeric, as grpc-js reports them) mapped the same way. */
export function grpcFailure (upstream: string, err: { code?: number, details?: string, message: string }, timeoutMs: number, model: string): Error {
  const details = err.details ?? err.message
  switch (err.code) {
    case 4: return new UpstreamTimeoutError(upstream, timeoutMs) // DEADLINE_EXCEEDED
    case 5: return new UpstreamNotFoundError(upstream, model, details) // NOT_FOUND
    case 14: return /queue/i.test(details) ? new UpstreamQueueFullError(upstream, details) : new UpstreamUnavailableError(upstream, details) // UNAVAILABLE
    default: return new UpstreamBadResponseError(upstream, `gRPC status ${String(err.code)}: ${details}`)
  }
}
