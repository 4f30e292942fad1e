// Builds the whole gateway for a test, with its own settings, and closes it when the test ends.
// The gRPC front takes an ephemeral port (GRPC_PORT=0) so parallel tests never collide.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { buildApp } from '../../app.js'

export async function buildTestApp (t: Test, env: Record<string, string> = {}) {
  // The prediction log and drift report go to a temp DATA_DIR unless the test names one, so tests
  // never write into the project's data/.
  const tmp = env.DATA_DIR === undefined ? await mkdtemp(join(tmpdir(), 'gw-data-')) : null
  // Load shedding on event-loop delay is off unless a test turns it on: a test's own synchronous work
  // runs on the gateway's event loop here, which a deployed gateway never shares.
  const app = await buildApp({ env: { LOG_LEVEL: 'silent', GRPC_PORT: '0', OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0', ...env, DATA_DIR: env.DATA_DIR ?? (tmp as string) }, logger: false })
  // Closing flushes the log into DATA_DIR, so the temp dir goes after the app.
  t.teardown(async () => {
    await app.close()
    if (tmp !== null) await rm(tmp, { recursive: true, force: true })
  })
  await app.ready()
  return app
}

export const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }
export const VERSICOLOR = { sepal_length: 6.4, sepal_width: 3.2, petal_length: 4.5, petal_width: 1.5 }
export const VIRGINICA = { sepal_length: 6.3, sepal_width: 3.3, petal_length: 6.0, petal_width: 2.5 }
