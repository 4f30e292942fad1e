// Writes the JSON schemas that test/deploy/kubernetes.test.ts validates deploy/kubernetes/ against
// (kubeconform, strict, offline), into deploy/schemas/. Run once by hand when a kind is added or a
// version moves; the output is committed, so the tests never fetch anything.
//
//   tsx scripts/vendor-k8s-schemas.ts --k8s <dir> --crd <crd.yaml>... [--out deploy/schemas]
//
// --k8s: one Kubernetes version's strict schemas in the layout of yannh/kubernetes-json-schema's
//   "-local-strict" folders (as shipped inside the PyPI wheel kubernetes-validate, e.g.
//   kubernetes_validate/kubernetes-json-schema/v1.33.0-local-strict). Each kind used here is written
//   standalone: the definitions it reaches are copied into its own $defs (descriptions dropped).
// --crd: CustomResourceDefinition YAML files (the prometheus-operator Go module's
//   example/prometheus-operator-crd/, the KServe repository's config/crd/full/). Each served
//   version's openAPIV3Schema becomes <kind>-<group>-<version>.json, converted as kubeconform's
//   openapi2jsonschema.py does: objects with properties reject unknown fields (strict) unless they
//   keep them (x-kubernetes-preserve-unknown-fields), int-or-string accepts both.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parseAllDocuments } from 'yaml'

/** The built-in kinds deploy/kubernetes/ uses, as kubeconform names their schema files. */
export const K8S_KINDS = [
  'configmap-v1', 'secret-v1', 'service-v1', 'serviceaccount-v1', 'deployment-apps-v1', 'statefulset-apps-v1',
  'horizontalpodautoscaler-autoscaling-v2', 'poddisruptionbudget-policy-v1'
]

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }
type Obj = { [k: string]: Json }
const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function map (node: Json, fn: (o: Obj) => Obj): Json {
  if (Array.isArray(node)) return node.map((n) => map(n, fn))
  if (!isObj(node)) return node
  return fn(Object.fromEntries(Object.entries(node).map(([k, v]) => [k, map(v, fn)])))
}

const dropDescriptions = (node: Json) => map(node, (o) => {
  const { description: _drop, ...rest } = o
  // A property *named* description (e.g. in a CRD) is an object schema, not a string: keep it.
  return isObj(o.description) ? o : rest
})

async function k8sKinds (dir: string) {
  const defs = (JSON.parse(await readFile(join(dir, '_definitions.json'), 'utf8')) as { $defs: Obj }).$defs
  const out: Record<string, Json> = {}
  for (const kind of K8S_KINDS) {
    const schema = JSON.parse(await readFile(join(dir, `${kind}.json`), 'utf8')) as Obj
    const own: Obj = {}
    const seen = new Set<string>()
    const rewrite = (node: Json): Json => map(node, (o) => {
      const ref = o.$ref
      if (typeof ref !== 'string') return o
      const name = ref.split('#/$defs/')[1]
      if (name === undefined) throw new Error(`${kind}: unexpected $ref ${ref}`)
      if (!seen.has(name)) {
        seen.add(name)
        if (defs[name] === undefined) throw new Error(`${kind}: no definition ${name}`)
        own[name] = rewrite(defs[name])
      }
      return { ...o, $ref: `#/$defs/${name}` }
    })
    const body = rewrite(schema) as Obj
    out[kind] = dropDescriptions({ ...body, $defs: own })
  }
  return out
}

function strictCrd (node: Json): Json {
  return map(node, (o) => {
    let r = o
    if (o['x-kubernetes-int-or-string'] === true) {
      const { type: _t, ...rest } = r
      r = { ...rest, anyOf: [{ type: 'integer' }, { type: 'string' }] }
    }
    if (isObj(o.properties) && o.additionalProperties === undefined && o['x-kubernetes-preserve-unknown-fields'] !== true) {
      r = { ...r, additionalProperties: false }
    }
    return r
  })
}

async function crdKinds (files: string[]) {
  const out: Record<string, Json> = {}
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      const crd = doc.toJSON() as { kind?: string, spec?: { group: string, names: { kind: string }, versions: Array<{ name: string, served: boolean, schema?: { openAPIV3Schema: Obj } }> } }
      if (crd?.kind !== 'CustomResourceDefinition' || crd.spec === undefined) continue
      const { group, names, versions } = crd.spec
      for (const v of versions) {
        if (!v.served || v.schema === undefined) continue
        const schema = strictCrd(dropDescriptions(v.schema.openAPIV3Schema)) as Obj
        const props = schema.properties as Obj
        // apiVersion and kind pinned, as in the built-in schemas.
        props.apiVersion = { type: 'string', enum: [`${group}/${v.name}`] }
        props.kind = { type: 'string', enum: [names.kind] }
        out[`${names.kind.toLowerCase()}-${group}-${v.name}`] = { $schema: 'http://json-schema.org/draft-07/schema#', ...schema }
      }
    }
  }
  return out
}

const { values } = parseArgs({ options: { k8s: { type: 'string' }, crd: { type: 'string', multiple: true }, out: { type: 'string', default: 'deploy/schemas' } } })
if (values.k8s === undefined || values.crd === undefined) {
  process.stderr.write('usage: tsx scripts/vendor-k8s-schemas.ts --k8s <kubernetes-json-schema dir> --crd <crd.yaml>... [--out deploy/schemas]\n')
  process.exit(2)
}
const all = { ...await k8sKinds(values.k8s), ...await crdKinds(values.crd) }
await mkdir(values.out as string, { recursive: true })
for (const [name, schema] of Object.entries(all)) {
  await writeFile(join(values.out as string, `${name}.json`), JSON.stringify(schema) + '\n')
  process.stdout.write(`${name}.json\n`)
}
