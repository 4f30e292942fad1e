// Conversation memory per session: stored messages (bounded by count, expiring when idle) and the
// window of them sent to the model (bounded by messages and approximate tokens).
import type { Message } from './types.js'

export interface MemoryStore {
  load: (sessionId: string) => Promise<Message[] | null>
  save: (sessionId: string, messages: Message[]) => Promise<void>
  delete: (sessionId: string) => Promise<boolean>
}

export interface MemoryLimits { maxMessages: number, maxTokens: number }

/** About four characters a token for English text: enough to keep a window under a context size. */
export const approxTokens = (text: string) => Math.ceil(text.length / 4)

/** The newest messages that fit both limits, never splitting a question from its answer's start. */
export function windowFor (history: Message[], limits: MemoryLimits): Message[] {
  const out: Message[] = []
  let tokens = 0
  for (let i = history.length - 1; i >= 0 && out.length < limits.maxMessages; i--) {
    tokens += approxTokens(history[i].content)
    if (tokens > limits.maxTokens && out.length > 0) break
    out.unshift(history[i])
  }
  return out
}

export function memoryStats (history: Message[], window: Message[]) {
  return {
    total_messages: history.length,
    human_messages: history.filter((m) => m.role === 'user').length,
    ai_messages: history.filter((m) => m.role === 'assistant').length,
    window_messages: window.length,
    window_tokens: window.reduce((n, m) => n + approxTokens(m.content), 0)
  }
}
