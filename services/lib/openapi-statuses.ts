// What the OpenAPI document says of a route beyond its own schemas (plugins/swagger.ts calls
// documentRoute for each route): the statuses any route can answer whatever its handler does, in
// the error shape its clients read, and the media types of a streaming answer. Only the document
// changes: the route's schemas, which Fastify validates and serializes with, stay as they are.
import { Type, type TSchema } from '@sinclair/typebox'
import type { ErrorShape } from './error-shapes.js'
import { ErrorSchema } from '../../schemas/iris.js'
import { OpenAIErrorSchema } from '../../schemas/openai.js'
import { TfErrorSchema } from '../../schemas/tf-serving.js'
import { V2ErrorSchema } from '../../schemas/v2.js'

/** Probes and scrapes: never shed for load nor rate limited (plugins/overload.ts). */
export const exemptFromOverload = (url: string): boolean => /^\/(v2\/)?health(\/|$)/.test(url) || url === '/metrics'

/** Answers in another media type than JSON, by route: streams (when the body asks for `stream: true`) and binary tensors. */
const ALTERNATIVES: Record<string, { type: string, description: string }> = {
  'POST /api/v1/generate': { type: 'application/x-ndjson', description: 'with stream: true, Ollama-style NDJSON chunks, one JSON object per line; the last has done: true' },
  'POST /api/v1/chat': { type: 'application/x-ndjson', description: 'with stream: true, NDJSON chunks; the last has done: true and session_id' },
  'POST /v1/chat/completions': { type: 'text/event-stream', description: 'with stream: true, server-sent events of chat.completion.chunk objects, ending with data: [DONE]' },
  'POST /v2/models/:model/infer': { type: 'application/octet-stream', description: 'with binary outputs asked for (binary_data_output), the JSON header of Inference-Header-Content-Length bytes, then the tensors' },
  'POST /v2/models/:model/versions/:version/infer': { type: 'application/octet-stream', description: 'with binary outputs asked for (binary_data_output), the JSON header of Inference-Header-Content-Length bytes, then the tensors' }
}

const ERRORS: Record<ErrorShape, TSchema> = { gateway: ErrorSchema, v2: V2ErrorSchema, 'tf-serving': TfErrorSchema, openai: OpenAIErrorSchema }

const RETRY_AFTER = { 'retry-after': Type.Integer({ minimum: 1, description: 'seconds to wait before retrying' }) }

/** A copy without `$id`, so the document does not see a second schema of the same id. */
function withoutId (schema: TSchema): TSchema {
  const { $id: _id, ...rest } = schema
  return rest as TSchema
}

interface RouteInfo { method: string | string[], url: string, config?: { errorShape?: ErrorShape } }

/** The statuses `route` can answer besides its handler's, with why. */
export function commonStatuses (schema: Record<string, unknown>, route: RouteInfo): Record<string, { description: string, headers?: Record<string, TSchema> }> {
  const methods = ([] as string[]).concat(route.method)
  const validated = ['body', 'querystring', 'params', 'headers'].some((k) => schema[k] !== undefined)
  const takesBody = methods.some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH')
  const out: Record<string, { description: string, headers?: Record<string, TSchema> }> = {}
  if (validated || takesBody) out['400'] = { description: 'Bad Request: a field fails the schema (the message names it), or the body is not valid JSON' }
  if (takesBody) {
    out['413'] = { description: 'Content Too Large: the body exceeds the route\'s limit (BODY_LIMIT, or the /v2 and /v1/models protocol limits)' }
    out['415'] = { description: 'Unsupported Media Type: a body of a media type the route does not read' }
  }
  if (route.url.includes(':')) out['414'] = { description: 'URI Too Long: a path segment (such as a model name) exceeds 100 characters' }
  if (!exemptFromOverload(route.url)) {
    out['429'] = { description: 'Too Many Requests: the caller\'s budget (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_MS, when set) is spent', headers: RETRY_AFTER }
    out['503'] = { description: 'Service Unavailable: load shedding (event-loop delay or heap over the OVERLOAD_* limits), or an upstream the route needs is down or not configured', headers: RETRY_AFTER }
  }
  return out
}

/** The route's schema as the document shows it: its own responses, the common statuses, streaming media types. */
export function documentRoute (schema: Record<string, unknown> | undefined, route: RouteInfo): Record<string, unknown> | undefined {
  if (schema === undefined || schema.hide === true) return schema
  const own = (schema.response ?? {}) as Record<string, Record<string, unknown>>
  const error = ERRORS[route.config?.errorShape ?? 'gateway']
  const response: Record<string, unknown> = { ...own }
  for (const [status, extra] of Object.entries(commonStatuses(schema, route))) {
    const mine = own[status]
    if (mine === undefined) response[status] = { ...withoutId(error), description: extra.description, ...(extra.headers === undefined ? {} : { headers: extra.headers }) }
    else if (extra.headers !== undefined && mine.headers === undefined) response[status] = { ...mine, headers: extra.headers }
  }
  const other = ([] as string[]).concat(route.method).map((m) => ALTERNATIVES[`${m} ${route.url}`]).find((a) => a !== undefined)
  const ok = own['200']
  if (other !== undefined && ok !== undefined) {
    response['200'] = {
      description: ok.description ?? `JSON; ${other.description}`,
      content: {
        'application/json': { schema: ok },
        [other.type]: { schema: Type.String({ description: other.description }) }
      }
    }
  }
  // A route without response schemas (the Prometheus scrape) answers 200 in the media types it produces.
  if (schema.response === undefined && Array.isArray(schema.produces)) {
    response['200'] = { description: 'OK', content: Object.fromEntries((schema.produces as string[]).map((type) => [type, { schema: Type.String() }])) }
  }
  return { ...schema, response }
}
