// Builds the whole gateway for a test, with its own settings, and closes it when the test ends.
// The gRPC front takes an ephemeral port (GRPC_PORT=0) so parallel tests never collide.
import type { Test } from 'tap'
import { buildApp } from '../../app.js'

export async function buildTestApp (t: Test, env: Record<string, string> = {}) {
  const app = await buildApp({ env: { LOG_LEVEL: 'silent', GRPC_PORT: '0', ...env }, logger: false })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

export const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }
export const VERSICOLOR = { sepal_length: 6.4, sepal_width: 3.2, petal_length: 4.5, petal_width: 1.5 }
export const VIRGINICA = { sepal_length: 6.3, sepal_width: 3.3, petal_length: 6.0, petal_width: 2.5 }
