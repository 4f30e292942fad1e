// The MCP endpoint without Fastify: web Requests in, web Responses out, with tools of the test's own.
// What only a unit test reaches: a tool's unexpected error (-32603, the cause only in the log), a
// catalogue error's details, JSON-RPC batches, and the field a schema rejection names.
import t from 'tap'
import { Type } from '@sinclair/typebox'
import { createValidatorCompiler } from '../../../services/lib/validation.js'
import { BadRequestError, UnauthorizedError, withDetails } from '../../../services/lib/errors.js'
import { createMcpEndpoint, describeRejection } from '../../../services/mcp/server.js'
import type { McpTool } from '../../../services/mcp/tools.js'

const compile = createValidatorCompiler()
const tool = (name: string, run: McpTool['run'], admin = false): McpTool => ({
  name, title: name, description: name, admin, run, annotations: { readOnlyHint: true }, inputSchema: Type.Object({ n: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false })
})

function endpoint (errors: unknown[] = [], toolErrors: unknown[] = []) {
  return createMcpEndpoint({
    name: 'test',
    version: '9.9.9',
    compile: (schema) => compile({ schema, httpPart: 'body' }),
    requireAdmin: async (request) => { if (request.headers.authorization !== 'Bearer ok') throw new UnauthorizedError() },
    onError: (err, name) => { errors.push({ err, name }) },
    onToolError: (err, name) => { toolErrors.push({ err, name }) },
    tools: [
      tool('double', async (args: { n?: number }) => ({ doubled: (args.n ?? 1) * 2 })),
      tool('bug', async () => { throw new TypeError('secret internals') }),
      tool('refuse', async () => { throw withDetails(new BadRequestError('not like this'), { hint: 'try again' }) }),
      tool('admin_only', async () => ({ done: true }), true)
    ]
  })
}

async function post (mcp: ReturnType<typeof createMcpEndpoint>, body: unknown, headers: Record<string, string> = {}) {
  const request = new Request('http://localhost/mcp', {
    method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25', ...headers }
  })
  const res = await mcp.handle(request, body, { headers })
  return { status: res.status, body: res.status === 202 ? null : await res.json() as any }
}
const callTool = (id: number, name: string, args?: object) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } })

t.test('a tool answers its structured result and the same JSON as text', async (t) => {
  const { status, body } = await post(endpoint(), callTool(1, 'double', { n: 21 }))
  t.equal(status, 200)
  t.same(body.result, { content: [{ type: 'text', text: '{"doubled":42}' }], structuredContent: { doubled: 42 } })
  const none = await post(endpoint(), callTool(2, 'double'))
  t.same(none.body.result.structuredContent, { doubled: 2 }, 'no arguments is an empty object')
})

t.test('an error that is not the catalogue\'s: -32603 for the client, the cause in the log', async (t) => {
  const errors: any[] = []
  const { body } = await post(endpoint(errors), callTool(1, 'bug'))
  t.same(body.error, { code: -32603, message: 'Internal error' })
  t.equal(errors.length, 1)
  t.equal(errors[0].name, 'bug')
  t.match(errors[0].err.message, 'secret internals')
})

t.test('a catalogue error is a tool error with its code, status and details', async (t) => {
  const toolErrors: unknown[] = []
  const { body } = await post(endpoint([], toolErrors), callTool(1, 'refuse'))
  t.same(toolErrors, [{ name: 'refuse', err: { code: 'GW_BAD_REQUEST', statusCode: 400, message: 'not like this' } }], 'reported for the log')
  t.same(body.result, {
    isError: true,
    content: [{ type: 'text', text: 'not like this' }],
    structuredContent: { error: { code: 'GW_BAD_REQUEST', statusCode: 400, message: 'not like this', hint: 'try again' } }
  })
})

t.test('admin tools: the token is checked first; the JSON-RPC message carries no SDK prefix', async (t) => {
  const refused = await post(endpoint(), callTool(1, 'admin_only', { n: -1 }))
  t.same(refused.body.error, { code: -32600, message: 'admin_only: A valid admin bearer token is required', data: { code: 'GW_UNAUTHORIZED', statusCode: 401 } })
  const ok = await post(endpoint(), callTool(2, 'admin_only'), { authorization: 'Bearer ok' })
  t.same(ok.body.result.structuredContent, { done: true })
})

t.test('a JSON-RPC batch gets one answer per request; a notification alone gets 202', async (t) => {
  const { status, body } = await post(endpoint(), [callTool(1, 'double', { n: 2 }), callTool(2, 'nope'), { jsonrpc: '2.0', id: 3, method: 'tools/list' }])
  t.equal(status, 200)
  const byId = Object.fromEntries((body as any[]).map((m) => [m.id, m]))
  t.same(byId[1].result.structuredContent, { doubled: 4 })
  t.same(byId[2].error, { code: -32602, message: 'Tool nope not found' })
  t.same(byId[3].result.tools.map((x: any) => x.name), ['double', 'bug', 'refuse', 'admin_only'])
  t.same(byId[3].result.tools[0].inputSchema, { type: 'object', properties: { n: { type: 'integer', minimum: 0 } }, additionalProperties: false })
  t.equal((await post(endpoint(), { jsonrpc: '2.0', method: 'notifications/initialized' })).status, 202)
})

t.test('describeRejection names the field of each kind of schema rejection', async (t) => {
  const validate = compile({ schema: Type.Object({ a: Type.Array(Type.Object({ x: Type.Number() }, { additionalProperties: false })) }, { additionalProperties: false }), httpPart: 'body' })
  const rejection = (data: unknown) => { t.notOk(validate(data)); return describeRejection(validate.errors![0]) }
  t.same(rejection({ a: [{ x: 'one' }] }), { field: 'a/0/x', message: 'Invalid arguments: arguments/a/0/x must be number' })
  t.same(rejection({ a: [{}] }), { field: 'a/0/x', message: "Invalid arguments: arguments/a/0 must have required property 'x'" })
  t.same(rejection({}), { field: 'a', message: "Invalid arguments: arguments must have required property 'a'" })
  t.same(rejection({ a: [], b: 1 }), { field: 'b', message: "Invalid arguments: arguments must NOT have additional properties: 'b' is not a known field" })
  t.same(rejection({ a: 'no' }), { field: 'a', message: 'Invalid arguments: arguments/a must be array' })
})
