// Prompt-injection screening for the LLM routes (rules and normalisation in services/llm/prompt-guard).
import fp from 'fastify-plugin'
import { Counter } from 'prom-client'
import { analysePrompt, sanitisePrompt } from '../services/llm/prompt-guard/index.js'

declare module 'fastify' {
  interface FastifyInstance {
    promptGuard: ReturnType<typeof createPromptGuard>
  }
}

export function createPromptGuard (maxChars: number, onBlocked: (categories: string[]) => void = () => {}) {
  return {
    analyse (prompt: string) {
      const analysis = analysePrompt(prompt, maxChars)
      if (analysis.blocked) onBlocked(analysis.categories)
      return analysis
    },
    sanitise: (prompt: string) => sanitisePrompt(prompt, maxChars)
  }
}

export default fp(async function promptGuardPlugin (fastify) {
  const blocked = new Counter({ name: 'prompt_guard_blocked_total', help: 'Prompts blocked by the injection guard, by category', labelNames: ['category'] as const, registers: [fastify.metrics.registry] })
  fastify.decorate('promptGuard', createPromptGuard(fastify.config.PROMPT_MAX_CHARS, (categories) => {
    for (const c of categories) blocked.labels(c).inc()
  }))
}, { name: 'prompt-guard', dependencies: ['config', 'metrics'] })
