// How an error looks on the wire for each kind of client. The gateway's own routes answer
// {statusCode, code, error, message}; the serving protocols answer {"error": "<message>"} as Triton
// (KServe V2) and TF Serving do, which tritonclient and TF Serving clients read; the OpenAI-compatible
// routes answer {"error": {message, type, param, code}}, which the OpenAI SDKs read. Whatever the shape,
// a 5xx that is not one of the catalogue's errors is a bug: its message stays in the log.
import { STATUS_CODES } from 'node:http'
import { isGatewayError, type ErrorDetails } from './errors.js'

export type ErrorShape = 'gateway' | 'v2' | 'tf-serving' | 'openai'

export interface RenderableError extends ErrorDetails {
  message: string
  code?: string
  statusCode?: number
  /** Ajv's errors, when the error is a schema rejection, and what was validated ('body', 'query', ...). */
  validation?: Array<{ params?: unknown, instancePath?: string }>
  validationContext?: string
  /** The request field the error is about, for OpenAI's `param`. */
  param?: string
}

export interface Rendered { status: number, body: object }

export function statusOf (err: RenderableError): number {
  const s = err.statusCode
  return typeof s === 'number' && s >= 400 && s <= 599 ? s : 500
}

/** Whether the client is told only "Internal Server Error". */
export const isHidden = (err: RenderableError): boolean => statusOf(err) >= 500 && !isGatewayError(err)

/** The message a client reads: field names for schema rejections, a hint for a wrong media type. */
export function messageOf (err: RenderableError, contentType?: string): string {
  if (isHidden(err)) return 'Internal Server Error'
  if (err.validation !== undefined && err.validation.length > 0) return validationMessage(err.message, err.validation[0].params)
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return `Unsupported Media Type: ${contentType ?? 'none'}; send application/json`
  return err.message
}

/** Ajv's message plus the offending name, which Ajv keeps in params (e.g. an unexpected property). */
function validationMessage (message: string, params: unknown): string {
  const extra = (params as { additionalProperty?: unknown } | undefined)?.additionalProperty
  return extra === undefined ? message : `${message}: '${String(extra)}' is not a known field`
}

/** OpenAI's error type for a status (the SDKs map statuses to exception classes, the type is informative). */
const OPENAI_TYPES: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 413: 'invalid_request_error', 429: 'rate_limit_error' }

/** The request field an error is about, as OpenAI names it ("messages[0].content"): the error's own
 * `param`, or a body schema rejection's path. */
function openaiParam (err: RenderableError): string | null {
  if (typeof err.param === 'string') return err.param
  const path = err.validationContext === 'body' ? err.validation?.[0]?.instancePath : undefined
  return path === undefined || path === '' ? null : path.slice(1).replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')
}

export function openaiError (err: RenderableError, contentType?: string, status = statusOf(err)) {
  return { error: { message: messageOf(err, contentType), type: OPENAI_TYPES[status] ?? 'api_error', param: openaiParam(err), code: isHidden(err) ? null : err.code ?? null } }
}

export function renderError (err: RenderableError, shape: ErrorShape, contentType?: string): Rendered {
  const status = statusOf(err)
  switch (shape) {
    case 'openai': return { status, body: openaiError(err, contentType, status) }
    case 'v2':
      // Triton answers an unmatched path or method with the bare reason phrase.
      if (err.code === 'GW_ROUTE_NOT_FOUND' || err.code === 'GW_METHOD_NOT_ALLOWED') return { status, body: { error: STATUS_CODES[status] } }
      return { status, body: { error: messageOf(err, contentType) } }
    case 'tf-serving': return { status, body: { error: messageOf(err, contentType) } }
    default: {
      const hidden = isHidden(err)
      const code = hidden ? 'GW_INTERNAL' : err.code ?? 'GW_INTERNAL'
      return { status, body: { statusCode: status, code, error: STATUS_CODES[status] ?? 'Error', message: messageOf(err, contentType), ...(hidden ? {} : err.details) } }
    }
  }
}
