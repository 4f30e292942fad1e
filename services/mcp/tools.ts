// The gateway's MCP tools: each one a TypeBox input schema and a handler that calls the same service
// as the matching HTTP route (the shared prediction path, the drift monitor, the cache statistics,
// the Ollama client behind the prompt guard, the registry, the retrainer). Plain module: the mcp
// plugin hands it those services; services/mcp/server.ts exposes the tools over the protocol.
import type { TSchema } from '@sinclair/typebox'
import { rangeWarnings, toClassification } from '../inference/classification.js'
import type { ModelStore } from '../inference/model-store.js'
import type { Inference, RequestLike } from '../inference/prediction-path.js'
import { PromptBlockedError, withDetails } from '../lib/errors.js'
import type { ChatRequest, ChatResponse, GenerateRequest, GenerateResponse, Metrics } from '../llm/types.js'
import {
  McpChatSchema, McpClassifySchema, McpDriftReportSchema, McpGenerateSchema, McpMoveAliasSchema, McpNoArgumentsSchema, McpRetrainSchema,
  type McpChatArgs, type McpClassifyArgs, type McpDriftReportArgs, type McpGenerateArgs, type McpMoveAliasArgs, type McpRetrainArgs
} from '../../schemas/mcp.js'

/** What a tool sees of the HTTP request that carried the call: its headers (Cache-Control, Authorization). */
export type ToolContext = RequestLike

export interface McpTool {
  name: string
  title: string
  description: string
  inputSchema: TSchema
  /** Admin tools need the admin bearer token on the HTTP request (checked before the handler runs). */
  admin: boolean
  /** MCP tool annotations (hints for clients: read-only, destructive, open world). */
  annotations: { readOnlyHint: boolean, destructiveHint?: boolean, openWorldHint?: boolean }
  run: (args: any, ctx: ToolContext) => Promise<Record<string, unknown>>
}

interface Analysis { blocked: boolean, detected_patterns: string[] }

export interface McpToolDeps {
  inference: Pick<Inference, 'predict'>
  store: Pick<ModelStore, 'get' | 'list' | 'defaultVersion'>
  defaultModel: string
  maxBatchInstances: number
  drift: { report: (q: { model: string, version?: string, limit: number }) => Promise<{ report: object }>, defaultLimit: number, maxLimit: number }
  cacheStats: () => Record<string, unknown>
  llm: {
    defaultModel: string
    generate: (req: GenerateRequest, ctx: { route: string }) => Promise<GenerateResponse>
    chat: (req: ChatRequest, ctx: { route: string }) => Promise<ChatResponse>
  }
  promptGuard: { analyse: (prompt: string) => Analysis, sanitise: (prompt: string) => string }
  promptMaxChars: number
  registry: {
    prepareMove: (name: string, alias: string, version: string) => Promise<void>
    setAlias: (name: string, alias: string, version: string) => Promise<string | null>
    aliasChanged: (name: string, alias: string, version: string | null) => Promise<void>
  }
  retrain: (overrides: McpRetrainArgs) => Promise<object>
}

/** What the prediction log, the LLM metrics and the statistics record as the serving front of a tool's calls. */
export const routeOf = (tool: string) => `/mcp#${tool}`

const usage = (r: Metrics) => ({ prompt_tokens: r.prompt_eval_count ?? 0, completion_tokens: r.eval_count ?? 0, total_duration_ms: (r.total_duration ?? 0) / 1e6 })

/** The prompt guard as POST /api/v1/generate-secure applies it: a blocked text is refused with the analysis. */
function screen (guard: McpToolDeps['promptGuard'], text: string): Analysis {
  const analysis = guard.analyse(text)
  if (analysis.blocked) throw withDetails(new PromptBlockedError(analysis.detected_patterns.join(', ')), { security_analysis: analysis })
  return analysis
}

export function createMcpTools (deps: McpToolDeps): McpTool[] {
  const { inference, store, llm, promptGuard } = deps
  const readOnly = { readOnlyHint: true, openWorldHint: false }

  const classify: McpTool = {
    name: 'classify',
    title: 'Classify Iris samples',
    description: 'Classifies one or more Iris flowers (sepal and petal length and width in cm) with the gateway\'s ONNX models: ' +
      'the predicted species, its probability and the probability of each class. The same models, batching, cache and prediction log as POST /api/v1/classify.',
    inputSchema: McpClassifySchema(deps.maxBatchInstances),
    admin: false,
    annotations: readOnly,
    async run (args: McpClassifyArgs, ctx) {
      const { instances } = args
      // One row uses the exact cache as POST /api/v1/classify does; several run as one batch, as /classify/batch.
      const prediction = await inference.predict({ model: args.model ?? deps.defaultModel, version: args.version, rows: instances, route: routeOf('classify'), request: ctx, cache: instances.length === 1 })
      const model = prediction.model
      return {
        predictions: instances.map((x, i) => toClassification(model, prediction, i, rangeWarnings(model, x))),
        batch_size: instances.length,
        model: { name: model.name, version: model.version }
      }
    }
  }

  const listModels: McpTool = {
    name: 'list_models',
    title: 'List the served models',
    description: 'Every model version the gateway serves in process, with its metadata: algorithm, classes, feature names and training ranges, ' +
      'evaluation metrics, sha256, and whether it is the version served when a request names none.',
    inputSchema: McpNoArgumentsSchema,
    admin: false,
    annotations: readOnly,
    async run () {
      const models = store.list().map((m) => ({
        name: m.name,
        version: m.version,
        default: store.defaultVersion(m.name) === m.version,
        algorithm: m.metadata.algorithm ?? null,
        model_type: m.metadata.model_type ?? null,
        classes: m.metadata.classes ?? [],
        feature_names: m.metadata.feature_names ?? [],
        feature_ranges: m.metadata.feature_ranges ?? null,
        params: m.metadata.params ?? null,
        metrics: m.metrics,
        sha256: m.sha256,
        loaded_at: m.loadedAt
      }))
      return { default_model: deps.defaultModel, models }
    }
  }

  const driftReport: McpTool = {
    name: 'drift_report',
    title: 'Drift report',
    description: 'Drift of the newest logged predictions against the model version\'s training data (the JSON of GET /api/v1/drift-report): ' +
      'per-feature test and score, drifted columns, dataset drift, predicted-class distribution and a monitoring status.',
    inputSchema: McpDriftReportSchema(deps.drift.maxLimit),
    admin: false,
    annotations: readOnly,
    async run (args: McpDriftReportArgs) {
      const { report } = await deps.drift.report({ model: args.model ?? deps.defaultModel, version: args.version, limit: args.limit ?? deps.drift.defaultLimit })
      return report as Record<string, unknown>
    }
  }

  const cacheStats: McpTool = {
    name: 'cache_stats',
    title: 'Cache statistics',
    description: 'Exact and semantic cache hits, misses, hit ratio, entries, similarity histogram and latency saved on this replica (GET /api/v1/cache/stats).',
    inputSchema: McpNoArgumentsSchema,
    admin: false,
    annotations: readOnly,
    async run () { return deps.cacheStats() }
  }

  const generate: McpTool = {
    name: 'generate',
    title: 'Generate text with the LLM',
    description: 'One completion from the gateway\'s Ollama model, after the prompt-injection guard (a blocked prompt is refused with the analysis). ' +
      'Returns the text, the model, the stop reason, token usage and the guard\'s analysis.',
    inputSchema: McpGenerateSchema(deps.promptMaxChars),
    admin: false,
    annotations: { readOnlyHint: true, openWorldHint: false },
    async run (args: McpGenerateArgs) {
      const analysis = screen(promptGuard, args.prompt)
      const model = args.model ?? llm.defaultModel
      const r = await llm.generate({ model, prompt: promptGuard.sanitise(args.prompt), system: args.system, options: args.options }, { route: routeOf('generate') })
      return { response: r.response, model: r.model, done_reason: r.done_reason ?? 'stop', usage: usage(r), security_analysis: analysis }
    }
  }

  const chat: McpTool = {
    name: 'chat',
    title: 'Chat with the LLM',
    description: 'One assistant turn for the given conversation from the gateway\'s Ollama model. Every user message passes the prompt-injection guard first. ' +
      'No session is kept: send the whole conversation with each call.',
    inputSchema: McpChatSchema(deps.promptMaxChars),
    admin: false,
    annotations: { readOnlyHint: true, openWorldHint: false },
    async run (args: McpChatArgs) {
      const messages = args.messages.map((m) => {
        if (m.role !== 'user') return m
        screen(promptGuard, m.content)
        return { role: m.role, content: promptGuard.sanitise(m.content) }
      })
      const model = args.model ?? llm.defaultModel
      const r = await llm.chat({ model, messages, options: args.options }, { route: routeOf('chat') })
      return { response: r.message.content, model: r.model, done_reason: r.done_reason ?? 'stop', usage: usage(r) }
    }
  }

  const moveAlias: McpTool = {
    name: 'move_alias',
    title: 'Move a registry alias (admin)',
    description: 'Points a registered model\'s alias (e.g. production) at a version, which is loaded and checked first and then hot-reloaded where served ' +
      '(PUT /api/v1/registry/models/{name}/aliases/{alias}). Needs the admin bearer token on the MCP HTTP request.',
    inputSchema: McpMoveAliasSchema,
    admin: true,
    annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: false },
    async run (args: McpMoveAliasArgs) {
      const { model, alias, version } = args
      // Load first (sha256, format gate, probe): an artifact that cannot serve never becomes the alias.
      await deps.registry.prepareMove(model, alias, version)
      const previous = await deps.registry.setAlias(model, alias, version)
      await deps.registry.aliasChanged(model, alias, version)
      return { model, alias, version, previous }
    }
  }

  const retrain: McpTool = {
    name: 'retrain',
    title: 'Retrain behind the accuracy gate (admin)',
    description: 'Trains a candidate, gates it on accuracy, registers it and promotes it to production if it passes (POST /api/v1/retrain); ' +
      'the arguments override config.json\'s train params for this run. Needs the admin bearer token on the MCP HTTP request.',
    inputSchema: McpRetrainSchema,
    admin: true,
    annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: false },
    async run (args: McpRetrainArgs) { return await deps.retrain(args) as Record<string, unknown> }
  }

  return [classify, listModels, driftReport, cacheStats, generate, chat, moveAlias, retrain]
}
