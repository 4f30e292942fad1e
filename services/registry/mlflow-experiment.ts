// The MLflow experiment that holds the runs of versions registered through the gateway: looked up
// by name, created when missing (another gateway may create it between our two calls), and the id
// remembered; a failed lookup is tried again on the next call.
import { MlflowApiError, type createMlflowClient } from './mlflow-client.js'

export function experimentOf (client: ReturnType<typeof createMlflowClient>, name: string, translate: (err: unknown) => Error): () => Promise<string> {
  let experimentId: Promise<string> | null = null
  const byName = async () => (await client.get<{ experiment: { experiment_id: string } }>('experiments/get-by-name', { experiment_name: name })).experiment.experiment_id
  return function ensureExperiment (): Promise<string> {
    experimentId ??= (async () => {
      try {
        return await byName()
      } catch (err) {
        if (!(err instanceof MlflowApiError && err.status === 404)) throw err
      }
      try {
        return (await client.call<{ experiment_id: string }>('POST', 'experiments/create', { name })).experiment_id
      } catch (err) {
        if (err instanceof MlflowApiError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') return await byName()
        throw err
      }
    })().catch((err) => { experimentId = null; throw translate(err) })
    return experimentId
  }
}
