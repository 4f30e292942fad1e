// The Model Context Protocol over Streamable HTTP (https://modelcontextprotocol.io/specification/2025-11-25/basic/transports),
// with the official SDK (@modelcontextprotocol/sdk), stateless: every HTTP request gets its own SDK
// server and transport, no session id, JSON answers instead of an SSE stream. Any replica can answer
// any request, and nothing is kept between requests.
//
// Tools are listed with their TypeBox input schemas as JSON Schema and validated with the gateway's
// own body validator (the SDK's McpServer would need zod schemas, a second copy of each). Errors:
// - an unknown tool: JSON-RPC error -32602 (invalid params), as the SDK answers it;
// - an admin tool without a valid admin token: JSON-RPC error -32600 (invalid request) with
//   data {code, statusCode} (GW_UNAUTHORIZED 401, or GW_ADMIN_DISABLED 403 without ADMIN_TOKEN);
// - arguments the schema refuses, and every gateway error (unknown model, upstream down, blocked
//   prompt, ...): a tool result with isError: true, its text the message and structuredContent
//   {error: {code, statusCode, message, field?, ...details}}, so a model can read it and retry;
// - anything else: JSON-RPC error -32603 "Internal error", the cause only in the gateway's log.
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js'
import type { ErrorObject } from 'ajv'
import { isGatewayError, type ErrorDetails } from '../lib/errors.js'
import type { McpTool, ToolContext } from './tools.js'

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null }

export interface McpEndpointOptions {
  tools: McpTool[]
  /** Server name and version reported in the initialize answer. */
  name: string
  version: string
  /** Compiles a tool's input schema (the gateway's body validator: strict types, no coercion). */
  compile: (schema: object) => Validate
  /** Rejects (with a catalogue error) a request without a valid admin bearer token. */
  requireAdmin: (request: ToolContext) => Promise<void>
  /** Called with an error that is not the catalogue's (a bug), before the client gets -32603. */
  onError: (err: unknown, tool: string) => void
  /** Called with a catalogue error a tool answered with (isError), e.g. to log an upstream 503. */
  onToolError?: (err: { code: string, statusCode: number, message: string }, tool: string) => void
}

/** The field a schema rejection is about ("instances/0/petal_width") and a message naming it. */
export function describeRejection (error: ErrorObject): { field: string, message: string } {
  const params = error.params as { missingProperty?: string, additionalProperty?: string }
  const path = error.instancePath.slice(1)
  const child = params.missingProperty ?? params.additionalProperty
  const field = child === undefined ? path : path === '' ? child : `${path}/${child}`
  const extra = params.additionalProperty === undefined ? '' : `: '${params.additionalProperty}' is not a known field`
  return { field, message: `Invalid arguments: arguments${error.instancePath} ${error.message ?? 'is invalid'}${extra}` }
}

/** A JSON-RPC error as the SDK sends it ({code, message, data}); unlike its McpError, the message is not
 * prefixed with "MCP error <code>:" on the wire (the SDK's client adds that prefix itself). */
function rpcError (code: ErrorCode, message: string, data?: Record<string, unknown>): Error {
  return Object.assign(new Error(message), { code, data })
}

function toolError (code: string, statusCode: number, message: string, more: Record<string, unknown> = {}): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }], structuredContent: { error: { code, statusCode, message, ...more } } }
}

export function createMcpEndpoint (opts: McpEndpointOptions) {
  const tools = new Map(opts.tools.map((t) => [t.name, { tool: t, validate: opts.compile(t.inputSchema) }]))
  // JSON round trip: TypeBox's symbol keys go, what a client reads stays.
  const listed: Tool[] = opts.tools.map((t) => ({
    name: t.name, title: t.title, description: t.description, inputSchema: JSON.parse(JSON.stringify(t.inputSchema)), annotations: t.annotations
  }))

  async function call (name: string, args: unknown, ctx: ToolContext): Promise<CallToolResult> {
    const entry = tools.get(name)
    if (entry === undefined) throw rpcError(ErrorCode.InvalidParams, `Tool ${name} not found`)
    const { tool, validate } = entry
    if (tool.admin) {
      try {
        await opts.requireAdmin(ctx)
      } catch (err) {
        const e = err as Error & { code?: string, statusCode?: number }
        throw rpcError(ErrorCode.InvalidRequest, `${name}: ${e.message}`, { code: e.code, statusCode: e.statusCode })
      }
    }
    const input = args ?? {}
    if (!validate(input)) {
      const { field, message } = describeRejection((validate.errors as ErrorObject[])[0])
      return toolError('GW_BAD_REQUEST', 400, message, { field })
    }
    try {
      const result = await tool.run(input, ctx)
      return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result }
    } catch (err) {
      if (!isGatewayError(err)) {
        opts.onError(err, name)
        throw rpcError(ErrorCode.InternalError, 'Internal error')
      }
      const statusCode = err.statusCode ?? 500
      opts.onToolError?.({ code: err.code, statusCode, message: err.message }, name)
      return toolError(err.code, statusCode, err.message, (err as ErrorDetails).details)
    }
  }

  return {
    /** The tools as tools/list shows them. */
    tools: listed,
    /**
     * Answers one Streamable HTTP POST: `request` carries the method, URL and headers (Accept,
     * Content-Type, MCP-Protocol-Version), `body` the JSON already parsed and size-checked by Fastify.
     */
    async handle (request: Request, body: unknown, ctx: ToolContext): Promise<Response> {
      const server = new Server({ name: opts.name, version: opts.version }, { capabilities: { tools: { listChanged: false } } })
      server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listed }))
      server.setRequestHandler(CallToolRequestSchema, async (req) => await call(req.params.name, req.params.arguments, ctx))
      const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
      await server.connect(transport)
      try {
        return await transport.handleRequest(request, { parsedBody: body })
      } finally {
        await server.close()
      }
    }
  }
}

export type McpEndpoint = ReturnType<typeof createMcpEndpoint>
