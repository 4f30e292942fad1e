// The model registry (embedded file backend under models/registry, or an MLflow tracking server when
// MLFLOW_TRACKING_URI is set) and registry serving with hot reload: `fastify.registry.backend` for
// the admin routes, `fastify.registry.serving` for routes that serve an alias. With
// REGISTRY_POLL_SECONDS (default 5 with MLflow, 0 with the embedded registry) the served aliases are
// re-read periodically, so an alias moved or deleted by the CLI, another gateway or another MLflow
// client is followed without a restart.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import fp from 'fastify-plugin'
import { asHealthProbe } from '../services/lib/upstream.js'
import { openRegistry } from '../services/registry/index.js'
import { createRegistryServing, type RegistryServing } from '../services/registry/serving.js'
import type { RegistryBackend } from '../services/registry/types.js'

declare module 'fastify' {
  interface FastifyInstance {
    registry: { backend: RegistryBackend, serving: RegistryServing }
  }
}

export default fp(async function registryPlugin (fastify) {
  const { config, onnx, health, log } = fastify
  const backend = openRegistry(config, log)
  await mkdir(config.DATA_DIR, { recursive: true })
  const serving = createRegistryServing({
    registry: backend, store: onnx, retireGraceMs: config.REGISTRY_RETIRE_GRACE_MS, refreshDeadlineMs: config.MLFLOW_TIMEOUT_MS, statePath: join(config.DATA_DIR, 'registry-serving.json'), log
  })
  // Serve again what was served before the restart (or its last good version, if the target cannot load).
  await serving.restore()

  // MLflow is shared with other clients, so its aliases are followed by default; the embedded
  // registry changes only through this gateway unless the CLI runs next to it.
  const pollSeconds = config.REGISTRY_POLL_SECONDS ?? (backend.kind === 'mlflow' ? 5 : 0)
  let poller: NodeJS.Timeout | null = null
  let lastPoll: { at: string, errors: number } | null = null
  if (pollSeconds > 0) {
    let busy = false
    poller = setInterval(() => {
      if (busy) return // a slow registry must not stack refreshes
      busy = true
      serving.refresh()
        .then((r) => { lastPoll = { at: new Date().toISOString(), errors: r.filter((x) => x.error !== undefined).length } })
        .finally(() => { busy = false })
    }, pollSeconds * 1000)
    poller.unref()
  }

  health.register('registry', async () => {
    // An alias whose target cannot load: degraded while a last good version answers for it; an alias
    // with nothing to serve makes the gateway unready (critical), naming it.
    const failures = serving.failures()
    const unservable = failures.some((f) => f.serving === null)
    const about = { critical: unservable, backend: backend.kind, location: backend.location, served: serving.served(), poll_seconds: pollSeconds, last_poll: lastPoll, ...(failures.length > 0 ? { alias_failures: failures } : {}) }
    try {
      const described = await asHealthProbe(async () => await backend.describe())
      return { status: unservable ? 'down' : failures.length > 0 ? 'degraded' : 'up', ...about, ...described }
    } catch (err) {
      // Served aliases keep answering from loaded versions; only new ones and admin calls fail.
      return { status: 'down', ...about, error: (err as Error).message }
    }
  })

  fastify.decorate('registry', { backend, serving })
  fastify.addHook('onClose', async () => {
    if (poller !== null) clearInterval(poller)
    await serving.close()
    await backend.close()
  })
}, { name: 'mlflow-registry', dependencies: ['config', 'onnx', 'health'] })
