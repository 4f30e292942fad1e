// Client of an MLflow tracking server's REST API (`/api/2.0/mlflow/...`) and its artifact proxy
// (`/api/2.0/mlflow-artifacts/artifacts/...`, served with `mlflow server --serve-artifacts`, the
// default), through the upstream factory (services/lib/upstream.ts: deadlines, breaker, injectable
// dispatcher). An MLflow error answer (`{"error_code", "message"}`) becomes an MlflowApiError with
// both; no answer at all becomes the gateway's 503/504 naming MLflow.
import type { Dispatcher } from 'undici'
import { UpstreamBadResponseError, UpstreamUnavailableError } from '../lib/errors.js'
import { createUpstream, type UpstreamOptions } from '../lib/upstream.js'
import { retryAfter } from '../lib/upstream-failures.js'

export class MlflowApiError extends Error {
  constructor (readonly status: number, readonly errorCode: string, message: string) {
    super(message)
    this.name = 'MlflowApiError'
  }
}

export interface ArtifactFile { path: string, is_dir?: boolean, file_size?: number }

export interface MlflowClientOptions {
  trackingUri: string
  timeoutMs: number
  /** Tests may pass a MockAgent; default: an Agent owned by the client. */
  dispatcher?: Dispatcher
  breaker?: UpstreamOptions['breaker']
}

export function createMlflowClient (opts: MlflowClientOptions) {
  const base = opts.trackingUri.replace(/\/+$/, '')
  if (!/^https?:\/\//.test(base)) throw new Error(`MLFLOW_TRACKING_URI must be an http(s) URL, got '${opts.trackingUri}'`)
  const upstream = `MLflow at ${base}`
  const http = createUpstream({
    name: upstream,
    url: base,
    dispatcher: opts.dispatcher,
    connections: 16,
    breaker: opts.breaker,
    connectTimeoutMs: opts.timeoutMs,
    firstByteTimeoutMs: opts.timeoutMs,
    idleTimeoutMs: opts.timeoutMs,
    totalTimeoutMs: opts.timeoutMs
  })

  async function send (method: Dispatcher.HttpMethod, path: string, body?: string | Uint8Array, contentType?: string): Promise<{ status: number, bytes: Buffer, type: string }> {
    const res = await http.request({ method, path, ...(body === undefined ? {} : { body, headers: { 'content-type': contentType ?? 'application/json' } }) })
    return { status: res.statusCode, bytes: res.body, type: String(res.headers['content-type'] ?? '') }
  }

  /** MLflow's own error answer, or (for text answers such as the host-header check's 403) the gateway's mapping. */
  function failure (status: number, bytes: Buffer): Error {
    const text = bytes.toString('utf8')
    let parsed: { error_code?: string, message?: string } | null = null
    try { parsed = JSON.parse(text) as { error_code?: string, message?: string } } catch {}
    if (parsed?.error_code !== undefined) return new MlflowApiError(status, parsed.error_code, parsed.message ?? '')
    const detail = text.slice(0, 300).trim() || 'no body'
    if (status === 503) return retryAfter(new UpstreamUnavailableError(upstream, detail))
    return new UpstreamBadResponseError(upstream, `HTTP ${status}: ${detail}`)
  }

  function json<T> (status: number, bytes: Buffer): T {
    if (status >= 400) throw failure(status, bytes)
    try {
      return JSON.parse(bytes.toString('utf8')) as T
    } catch {
      throw new UpstreamBadResponseError(upstream, `HTTP ${status} answer is not JSON`)
    }
  }

  const query = (params: Record<string, string | number | undefined>) => {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.append(k, String(v))
    const s = q.toString()
    return s === '' ? '' : `?${s}`
  }
  const artifactUrl = (path: string) => `/api/2.0/mlflow-artifacts/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`

  return {
    upstream,
    trackingUri: base,
    /** GET with query-string parameters, e.g. get('registered-models/get', { name }). */
    async get<T> (endpoint: string, params: Record<string, string | number | undefined> = {}): Promise<T> {
      const r = await send('GET', `/api/2.0/mlflow/${endpoint}${query(params)}`)
      return json<T>(r.status, r.bytes)
    },
    /** POST, PATCH and DELETE take a JSON body (MLflow answers 400 to any other content type). */
    async call<T> (method: 'POST' | 'PATCH' | 'DELETE', endpoint: string, body: unknown): Promise<T> {
      const r = await send(method, `/api/2.0/mlflow/${endpoint}`, JSON.stringify(body))
      return json<T>(r.status, r.bytes)
    },
    /** Uploads one file through the artifact proxy; `path` is relative to the artifacts destination. */
    async putArtifact (path: string, bytes: Uint8Array): Promise<void> {
      const r = await send('PUT', artifactUrl(path), bytes, 'application/octet-stream')
      if (r.status >= 400) throw failure(r.status, r.bytes) // success is an empty 200
    },
    async getArtifact (path: string): Promise<Buffer> {
      const r = await send('GET', artifactUrl(path))
      if (r.status >= 400) throw failure(r.status, r.bytes)
      return r.bytes
    },
    /** Every file under a directory of the artifact store, paths relative to `dir` (the proxy lists basenames). */
    async listArtifacts (dir: string): Promise<string[]> {
      const r = await send('GET', `/api/2.0/mlflow-artifacts/artifacts${query({ path: dir })}`)
      const { files = [] } = json<{ files?: ArtifactFile[] }>(r.status, r.bytes)
      const out: string[] = []
      for (const f of files) {
        const name = f.path.split('/').pop() as string
        if (f.is_dir === true) out.push(...(await this.listArtifacts(`${dir}/${name}`)).map((p) => `${name}/${p}`))
        else out.push(name)
      }
      return out
    },
    breaker: http.breaker,
    close: async () => { await http.close() }
  }
}

export type MlflowClient = ReturnType<typeof createMlflowClient>
