// TF Serving's Classify and Regress request bodies: `examples` in the REST API's tf.Example JSON
// form (feature name -> value or list of values), optionally with a `context` whose features every
// example shares (ExampleListWithContext). Turned here into the model's rows, one per example.
import { BadRequestError } from '../../../lib/errors.js'

export interface ExamplesBody { signature_name?: string, context?: unknown, examples?: unknown }

export interface ExampleShape {
  /** The model's feature names, in its column order. */
  featureNames: readonly string[]
  /** The input tensor's name: one feature holding a whole row is accepted too. */
  inputName: string
  maxRows: number
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

/** One float of a feature: a number or a list of one number (a tf.Example float_list). */
function floatOf (where: string, name: string, value: unknown): number {
  const v = Array.isArray(value) && value.length === 1 ? value[0] : value
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (Array.isArray(value)) throw new BadRequestError(`${where}: feature '${name}' must hold 1 float, got ${value.length} values`)
  throw new BadRequestError(`${where}: feature '${name}' must be a finite number, got ${JSON.stringify(value)}`)
}

/** The rows of `examples` (each merged over `context`), in the model's column order. */
export function rowsOfExamples (body: ExamplesBody, shape: ExampleShape): number[][] {
  if (body.examples === undefined) throw new BadRequestError("Missing 'examples' key")
  if (!Array.isArray(body.examples)) throw new BadRequestError("Expecting 'examples' to be an list/array")
  if (body.examples.length === 0) throw new BadRequestError("No values in 'examples' array")
  if (body.examples.length > shape.maxRows) throw new BadRequestError(`at most ${shape.maxRows} examples per request, got ${body.examples.length}`)
  if (body.context !== undefined && !isObject(body.context)) throw new BadRequestError("'context' must be an object of features")
  const context = body.context ?? {}
  return body.examples.map((example, i) => {
    const where = `examples[${i}]`
    if (!isObject(example)) throw new BadRequestError(`${where} must be an object of features, got ${JSON.stringify(example)}`)
    const features = { ...context, ...example }
    const whole = features[shape.inputName]
    if (Array.isArray(whole) && shape.featureNames.every((f) => features[f] === undefined)) {
      if (whole.length !== shape.featureNames.length) throw new BadRequestError(`${where}: feature '${shape.inputName}' must hold ${shape.featureNames.length} floats, got ${whole.length} values`)
      return whole.map((v, k) => floatOf(where, `${shape.inputName}[${k}]`, v))
    }
    return shape.featureNames.map((name) => {
      if (features[name] === undefined) throw new BadRequestError(`${where}: feature '${name}' (data type: float) is required but could not be found`)
      return floatOf(where, name, features[name])
    })
  })
}
