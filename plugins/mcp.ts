// The MCP server (Model Context Protocol, Streamable HTTP, stateless) behind POST /mcp (routes/mcp.ts):
// its tools call the services the HTTP routes call (services/mcp/tools.ts), the protocol is the
// official SDK's (services/mcp/server.ts). https://github.com/modelcontextprotocol/typescript-sdk
import fp from 'fastify-plugin'
import { cacheStatsReport } from '../services/cache/stats.js'
import { createValidatorCompiler } from '../services/lib/validation.js'
import { createMcpEndpoint } from '../services/mcp/server.js'
import { createMcpTools } from '../services/mcp/tools.js'

declare module 'fastify' {
  interface FastifyInstance {
    mcp: ReturnType<typeof createMcpEndpoint>
  }
}

export default fp(async function mcpPlugin (fastify) {
  const { config, inference, onnx, driftMonitor, cache, semanticCache, ollama, promptGuard, registry, retrain } = fastify
  const tools = createMcpTools({
    inference,
    store: onnx,
    defaultModel: config.DEFAULT_MODEL,
    maxBatchInstances: config.MAX_BATCH_INSTANCES,
    drift: { report: async (q) => await driftMonitor.report(q), defaultLimit: config.DRIFT_DEFAULT_LIMIT, maxLimit: config.DRIFT_MAX_LIMIT },
    cacheStats: () => cacheStatsReport(cache, semanticCache, { redis: fastify.redis !== undefined, threshold: config.SEMANTIC_THRESHOLD }),
    llm: ollama,
    promptGuard,
    promptMaxChars: config.PROMPT_MAX_CHARS,
    registry: {
      prepareMove: async (name, alias, version) => { await registry.serving.prepareMove(name, alias, version) },
      setAlias: async (name, alias, version) => await registry.backend.setAlias(name, alias, version),
      aliasChanged: async (name, alias, version) => { await registry.serving.aliasChanged(name, alias, version) }
    },
    retrain: async (overrides) => await retrain.run(overrides)
  })
  const compile = createValidatorCompiler()
  fastify.decorate('mcp', createMcpEndpoint({
    tools,
    name: 'inference-gateway',
    version: '0.1.0',
    compile: (schema) => compile({ schema, httpPart: 'body' }),
    requireAdmin: fastify.requireAdmin,
    onError: (err, tool) => fastify.log.error({ err, tool }, 'MCP tool failed'),
    // As the HTTP routes log theirs: an upstream failure is one warn line, a client mistake only at debug.
    onToolError: (err, tool) => {
      if (err.statusCode >= 500) fastify.log.warn({ tool, ...err }, 'MCP tool error')
      else fastify.log.debug({ tool, ...err }, 'MCP tool error')
    }
  }))
}, {
  name: 'mcp',
  dependencies: ['config', 'auth', 'inference', 'onnx', 'drift-monitor', 'cache', 'semantic-cache', 'redis', 'ollama', 'prompt-guard', 'mlflow-registry', 'retrain']
})
