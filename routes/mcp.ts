// The MCP endpoint (Streamable HTTP, stateless; plugins/mcp.ts, docs/mcp.md). POST carries JSON-RPC
// messages and gets JSON back; GET (a server-sent stream) and DELETE (ending a session) have nothing
// to do without sessions and answer 405, as the transport's specification allows. Fastify parses
// the body first, so BODY_LIMIT (413) and the JSON content type (415) apply as on every route.
// Hidden from the OpenAPI document: the JSON-RPC methods and tools are described by the protocol
// itself (initialize, tools/list), which OpenAPI cannot express.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

const hidden = { schema: { hide: true } }

const mcpRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { mcp } = fastify

  fastify.post('/mcp', hidden, async (request, reply) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined) continue
      for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
    }
    // The URL is informative for the SDK (requestInfo); the Host header is the client's to choose.
    const web = new Request(`http://localhost${request.url}`, { method: 'POST', headers })
    const res = await mcp.handle(web, request.body, request)
    reply.code(res.status)
    res.headers.forEach((value, name) => { reply.header(name, value) })
    const text = await res.text()
    return await reply.send(text === '' ? undefined : text)
  })

  const notAllowed = async (_request: unknown, reply: import('fastify').FastifyReply) => await reply.code(405).header('allow', 'POST')
    .send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP server is stateless, POST JSON-RPC messages to /mcp' }, id: null })
  fastify.get('/mcp', hidden, notAllowed)
  fastify.delete('/mcp', hidden, notAllowed)
}

export default mcpRoutes
