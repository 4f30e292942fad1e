// npm run retrain and npm run models against a temp embedded registry and a real MLflow server: tables and exit codes.
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { createEmbeddedRegistry } from '../../services/registry/embedded.js'
import { startMlflow } from '../helpers/mlflow.js'

const run = promisify(execFile)
const repo = new URL('../../', import.meta.url).pathname
const tsx = join(repo, 'node_modules/.bin/tsx')

type Cli = (script: string, ...args: string[]) => Promise<{ stdout: string, stderr: string }>

/** Two retrain runs, then every table command: the same output on either backend. Returns v1's lineage. */
async function retrainAndManage (t: Test, cli: Cli): Promise<string> {
  t.match((await cli('retrain.ts')).stdout, /^PROMOTED simple_classifier v1 accuracy=\d+(\.\d+)?%: accuracy .* >= gate 97%/)
  await cli('retrain.ts')
  const list = (await cli('models.ts', 'list')).stdout.split('\n')
  t.match(list[0], /^model\s+versions\s+latest\s+aliases$/)
  t.match(list[2], /^simple_classifier\s+2\s+2\s+production=v2$/)
  const compare = (await cli('models.ts', 'compare', 'simple_classifier')).stdout.split('\n')
  t.match(compare[0], /version\s+created_at\s+stage\s+aliases\s+accuracy_percent\s+holdout_size\s+train_size\s+sha256/)
  t.match(compare[3], /^2\s.*production\s+\d/)
  t.match((await cli('models.ts', 'alias', 'simple_classifier', '1', 'production')).stdout, /simple_classifier\s+production\s+1\s+2/)
  const lineage = (await cli('models.ts', 'lineage', 'simple_classifier', '1')).stdout
  t.match(lineage, /params\s+\{"epochs":20,"batch_size":32,"learning_rate":0\.1,"seed":42\}/)
  t.match(lineage, /production\s+2\s+1/, 'history shows production moving back to v1')
  t.match((await cli('models.ts', 'transition', 'simple_classifier', '2', 'Archived')).stdout, /simple_classifier\s+2\s+Archived/)
  await t.rejects(cli('models.ts', 'compare', 'nope'), { code: 1, stderr: /GW_REGISTRY_MODEL_NOT_FOUND: Registered model 'nope' not found/ })
  return lineage
}

t.test('embedded registry: retrain then list, compare, alias, lineage, transition', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const env = { ...process.env, REGISTRY_DIR: join(dir, 'reg'), DATA_DIR: dir }
  const cli: Cli = (script, ...args) => run(tsx, [join(repo, 'scripts', script), ...args], { env, cwd: repo, timeout: 60_000 })
  await retrainAndManage(t, cli)
  t.match(await readFile(join(dir, 'notifications.log'), 'utf8'), /PROMOTED model=simple_classifier version=1/)
  await t.rejects(cli('models.ts', 'alias', 'simple_classifier'), { code: 64 })
})

t.test('the same commands against a real MLflow server (MLFLOW_TRACKING_URI), and push', async (t) => {
  const server = await startMlflow(t)
  const dir = await mkdtemp(join(tmpdir(), 'gw-cli-mlflow-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const env = { ...process.env, MLFLOW_TRACKING_URI: server.url, DATA_DIR: dir }
  const cli: Cli = (script, ...args) => run(tsx, [join(repo, 'scripts', script), ...args], { env, cwd: repo, timeout: 90_000 })
  const lineage = await retrainAndManage(t, cli)
  t.match(lineage, /source\s+mlflow-artifacts:\/\d+\/[0-9a-f]{32}\/artifacts\/model/)
  // What MLflow itself now says.
  const alias = await (await fetch(`${server.url}/api/2.0/mlflow/registered-models/alias?name=simple_classifier&alias=production`)).json() as { model_version: { version: string } }
  t.equal(alias.model_version.version, '1')
  await t.rejects(cli('models.ts', 'compare', 'nope'), { code: 1, stderr: /GW_REGISTRY_MODEL_NOT_FOUND: Registered model 'nope' not found/ })

  // push: an embedded registry (forest v1, MLP v2, production -> v2) copied into MLflow.
  const embedded = createEmbeddedRegistry(join(dir, 'embedded'))
  for (const m of ['iris/1', 'iris_mlp/1']) {
    await embedded.createVersion('iris', { onnx: await readFile(join(repo, 'models', m, 'model.onnx')), metadata: JSON.parse(await readFile(join(repo, 'models', m, 'metadata.json'), 'utf8')), metrics: { accuracy: 0.95 } })
  }
  await embedded.setAlias('iris', 'production', '2')
  const push = () => run(tsx, [join(repo, 'scripts/models.ts'), 'push', 'iris'], { env: { ...env, REGISTRY_DIR: join(dir, 'embedded') }, cwd: repo, timeout: 90_000 })
  const pushed = (await push()).stdout.split('\n')
  t.match(pushed[0], /^model\s+embedded_version\s+mlflow_version\s+aliases$/)
  t.match(pushed[2], /^iris\s+1\s+1\s*$/)
  t.match(pushed[3], /^iris\s+2\s+2\s+production$/)
  t.match((await cli('models.ts', 'list')).stdout, /\niris\s+2\s+2\s+production=v2\n/)
  const mlpSha = JSON.parse(await readFile(join(repo, 'models/iris_mlp/1/metadata.json'), 'utf8')).sha256
  t.match((await cli('models.ts', 'lineage', 'iris', '2')).stdout, new RegExp(`sha256\\s+${mlpSha}`))
  await cli('models.ts', 'alias', 'iris', '1', 'production')
  t.match((await push()).stdout.split('\n')[3], /^iris\s+2\s+2\s+production$/, 'pushed again: nothing new registered')
  t.match((await cli('models.ts', 'list')).stdout, /\niris\s+2\s+2\s+production=v2\n/, 'aliases set again from the embedded registry')
  await t.rejects(run(tsx, [join(repo, 'scripts/models.ts'), 'push', 'simple_classifier'], { env: { ...process.env, DATA_DIR: dir }, cwd: repo }), { code: 64, stderr: /set MLFLOW_TRACKING_URI/ })
  await server.stop()
  await t.rejects(cli('models.ts', 'list'), { code: 1, stderr: new RegExp(`GW_UPSTREAM_UNAVAILABLE: MLflow at ${server.url} is unavailable`) })
})
