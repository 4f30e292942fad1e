// Seed phase 3: a chat answer reused for a prompt that means the same as an earlier one.
// Order: exact cache (same scope and prompt) -> semantic cache (embedding, threshold, guard) ->
// Ollama; only complete answers (done_reason "stop") are stored.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ChatSemanticRequestSchema, ChatSemanticResponseSchema } from '../../../schemas/cache.js'
import { ErrorSchema } from '../../../schemas/iris.js'
import type { GenerateResponse } from '../../../services/llm/types.js'

interface Answer { response: string, model: string, complete: boolean }

const chatSemantic: FastifyPluginAsyncTypebox = async (fastify) => {
  const { cache, semanticCache, log, ollama } = fastify
  const defaultModel = ollama.defaultModel

  const toAnswer = (r: GenerateResponse): Answer => ({ response: r.response, model: r.model, complete: r.done && (r.done_reason ?? 'stop') === 'stop' })

  fastify.post('/chat-semantic', {
    schema: {
      tags: ['llm', 'cache'],
      summary: 'Generate with exact and semantic caching (seed cache_info shape)',
      description: 'A prompt whose embedding is within SEMANTIC_THRESHOLD (cosine) of an earlier prompt with the same model, ' +
        'options and system prompt, and that passes the negation/number/antonym/word-order guard, gets the earlier answer. ' +
        'Cache-Control: no-cache forces a fresh answer (which is then stored). x-cache: HIT|MISS|BYPASS.',
      body: ChatSemanticRequestSchema,
      response: { 200: ChatSemanticResponseSchema, 400: ErrorSchema, 404: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema }
    }
  }, async (request, reply) => {
    const start = performance.now()
    const { prompt, system, options } = request.body
    const model = request.body.model ?? defaultModel
    const scope = semanticCache.scope({ api: 'chat-semantic', model, system: system ?? null, options: options ?? {} })
    const fresh = cache.wantsFresh(request)
    const elapsed = () => Math.round((performance.now() - start) * 100) / 100

    let semantic: Awaited<ReturnType<typeof semanticCache.lookup>> = null
    let embedFailed = false
    // A request answered by either cache never reaches Ollama: the ollama decorator counts it 'cached'.
    const serve = (upstream: () => Promise<GenerateResponse>) => cache.wrap(cache.key('chat-semantic', [scope, prompt]), async () => {
      if (semanticCache.enabled && !fresh) {
        // A failing embedder costs the semantic lookup, not the answer.
        semantic = await semanticCache.lookup(scope, prompt).catch((err: Error) => {
          log.warn({ err: err.message }, 'semantic cache lookup failed; answering without it')
          embedFailed = true
          return null
        })
        if (semantic?.hit === true) return { ...(semantic.entry.response as Answer), matched: semantic.entry.prompt, score: semantic.score }
      }
      const genStart = performance.now()
      const answer = toAnswer(await upstream())
      if (answer.complete && semanticCache.enabled) {
        // After a failed embedding, do not wait on the embedder a second time.
        const vector = semantic?.vector ?? (embedFailed ? null : await semanticCache.embed(prompt).catch(() => null))
        if (vector !== null) await semanticCache.remember(scope, prompt, vector, answer, performance.now() - genStart)
      }
      return { ...answer, matched: null, score: semantic?.hit === false ? semantic.best : null }
    }, { bypass: fresh, cacheable: (a) => a.complete })
    const { value, status } = await ollama.generate({ prompt, model, system, options }, { route: request.routeOptions.url, cache: serve })

    const exactHit = status === 'HIT'
    const semanticHit = !exactHit && value.matched !== null
    reply.header('x-cache', exactHit || semanticHit ? 'HIT' : status)
    return {
      response: value.response,
      model: value.model,
      cache_info: {
        cache_hit: exactHit || semanticHit,
        cache_type: exactHit ? 'exact' as const : semanticHit ? 'semantic' as const : null,
        similarity_score: exactHit ? 1 : value.score,
        response_time_ms: elapsed(),
        ...(semanticHit ? { matched_prompt: value.matched as string } : {})
      }
    }
  })
}

export default chatSemantic
