// Input schemas of the MCP tools (routes/mcp.ts, services/mcp/). Built from the HTTP routes' schemas,
// so a tool call is validated exactly as the matching HTTP request body is.
import { Type, type Static } from '@sinclair/typebox'
import { DriftQuerySchema } from './drift.js'
import { IrisFeaturesSchema, ModelSelectorSchema } from './iris.js'
import { ChatRequestSchema, GenerateRequestSchema, OptionsSchema } from './llm.js'
import { AliasParamsSchema, TrainOverridesSchema } from './registry.js'

export const McpClassifySchema = (maxItems: number) => Type.Object({
  instances: Type.Array(IrisFeaturesSchema, { minItems: 1, maxItems, description: `1 to ${maxItems} Iris samples (one row: a one-element array), run as one batch` }),
  ...ModelSelectorSchema.properties
}, { additionalProperties: false })

export const McpNoArgumentsSchema = Type.Object({}, { additionalProperties: false })

export const McpDriftReportSchema = (maxLimit: number) => Type.Omit(DriftQuerySchema(maxLimit), ['format'], { additionalProperties: false })

export const McpGenerateSchema = (maxChars: number) => Type.Omit(GenerateRequestSchema(maxChars), ['stream'], { additionalProperties: false })

export const McpChatSchema = (maxChars: number) => Type.Object({
  messages: Type.Array(Type.Object({
    role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant')]),
    content: Type.String({ minLength: 1, maxLength: maxChars })
  }, { additionalProperties: false }), { minItems: 1, maxItems: 100, description: 'the conversation so far, oldest first; the gateway keeps no session for MCP calls' }),
  model: ChatRequestSchema(maxChars).properties.model,
  options: Type.Optional(OptionsSchema)
}, { additionalProperties: false })

export const McpMoveAliasSchema = Type.Object({
  model: AliasParamsSchema.properties.name,
  alias: AliasParamsSchema.properties.alias,
  version: Type.String({ pattern: '^[0-9]+$' })
}, { additionalProperties: false })

export const McpRetrainSchema = TrainOverridesSchema

export type McpClassifyArgs = Static<ReturnType<typeof McpClassifySchema>>
export type McpDriftReportArgs = Static<ReturnType<typeof McpDriftReportSchema>>
export type McpGenerateArgs = Static<ReturnType<typeof McpGenerateSchema>>
export type McpChatArgs = Static<ReturnType<typeof McpChatSchema>>
export type McpMoveAliasArgs = Static<typeof McpMoveAliasSchema>
export type McpRetrainArgs = Static<typeof McpRetrainSchema>
