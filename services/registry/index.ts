// The registry backend a configuration asks for: MLflow when MLFLOW_TRACKING_URI is set, else the
// embedded file registry. Used by the gateway plugin, `npm run models` and `npm run retrain`.
import { join } from 'node:path'
import type { Config } from '../../schemas/config.js'
import { createEmbeddedRegistry } from './embedded.js'
import { createMlflowRegistry } from './mlflow.js'
import type { RegistryBackend } from './types.js'

type RegistryConfig = Pick<Config, 'MLFLOW_TRACKING_URI' | 'MLFLOW_TIMEOUT_MS' | 'UPSTREAM_BREAKER_THRESHOLD' | 'UPSTREAM_BREAKER_COOLDOWN_MS' | 'MLFLOW_CACHE_DIR' | 'MLFLOW_EXPERIMENT' | 'REGISTRY_DIR' | 'MODELS_DIR' | 'DATA_DIR'>

export function openRegistry (config: RegistryConfig, log?: { warn: (o: object, msg: string) => void }): RegistryBackend {
  if (config.MLFLOW_TRACKING_URI !== '') {
    return createMlflowRegistry({
      trackingUri: config.MLFLOW_TRACKING_URI,
      timeoutMs: config.MLFLOW_TIMEOUT_MS,
      breaker: { threshold: config.UPSTREAM_BREAKER_THRESHOLD, coolDownMs: config.UPSTREAM_BREAKER_COOLDOWN_MS },
      cacheDir: config.MLFLOW_CACHE_DIR === '' ? join(config.DATA_DIR, 'mlflow-cache') : config.MLFLOW_CACHE_DIR,
      experiment: config.MLFLOW_EXPERIMENT,
      log
    })
  }
  return createEmbeddedRegistry(config.REGISTRY_DIR === '' ? join(config.MODELS_DIR, 'registry') : config.REGISTRY_DIR)
}
