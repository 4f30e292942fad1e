// npm run models -- list | compare NAME | alias NAME VERSION ALIAS | lineage NAME VERSION | transition NAME VERSION STAGE | push NAME
// Tables on stdout from the registry the gateway uses: MLflow when MLFLOW_TRACKING_URI is set, else the
// embedded one (REGISTRY_DIR / MODELS_DIR settings).
// Aliases moved here reach a running gateway on its next REGISTRY_POLL_SECONDS refresh or POST /api/v1/registry/reload.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../schemas/config.js'
import { openRegistry } from '../services/registry/index.js'

const config = loadConfig(process.env)
const registry = openRegistry(config)

function table (rows: Array<Record<string, unknown>>): void {
  if (rows.length === 0) { console.log('(none)'); return }
  const cols = Object.keys(rows[0])
  const cell = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? ''))
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd()
  console.log(line(cols))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const r of rows) console.log(line(cols.map((c) => cell(r[c]))))
}

const [cmd, ...args] = process.argv.slice(2)
const need = (n: number, usage: string) => { if (args.length < n) { console.error(`usage: npm run models -- ${usage}`); process.exit(64) } }

try {
  switch (cmd) {
    case 'list':
      table((await registry.listModels()).map((m) => ({ model: m.name, versions: m.versions, latest: m.latest_version, aliases: Object.entries(m.aliases).map(([a, v]) => `${a}=v${v}`).join(' ') })))
      break
    case 'compare': {
      need(1, 'compare NAME')
      const versions = await registry.listVersions(args[0])
      const metricNames = [...new Set(versions.flatMap((v) => Object.keys(v.metrics)))].sort()
      table(versions.map((v) => ({
        version: v.version,
        created_at: v.created_at,
        stage: v.stage,
        aliases: v.aliases.join(','),
        ...Object.fromEntries(metricNames.map((m) => [m, v.metrics[m]])),
        sha256: v.sha256.slice(0, 12)
      })))
      break
    }
    case 'alias': {
      need(3, 'alias NAME VERSION ALIAS')
      const [name, version, alias] = args
      await registry.fetchArtifact(name, version) // never point an alias at a bad artifact
      const previous = await registry.setAlias(name, alias, version)
      table([{ model: name, alias, version, previous }])
      break
    }
    case 'lineage': {
      need(2, 'lineage NAME VERSION')
      const v = await registry.getVersion(args[0], args[1])
      table(Object.entries({ model: v.name, version: v.version, created_at: v.created_at, source: v.source, sha256: v.sha256, stage: v.stage, aliases: v.aliases.join(','), params: v.params, metrics: v.metrics, tags: v.tags }).map(([field, value]) => ({ field, value })))
      const history = (await registry.aliasHistory(args[0])).filter((h) => h.from === args[1] || h.to === args[1])
      console.log('\nalias history touching this version:')
      table(history.map((h) => ({ at: h.at, alias: h.alias, from: h.from, to: h.to })))
      break
    }
    case 'transition': {
      need(3, 'transition NAME VERSION STAGE')
      console.error('note: stages are deprecated in MLflow; prefer `alias`')
      const v = await registry.setStage(args[0], args[1], args[2])
      table([{ model: v.name, version: v.version, stage: v.stage }])
      break
    }
    case 'push': {
      // Seeds an MLflow registry from the embedded one: every version of NAME, then its aliases.
      need(1, 'push NAME')
      if (registry.kind !== 'mlflow') {
        console.error('push copies a model from the embedded registry to MLflow: set MLFLOW_TRACKING_URI')
        process.exitCode = 64
        break
      }
      const source = openRegistry({ ...config, MLFLOW_TRACKING_URI: '' })
      const [model] = (await source.listModels()).filter((m) => m.name === args[0])
      const versions = await source.listVersions(args[0])
      // Idempotent: a version whose sha256 MLflow already has for this model is not registered again.
      const present = new Map((await registry.listVersions(args[0]).catch((err) => {
        if ((err as { code?: string }).code === 'GW_REGISTRY_MODEL_NOT_FOUND') return []
        throw err
      })).map((v) => [v.sha256, v.version]))
      const pushed = new Map<string, string>()
      for (const v of versions) {
        const existing = present.get(v.sha256)
        if (existing !== undefined) { pushed.set(v.version, existing); continue }
        const dir = await source.fetchArtifact(v.name, v.version) // sha256-checked
        const created = await registry.createVersion(v.name, {
          onnx: await readFile(join(dir, 'model.onnx')),
          metadata: JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')),
          metrics: v.metrics,
          params: v.params,
          tags: { ...v.tags, pushed_from: `${source.location}/${v.name}/${v.version}` },
          source: 'push'
        })
        pushed.set(v.version, created.version)
      }
      for (const [alias, version] of Object.entries(model?.aliases ?? {})) await registry.setAlias(args[0], alias, pushed.get(version) as string)
      table(versions.map((v) => ({ model: v.name, embedded_version: v.version, mlflow_version: pushed.get(v.version), aliases: v.aliases.join(',') })))
      break
    }
    default:
      console.error('usage: npm run models -- list | compare NAME | alias NAME VERSION ALIAS | lineage NAME VERSION | transition NAME VERSION STAGE | push NAME')
      process.exitCode = 64
  }
} catch (err) {
  const e = err as { code?: string, message: string }
  console.error(`${e.code ?? 'ERROR'}: ${e.message}`)
  process.exitCode = 1
} finally {
  await registry.close()
}
