// One HTTP upstream (Ollama, Triton, TF Serving, MLflow): an undici dispatcher (injectable, so a
// test may pass a MockAgent), a deadline per phase, a circuit breaker, and the one failure
// vocabulary of services/lib/upstream-failures.ts. The phases:
//   connect     the TCP/TLS connect (the dispatcher's connector; only for a dispatcher built here)
//   first byte  from the call to the answer's headers, so a call queued behind a full pool waits
//               inside this deadline, never one deadline in the queue and another on the wire
//   idle        the gap between two body chunks (a stalled stream)
//   total       optional, from the call to the end of the body
// Transport failures and deadlines count against the breaker; any HTTP answer proves the upstream
// alive. The breaker opening makes every call fail at once with 503 GW_CIRCUIT_OPEN.
// Health probes (`probe(fn)`) are kept out of the breaker: their calls neither wait for it nor feed
// it, so polling /health while the upstream is down never opens the circuit that requests go through.
import { AsyncLocalStorage } from 'node:async_hooks'
import type { IncomingHttpHeaders } from 'node:http'
import { Agent, request as undiciRequest, type Dispatcher } from 'undici'
import { createCircuitBreaker, type BreakerOptions } from './circuit-breaker.js'
import { isGatewayError, UpstreamBadResponseError } from './errors.js'
import { circuitOpen, DeadlineError, errorMessage, networkFailure, statusFailure } from './upstream-failures.js'

export interface UpstreamOptions {
  /** Name in errors and logs ("Ollama", "Triton"). */
  name: string
  /** Base URL; call paths are appended to it. */
  url: string
  /** Defaults to an Agent built here (and destroyed by close()); an injected one is left to its owner. */
  dispatcher?: Dispatcher
  connections?: number
  connectTimeoutMs: number
  firstByteTimeoutMs: number
  idleTimeoutMs: number
  totalTimeoutMs?: number
  breaker?: Partial<Omit<BreakerOptions, 'now'>> & { now?: () => number }
  /** false: an upstream 4xx is the gateway's own mistake (a 502), as for the serving protocols. */
  passClientErrors?: boolean
}

export interface UpstreamCall {
  method: Dispatcher.HttpMethod
  /** Appended to the base URL, query string included. */
  path: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  /** The model the call is about, named in a 404. */
  model?: string
  /** Per-call deadlines (e.g. a short one for embeddings or health probes). */
  firstByteTimeoutMs?: number
  totalTimeoutMs?: number
  /** The caller's abort (e.g. its client left): ends the call at once, and says nothing of the upstream. */
  signal?: AbortSignal
}

/** Set while a health probe runs: the calls it makes bypass the request breaker. */
const probeScope = new AsyncLocalStorage<true>()

/** Runs a health check whose upstream calls must leave the request breakers alone (see `probe`). */
export async function asHealthProbe<T> (fn: () => Promise<T>): Promise<T> {
  return await probeScope.run(true, fn)
}

export interface UpstreamResponse { statusCode: number, headers: IncomingHttpHeaders, body: Buffer }
export interface UpstreamStream { statusCode: number, headers: IncomingHttpHeaders, body: AsyncGenerator<Buffer> }

function positive (name: string, value: number | undefined, optional = false): void {
  if (optional && value === undefined) return
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`createUpstream: ${name} must be a positive number of milliseconds, got ${String(value)}`)
}

export function createUpstream (opts: UpstreamOptions) {
  if (typeof opts.name !== 'string' || opts.name === '') throw new TypeError('createUpstream: name is required')
  if (!/^https?:\/\/[^/]/.test(opts.url)) throw new TypeError(`createUpstream: ${opts.name} needs an http(s) URL, got '${opts.url}'`)
  positive('connectTimeoutMs', opts.connectTimeoutMs)
  positive('firstByteTimeoutMs', opts.firstByteTimeoutMs)
  positive('idleTimeoutMs', opts.idleTimeoutMs)
  positive('totalTimeoutMs', opts.totalTimeoutMs, true)
  const { name } = opts
  const base = opts.url.replace(/\/+$/, '')
  const owned = opts.dispatcher === undefined
  const dispatcher = opts.dispatcher ?? new Agent({ connections: opts.connections ?? 64, connect: { timeout: opts.connectTimeoutMs }, keepAliveTimeout: 10_000 })
  const breaker = createCircuitBreaker({ threshold: opts.breaker?.threshold ?? 5, coolDownMs: opts.breaker?.coolDownMs ?? 10_000, now: opts.breaker?.now })
  let probing: Promise<unknown> | null = null

  /** A transport failure or deadline: counted by the breaker, mapped to the vocabulary. */
  function transport (err: unknown, firstByteTimeoutMs: number, call: UpstreamCall): Error {
    if (isGatewayError(err)) return err
    if (call.signal?.aborted === true) return err as Error
    if (probeScope.getStore() !== true) breaker.failure()
    return networkFailure(name, err, { connectTimeoutMs: opts.connectTimeoutMs, firstByteTimeoutMs, idleTimeoutMs: opts.idleTimeoutMs })
  }

  /** Sends the call and waits for the answer's headers; the body is left to `chunks`. */
  async function open (call: UpstreamCall) {
    const probe = probeScope.getStore() === true
    if (!probe && !breaker.allow()) throw circuitOpen(name, breaker.failures, breaker.retryInMs())
    const firstByteMs = call.firstByteTimeoutMs ?? opts.firstByteTimeoutMs
    const totalMs = call.totalTimeoutMs ?? opts.totalTimeoutMs
    const controller = new AbortController()
    const deadline = (phase: DeadlineError['phase'], ms: number) => setTimeout(() => controller.abort(new DeadlineError(phase, ms)), ms)
    const firstByte = deadline('first-byte', firstByteMs)
    const total = totalMs === undefined ? undefined : deadline('total', totalMs)
    const callerAbort = () => controller.abort(call.signal?.reason)
    call.signal?.addEventListener('abort', callerAbort, { once: true })
    const release = () => { clearTimeout(total); call.signal?.removeEventListener('abort', callerAbort) }
    let res: Dispatcher.ResponseData
    try {
      res = await undiciRequest(`${base}${call.path}`, {
        // undici's own bodyTimeout (300 s) stays a backstop: ours runs only while a chunk is awaited,
        // so a slow reader downstream is not mistaken for a stalled upstream.
        method: call.method, headers: call.headers, body: call.body, dispatcher, signal: controller.signal, headersTimeout: firstByteMs
      })
    } catch (err) {
      release()
      throw transport(err, firstByteMs, call)
    } finally {
      clearTimeout(firstByte)
    }
    if (!probe) breaker.success()
    return { res, chunks: chunks(res, controller, release, firstByteMs, call) }
  }

  /** The body, chunk by chunk, each awaited under the idle deadline; stopping early releases the socket. */
  async function * chunks (res: Dispatcher.ResponseData, controller: AbortController, release: () => void, firstByteMs: number, call: UpstreamCall): AsyncGenerator<Buffer> {
    const it = res.body[Symbol.asyncIterator]()
    try {
      while (true) {
        const idle = setTimeout(() => controller.abort(new DeadlineError('idle', opts.idleTimeoutMs)), opts.idleTimeoutMs)
        let next: IteratorResult<Buffer>
        try {
          next = await it.next()
        } catch (err) {
          throw transport(err, firstByteMs, call)
        } finally {
          clearTimeout(idle)
        }
        if (next.done === true) return
        yield next.value
      }
    } finally {
      release()
      if (!res.body.readableEnded) res.body.destroy()
    }
  }

  async function readAll (body: AsyncGenerator<Buffer>): Promise<Buffer> {
    const parts: Buffer[] = []
    for await (const part of body) parts.push(part)
    return Buffer.concat(parts)
  }

  const failStatus = (call: UpstreamCall, status: number, body: Buffer) =>
    statusFailure(name, status, errorMessage(body.toString('utf8')), { model: call.model, passClientErrors: opts.passClientErrors })

  return {
    name,
    url: base,
    breaker,
    /** The whole answer, any status (the caller judges it); throws only transport, deadline and breaker errors. */
    async request (call: UpstreamCall): Promise<UpstreamResponse> {
      const { res, chunks } = await open(call)
      return { statusCode: res.statusCode, headers: res.headers, body: await readAll(chunks) }
    },
    /** A JSON answer; an error status becomes the vocabulary's error, an unparseable body a 502. */
    async json<T> (call: UpstreamCall): Promise<T> {
      const { res, chunks } = await open(call)
      const body = await readAll(chunks)
      if (res.statusCode >= 400) throw failStatus(call, res.statusCode, body)
      const text = body.toString('utf8')
      try {
        return JSON.parse(text) as T
      } catch {
        throw new UpstreamBadResponseError(name, `unparseable JSON from ${call.path.split('?')[0]}: ${text.slice(0, 80)}`)
      }
    },
    /** A streamed answer: headers within the first-byte deadline, then chunks within the idle one. */
    async stream (call: UpstreamCall): Promise<UpstreamStream> {
      const { res, chunks } = await open(call)
      if (res.statusCode >= 400) throw failStatus(call, res.statusCode, await readAll(chunks))
      return { statusCode: res.statusCode, headers: res.headers, body: chunks }
    },
    /** Single flight: while a probe is pending, every caller shares it (health polls never pile up).
     * Its calls go past the breaker and leave it as it was. */
    async probe<T> (fn: () => Promise<T>): Promise<T> {
      probing ??= probeScope.run(true, fn).finally(() => { probing = null })
      return await (probing as Promise<T>)
    },
    get probing (): boolean { return probing !== null },
    /** destroy, not close: a call abandoned at its deadline must not hold the shutdown. */
    async close (): Promise<void> {
      if (owned) await dispatcher.destroy()
    }
  }
}

export type Upstream = ReturnType<typeof createUpstream>

/**
 * A serving-protocol upstream (Triton, TF Serving): one deadline for every phase, and an upstream 4xx
 * answers a request the gateway built, so it is a 502 (GW_UPSTREAM_BAD_RESPONSE), not the client's fault.
 */
export function createServingUpstream (o: { name: string, url: string, timeoutMs: number, dispatcher?: Dispatcher, connections?: number, breaker?: UpstreamOptions['breaker'] }) {
  const ms = o.timeoutMs
  return createUpstream({
    name: o.name,
    url: o.url,
    dispatcher: o.dispatcher,
    connections: o.connections,
    breaker: o.breaker,
    passClientErrors: false,
    connectTimeoutMs: ms,
    firstByteTimeoutMs: ms,
    idleTimeoutMs: ms,
    totalTimeoutMs: ms
  })
}
