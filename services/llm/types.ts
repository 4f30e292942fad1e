// Ollama's native request and response shapes (reference/llm_gateways.md, section 1).
export interface Message { role: 'system' | 'user' | 'assistant' | 'tool', content: string }

export interface GenerateRequest {
  model: string
  prompt: string
  system?: string
  options?: Record<string, unknown>
  format?: unknown
  keep_alive?: string | number
}

export interface ChatRequest {
  model: string
  messages: Message[]
  options?: Record<string, unknown>
  format?: unknown
  keep_alive?: string | number
}

/** Final-chunk metrics; every *_duration is in nanoseconds. */
export interface Metrics {
  total_duration?: number
  load_duration?: number
  prompt_eval_count?: number
  prompt_eval_duration?: number
  eval_count?: number
  eval_duration?: number
}

export interface GenerateResponse extends Metrics {
  model: string
  created_at: string
  response: string
  done: boolean
  done_reason?: string
}

export interface ChatResponse extends Metrics {
  model: string
  created_at: string
  message: Message
  done: boolean
  done_reason?: string
}

export interface EmbedRequest { model: string, input: string | string[], truncate?: boolean, dimensions?: number }

export interface EmbedResponse { model: string, embeddings: number[][], total_duration?: number, load_duration?: number, prompt_eval_count?: number }

export interface TagsResponse { models: Array<{ name: string, model: string, modified_at?: string, size?: number, digest?: string }> }
