// npm run retrain: one retraining run with the accuracy gate against the gateway's registry (MLflow or embedded), as
// POST /api/v1/retrain does in the gateway. Paths come from the same settings as the gateway's.
// A running gateway picks up a promotion on its next REGISTRY_POLL_SECONDS refresh or POST /api/v1/registry/reload.
import { join } from 'node:path'
import { loadConfig } from '../schemas/config.js'
import { openRegistry } from '../services/registry/index.js'
import { readRetrainConfig, runRetrain } from '../services/training/retrain/pipeline.js'

const config = loadConfig(process.env)
const registry = openRegistry(config)
const decision = await runRetrain({
  registry,
  config: await readRetrainConfig(config.RETRAIN_CONFIG),
  notificationsLog: config.NOTIFICATIONS_LOG === '' ? join(config.DATA_DIR, 'notifications.log') : config.NOTIFICATIONS_LOG,
  trainLog: config.TRAIN_LOG === '' ? join(config.DATA_DIR, 'last_train_log.txt') : config.TRAIN_LOG
}).finally(() => registry.close())
console.log(`${decision.decision.toUpperCase()} ${decision.model} v${decision.version} accuracy=${decision.accuracy_percent}%: ${decision.reasons.join('; ')}`)
process.exitCode = decision.decision === 'promoted' ? 0 : 2
