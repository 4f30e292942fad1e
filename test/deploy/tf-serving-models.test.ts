// The committed TF Serving model repository (models/tf, written by `npm run export:savedmodel`),
// checked statically: no TF Serving binary runs here. models.config parses as a ModelServerConfig text
// proto whose base paths, through docker-compose.yml's volume, are versioned SavedModel directories;
// manifest.json names the ONNX file (and its sha256) each version was built from, so a retrained
// ONNX model without a fresh export fails here (the export itself is tested in
// test/scripts/export-savedmodel.test.ts).
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, posix } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { projectRoot } from '../../services/lib/project-root.js'
import { parseTextProto, type TextProtoMessage } from '../helpers/text-proto.js'

interface Manifest { models: Record<string, { versions: Record<string, { source: string, onnx_sha256: string }>, labels: Record<string, string> }> }

const read = (file: string) => readFile(join(projectRoot, file), 'utf8')
const msg = (v: unknown) => v as TextProtoMessage
const numericDirs = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && /^\d+$/.test(d.name)).map((d) => d.name).sort((a, b) => Number(a) - Number(b))

t.test('the text-proto reader reads fields, nesting, repeats and comments, and rejects malformed input', async (t) => {
  t.same(parseTextProto('a: "x\\"y" # c\nb { c: 1, d: -2.5; e: ENUM } b <>\nf: \'q\''),
    { a: ['x"y'], b: [{ c: [1], d: [-2.5], e: ['ENUM'] }, {}], f: ['q'] })
  t.throws(() => parseTextProto('a {'), /missing "}"/)
  t.throws(() => parseTextProto('a 1'), /field a: expected ": value" or "\{"/)
  t.throws(() => parseTextProto(': 1'), /expected a field name/)
  t.throws(() => parseTextProto('a: @'), /unexpected character "@"/)
})

t.test('docker-compose.yml serves models/tf through models.config, and the gateways ask for a model it serves', async (t) => {
  const services = parse(await read('docker-compose.yml'), { merge: true }).services as Record<string, { volumes?: string[], command?: string[], environment?: Record<string, string> }>
  const tf = services['tf-serving']
  t.ok(tf.volumes?.includes('./models/tf:/models:ro'), 'models/tf is mounted at /models')
  t.ok(tf.command?.includes('--model_config_file=/models/models.config'), 'TF Serving reads models.config')
  // Labels in the config name versions that are not loaded yet at start-up: refused without this flag (reference A10).
  t.ok(tf.command?.includes('--allow_version_labels_for_unavailable_models=true'), 'labels may be set before their version loads')
  const config = parseTextProto(await read('models/tf/models.config'))
  const names = msg(config.model_config_list[0]).config.map((c) => msg(c).name[0])
  for (const replica of ['gateway-1', 'gateway-2']) t.ok(names.includes(services[replica].environment?.TF_SERVING_MODEL ?? 'iris'), `${replica}'s TF_SERVING_MODEL is served`)
})

t.test('models.config lists every exported model; each base path holds numbered SavedModel versions', async (t) => {
  const manifest = JSON.parse(await read('models/tf/manifest.json')) as Manifest
  const config = parseTextProto(await read('models/tf/models.config'))
  t.same(Object.keys(config), ['model_config_list'])
  const configs = msg(config.model_config_list[0]).config.map(msg)
  t.same(configs.map((c) => c.name[0]), ['iris_mlp', 'simple_classifier'])
  t.same(Object.keys(manifest.models), ['iris_mlp', 'simple_classifier'])
  for (const c of configs) {
    const name = c.name[0] as string
    t.equal(c.model_platform[0], 'tensorflow')
    t.same(c.model_version_policy, [{ all: [{}] }], `${name}: every version is served`)
    t.equal(c.base_path[0], `/models/${name}`)
    // The container path /models/<name> is models/tf/<name> on the host (the compose volume above).
    const host = join(projectRoot, 'models/tf', posix.relative('/models', c.base_path[0] as string))
    const versions = numericDirs(host)
    t.same(versions, Object.keys(manifest.models[name].versions), `${name}: the version folders are the exported ones`)
    t.ok(versions.length > 0)
    for (const v of versions) {
      for (const file of ['saved_model.pb', 'variables/variables.index', 'variables/variables.data-00000-of-00001']) {
        t.ok(existsSync(join(host, v, file)), `${name}/${v}/${file} exists`)
      }
    }
    // A label must name a version TF Serving loads, or it refuses to start (reference A10).
    const labels: Record<string, string> = Object.fromEntries((c.version_labels ?? []).map((l) => [msg(l).key[0], String(msg(l).value[0])]))
    t.same(labels, manifest.models[name].labels)
    for (const [label, v] of Object.entries(labels)) {
      t.match(label, /^[a-zA-Z0-9_]+$/)
      t.ok(versions.includes(v), `${name}: label ${label} -> version ${v} is exported`)
    }
  }
  t.same(manifest.models.simple_classifier.labels, JSON.parse(await read('models/registry/simple_classifier/aliases.json')), 'registry aliases become labels')
})

t.test('the SavedModels are not stale: each was exported from the ONNX version now on disk', async (t) => {
  const manifest = JSON.parse(await read('models/tf/manifest.json')) as Manifest
  for (const [name, entry] of Object.entries(manifest.models)) {
    const sources = Object.values(entry.versions).map((v) => v.source)
    const folder = dirname(dirname(sources[0]))
    const onDisk = numericDirs(join(projectRoot, folder)).filter((v) => existsSync(join(projectRoot, folder, v, 'model.onnx')))
    t.same(Object.keys(entry.versions), onDisk, `${name}: one SavedModel per ONNX version in ${folder} (else run npm run export:savedmodel)`)
    for (const [version, { source, onnx_sha256: sha }] of Object.entries(entry.versions)) {
      t.equal(source, `${folder}/${version}/model.onnx`)
      const actual = createHash('sha256').update(await readFile(join(projectRoot, source))).digest('hex')
      t.equal(actual, sha, `${name}/${version} was exported from the current ${source} (else run npm run export:savedmodel)`)
    }
  }
  t.equal(manifest.models.iris_mlp.versions['1'].source, 'models/iris_mlp/1/model.onnx')
  t.equal(manifest.models.simple_classifier.versions['1'].source, 'models/registry/simple_classifier/1/model.onnx')
})
