// Retraining in the gateway: `fastify.retrain.run()` (one run at a time; a second gets 409) for
// POST /api/v1/retrain, and the RETRAIN_CRON schedule. A promotion moves `production` in the
// registry and tells registry serving, so /predict switches to the new version without a restart.
import { join } from 'node:path'
import { Cron } from 'croner'
import fp from 'fastify-plugin'
import { RetrainBusyError } from '../services/lib/errors.js'
import { readRetrainConfig, runRetrain, type Decision, type RetrainConfig } from '../services/training/retrain/pipeline.js'

declare module 'fastify' {
  interface FastifyInstance {
    retrain: ReturnType<typeof createRetrainer>
  }
}

export function createRetrainer (deps: {
  registry: Parameters<typeof runRetrain>[0]['registry']
  onPromoted: (model: string, version: string) => Promise<void>
  configPath: string
  notificationsLog: string
  trainLog: string
}) {
  let running: Promise<Decision> | null = null
  return {
    configPath: deps.configPath,
    notificationsLog: deps.notificationsLog,
    trainLog: deps.trainLog,
    /** `train` overrides config.json's train params for this run only. */
    async run (train: Partial<RetrainConfig['train']> = {}): Promise<Decision> {
      if (running !== null) throw new RetrainBusyError()
      running = (async () => {
        const config = await readRetrainConfig(deps.configPath)
        const decision = await runRetrain({ ...deps, config: { ...config, train: { ...config.train, ...train } } })
        if (decision.decision === 'promoted') await deps.onPromoted(decision.model, decision.version)
        return decision
      })()
      try { return await running } finally { running = null }
    }
  }
}

export default fp(async function retrainPlugin (fastify) {
  const { config, registry, log } = fastify
  const retrain = createRetrainer({
    registry: registry.backend,
    onPromoted: (model, version) => registry.serving.aliasChanged(model, 'production', version),
    configPath: config.RETRAIN_CONFIG,
    notificationsLog: config.NOTIFICATIONS_LOG === '' ? join(config.DATA_DIR, 'notifications.log') : config.NOTIFICATIONS_LOG,
    trainLog: config.TRAIN_LOG === '' ? join(config.DATA_DIR, 'last_train_log.txt') : config.TRAIN_LOG
  })
  let job: Cron | null = null
  if (config.RETRAIN_CRON !== '') {
    // croner throws on an invalid pattern: the gateway refuses to start rather than never retrain.
    job = new Cron(config.RETRAIN_CRON, { protect: true }, async () => {
      try {
        const d = await retrain.run()
        log.info({ retrain: d }, `scheduled retrain: ${d.decision}`)
      } catch (err) {
        log.error({ err }, 'scheduled retrain failed')
      }
    })
    log.info({ cron: config.RETRAIN_CRON, next: job.nextRun()?.toISOString() }, 'retraining scheduled')
  }
  fastify.decorate('retrain', retrain)
  fastify.addHook('onClose', async () => { job?.stop() })
}, { name: 'retrain', dependencies: ['config', 'mlflow-registry'] })
