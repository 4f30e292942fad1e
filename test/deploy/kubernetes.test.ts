// deploy/kubernetes/ and deploy/kserve/ cannot be applied here (no cluster), so they are validated as
// far as possible: kubeconform in strict mode against the schemas vendored in deploy/schemas/
// (Kubernetes v1.33 and the ServiceMonitor / KServe CRDs; offline, no resource skipped), a broken
// manifest that must fail, and their consistency with the gateway itself: probe paths that are real
// routes, ports and settings that are the config's, the HPA's metric in a real /metrics scrape, a
// grace period that covers preStop plus the drain.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { parseAllDocuments } from 'yaml'
import { loadConfig } from '../../schemas/config.js'
import { projectRoot } from '../../services/lib/project-root.js'
import { buildTestApp } from '../helpers/app.js'

const KUBECONFORM = join(projectRoot, '.cache', 'bin', 'kubeconform')
const DIRS = ['deploy/kubernetes', 'deploy/kserve']
const SCHEMAS = [
  'deploy/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json',
  'deploy/schemas/{{ .ResourceKind }}-{{ .Group }}-{{ .ResourceAPIVersion }}.json'
]

interface Summary { valid: number, invalid: number, errors: number, skipped: number }
interface Result { filename: string, kind: string, name: string, version: string, status: string, msg: string }

/** kubeconform over `targets` (files, folders or '-' with `stdin`), strict, only the vendored schemas. */
async function kubeconform (targets: string[], stdin?: string): Promise<{ code: number, resources: Result[], summary: Summary }> {
  if (!existsSync(KUBECONFORM)) throw new Error(`${KUBECONFORM} is missing: run "bash scripts/setup-test-env.sh" (npm test's pretest runs it)`)
  const args = ['-strict', '-summary', '-verbose', '-output', 'json', ...SCHEMAS.flatMap((s) => ['-schema-location', s]), ...targets]
  let code = 0
  let stdout: string
  try {
    const child = promisify(execFile)(KUBECONFORM, args, { cwd: projectRoot })
    if (stdin !== undefined) { child.child.stdin?.end(stdin) }
    stdout = (await child).stdout
  } catch (err) {
    const e = err as { code?: number, stdout?: string }
    if (typeof e.code !== 'number' || e.stdout === undefined) throw err
    code = e.code
    stdout = e.stdout
  }
  const out = JSON.parse(stdout) as { resources: Result[], summary: Summary }
  return { code, resources: out.resources, summary: out.summary }
}

type Doc = Record<string, any>
async function manifests (): Promise<Doc[]> {
  const docs: Doc[] = []
  for (const dir of DIRS) {
    for (const file of (await readdir(join(projectRoot, dir))).filter((f) => f.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(await readFile(join(projectRoot, dir, file), 'utf8'))) {
        if (doc.errors.length > 0) throw new Error(`${dir}/${file}: ${doc.errors[0].message}`)
        docs.push(doc.toJSON() as Doc)
      }
    }
  }
  return docs
}

const docs = await manifests()
// One gateway for every consistency check (its default configuration, as the manifests run it).
const app = await buildTestApp(t)
const one = (kind: string, name?: string): Doc => {
  const found = docs.filter((d) => d.kind === kind && (name === undefined || d.metadata.name === name))
  if (found.length !== 1) throw new Error(`expected one ${kind}${name === undefined ? '' : ` ${name}`}, found ${found.length}`)
  return found[0]
}

t.test('kubeconform (strict, vendored schemas only): every resource valid, none skipped', async (t) => {
  const { code, resources, summary } = await kubeconform(DIRS)
  t.equal(code, 0, 'exit code 0')
  t.same(summary, { valid: 12, invalid: 0, errors: 0, skipped: 0 }, JSON.stringify(resources.filter((r) => r.status !== 'statusValid')))
  t.same(resources.map((r) => `${r.kind}/${r.name}`).sort(), [
    'ConfigMap/inference-gateway', 'ConfigMap/prometheus-adapter-inference-gateway', 'Deployment/inference-gateway',
    'HorizontalPodAutoscaler/inference-gateway', 'InferenceService/iris', 'PodDisruptionBudget/inference-gateway',
    'Secret/inference-gateway-admin', 'Service/inference-gateway', 'Service/redis', 'ServiceMonitor/inference-gateway',
    'ServingRuntime/inference-gateway', 'StatefulSet/redis'
  ])
  t.equal(resources.length, docs.length, 'kubeconform saw every document the test parsed')
})

t.test('a broken manifest fails: a misspelt field, a wrong type, a CRD typo, an unknown kind', async (t) => {
  const broken = [
    (await readFile(join(projectRoot, 'deploy/kubernetes/gateway.yaml'), 'utf8')).replace('averageUtilization: 70', 'averageUtilisation: 70').replace('replicas: 2', 'replicas: "two"'),
    (await readFile(join(projectRoot, 'deploy/kserve/inference-service.yaml'), 'utf8')).replace('runtime: inference-gateway', 'runtme: inference-gateway'),
    (await readFile(join(projectRoot, 'deploy/kubernetes/monitoring.yaml'), 'utf8')).replace('interval: 15s', 'intervall: 15s'),
    'apiVersion: v1\nkind: ConfigMapp\nmetadata:\n  name: typo\n'
  ].join('\n---\n')
  const { code, resources, summary } = await kubeconform(['-'], broken)
  t.equal(code, 1, 'non-zero exit')
  t.match(summary, { invalid: 4, errors: 1, skipped: 0 })
  const bad = resources.filter((r) => r.status !== 'statusValid').map((r) => `${r.kind}/${r.name}: ${r.msg}`)
  t.match(bad.find((m) => m.startsWith('HorizontalPodAutoscaler')), /additional properties 'averageUtilisation' not allowed/)
  t.match(bad.find((m) => m.startsWith('Deployment')), /\/spec\/replicas.*got string/)
  t.match(bad.find((m) => m.startsWith('InferenceService')), /additional properties 'runtme' not allowed/)
  t.match(bad.find((m) => m.startsWith('ServiceMonitor')), /additional properties 'intervall' not allowed/)
  t.match(bad.find((m) => m.startsWith('ConfigMapp')), /could not find schema for ConfigMapp/)
})

t.test('the gateway Deployment agrees with the gateway: probes, ports, settings, drain timing', async (t) => {
  const defaults = loadConfig({})
  const config = one('ConfigMap', 'inference-gateway').data as Record<string, string>
  const secret = one('Secret', 'inference-gateway-admin').stringData as Record<string, string>
  const settings = loadConfig({ ...config, ...secret })
  t.ok(settings.ADMIN_TOKEN.length >= 16, 'the example admin token passes the 16-character rule')
  t.throws(() => loadConfig({ ...config, ADMIN_TOKEN: 'short-token' }), { message: /ADMIN_TOKEN must be at least 16 characters/ })

  const deployment = one('Deployment', 'inference-gateway')
  const pod = deployment.spec.template.spec
  const [container] = pod.containers
  const port = (name: string) => container.ports.find((p: Doc) => p.name === name).containerPort
  t.equal(port('http'), defaults.PORT, 'the HTTP container port is the config default')
  t.equal(port('http'), settings.PORT, 'and the ConfigMap does not move it')
  t.equal(port('grpc'), defaults.GRPC_PORT)
  t.same(container.envFrom, [{ configMapRef: { name: 'inference-gateway' } }, { secretRef: { name: 'inference-gateway-admin' } }])
  t.match(container.resources, { requests: { cpu: String, memory: String }, limits: { cpu: String, memory: String } })

  t.equal(container.livenessProbe.httpGet.path, '/health/live')
  t.equal(container.readinessProbe.httpGet.path, '/health/ready')
  t.equal(container.startupProbe.httpGet.path, '/health/live')
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const { path, port: named } = container[probe].httpGet
    t.equal(named, 'http', `${probe} targets the http port`)
    const res = await app.inject(path)
    t.equal(res.statusCode, 200, `${probe}: GET ${path} is a route that answers 200`)
  }
  t.ok(container.readinessProbe.timeoutSeconds * 1000 > 2000, 'readiness waits longer than a health check\'s own 2 s deadline')

  // SIGTERM comes after preStop; the gateway then drains and closes within SHUTDOWN_GRACE_MS
  // (close-with-grace exits past it). All of it must end before the kubelet's SIGKILL.
  const preStop = container.lifecycle.preStop.sleep.seconds
  const drainSeconds = settings.SHUTDOWN_GRACE_MS / 1000
  t.ok(preStop >= 3, `preStop ${preStop} s gives the endpoints a moment to drop the pod`)
  t.ok(settings.SHUTDOWN_IDLE_CLOSE_MS < settings.SHUTDOWN_GRACE_MS, 'idle sockets close inside the grace')
  t.ok(preStop + drainSeconds < pod.terminationGracePeriodSeconds,
    `preStop ${preStop} s + drain ${drainSeconds} s < terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds}`)

  // Selectors: the Service, the PDB and the ServiceMonitor find these pods; the HPA scales this Deployment.
  const labels = deployment.spec.template.metadata.labels
  for (const [kind, selector] of [
    ['Service', one('Service', 'inference-gateway').spec.selector],
    ['PodDisruptionBudget', one('PodDisruptionBudget', 'inference-gateway').spec.selector.matchLabels],
    ['Deployment', deployment.spec.selector.matchLabels]
  ] as const) t.match(labels, selector, `${kind} selector matches the pod labels`)
  const service = one('Service', 'inference-gateway')
  t.same(service.spec.ports.map((p: Doc) => p.targetPort), ['http', 'grpc'])
  const monitor = one('ServiceMonitor', 'inference-gateway')
  t.match(service.metadata.labels, monitor.spec.selector.matchLabels, 'the ServiceMonitor selects the Service')
  t.equal(monitor.spec.endpoints[0].port, 'http')
  t.equal(monitor.spec.endpoints[0].path, '/metrics')
  t.ok(one('PodDisruptionBudget').spec.minAvailable < one('HorizontalPodAutoscaler').spec.minReplicas, 'the PDB lets a node drain with minReplicas running')

  // Redis: the ConfigMap's REDIS_URL names the Service and its port.
  const redis = new URL(settings.REDIS_URL)
  const redisService = one('Service', 'redis')
  t.equal(redis.hostname, redisService.metadata.name)
  t.equal(Number(redis.port), redisService.spec.ports[0].port)
  t.match(one('StatefulSet', 'redis').spec.template.metadata.labels, redisService.spec.selector)
})

t.test('the HPA scales on CPU and on a metric the gateway really exports, through the adapter rule', async (t) => {
  const hpa = one('HorizontalPodAutoscaler', 'inference-gateway')
  t.same(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'inference-gateway' })
  t.match(hpa.spec.metrics[0], { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } })
  const metric = hpa.spec.metrics[1].pods.metric.name
  t.equal(metric, 'inference_queue_depth')

  const rules = (await import('yaml')).parse(one('ConfigMap', 'prometheus-adapter-inference-gateway').data['config.yaml']).rules
  const rule = rules.find((r: Doc) => r.name.as === metric)
  t.ok(rule !== undefined, 'an adapter rule exposes the HPA metric')
  const series = /^([a-z_:][a-z0-9_:]*)\{/.exec(rule.seriesQuery)?.[1]
  t.equal(series, metric, 'the rule reads the series of that name')
  t.ok(new RegExp(rule.name.matches).test(series as string))
  t.match(rule.resources.overrides, { namespace: { resource: 'namespace' }, pod: { resource: 'pod' } })

  // A real scrape: the series exists, as a gauge, with a sample per loaded model.
  const scrape = (await app.inject('/metrics')).body
  t.match(scrape, new RegExp(`^# TYPE ${metric} gauge$`, 'm'))
  t.match(scrape, new RegExp(`^${metric}\\{model="iris",version="1"\\} 0$`, 'm'))
})

t.test('KServe: a custom V2 runtime on the gateway\'s port and V2 paths, serving a model the gateway has', async (t) => {
  const runtime = one('ServingRuntime', 'inference-gateway')
  const isvc = one('InferenceService')
  t.same(runtime.spec.protocolVersions, ['v2'])
  t.equal(isvc.spec.predictor.model.runtime, runtime.metadata.name)
  t.equal(isvc.spec.predictor.model.protocolVersion, 'v2')
  t.ok(runtime.spec.supportedModelFormats.some((f: Doc) => f.name === isvc.spec.predictor.model.modelFormat.name), 'the runtime supports the model format')
  const [container] = runtime.spec.containers
  t.equal(container.name, 'kserve-container')
  const env = Object.fromEntries(container.env.map((e: Doc) => [e.name, e.value]))
  const settings = loadConfig(env)
  t.equal(container.ports[0].containerPort, loadConfig({}).PORT, 'the container port is the config default')
  t.equal(container.ports[0].containerPort, settings.PORT)
  t.equal(settings.GRPC_ENABLED, false)
  t.equal(runtime.spec.annotations['prometheus.kserve.io/port'], String(settings.PORT))

  for (const probe of ['readinessProbe', 'livenessProbe']) {
    const { path, port } = container[probe].httpGet
    t.equal(port, settings.PORT)
    t.match(path, /^\/v2\/health\/(ready|live)$/)
    t.equal((await app.inject(path)).statusCode, 200, `${probe}: GET ${path} answers 200`)
  }
  // KServe routes /v2/models/<InferenceService name>/...: the gateway serves that model over V2.
  const name = isvc.metadata.name
  t.equal((await app.inject(`/v2/models/${name}/ready`)).statusCode, 200, `/v2/models/${name}/ready`)
  const meta = (await app.inject(`/v2/models/${name}`)).json()
  t.equal(meta.name, name)
  t.equal(runtime.spec.annotations['prometheus.kserve.io/path'], '/metrics')
  t.equal((await app.inject('/metrics')).statusCode, 200)
})
