// Every plugin that depends on something (a model, a server) registers a check here; /health reports them all.
import fp from 'fastify-plugin'

export interface DependencyState {
  status: 'up' | 'down' | 'degraded' | 'disabled'
  /** Whether the gateway is unready while this dependency is down. */
  critical?: boolean
  [detail: string]: unknown
}

export type HealthCheck = () => DependencyState | Promise<DependencyState>

export function createHealth () {
  const checks = new Map<string, HealthCheck>()
  return {
    register (name: string, check: HealthCheck) { checks.set(name, check) },
    async report (timeoutMs = 2000): Promise<Record<string, DependencyState>> {
      const entries = await Promise.all([...checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<DependencyState>((resolve) => {
          timer = setTimeout(() => resolve({ status: 'down', error: `health check timed out after ${timeoutMs} ms` }), timeoutMs)
        })
        try {
          return [name, await Promise.race([Promise.resolve().then(check), timeout])] as const
        } catch (err) {
          return [name, { status: 'down', error: (err as Error).message }] as const
        } finally {
          clearTimeout(timer)
        }
      }))
      return Object.fromEntries(entries)
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    health: ReturnType<typeof createHealth>
  }
}

export default fp(async function healthPlugin (fastify) {
  fastify.decorate('health', createHealth())
}, { name: 'health' })
