// Request validation. Bodies are validated strictly: no type coercion ("5.1" is not a number), no
// silent removal of unknown fields, finite numbers only. Query strings and params are text by
// nature, so they keep coercion.
import { Ajv, type Options } from 'ajv'
import addFormats from 'ajv-formats'

const common: Options = { allErrors: false, useDefaults: true, removeAdditional: false, strictNumbers: true, strict: false }

export function createValidatorCompiler () {
  const body = new Ajv({ ...common, coerceTypes: false })
  const text = new Ajv({ ...common, coerceTypes: 'array' })
  addFormats.default(body)
  addFormats.default(text)
  return ({ schema, httpPart }: { schema: object, httpPart?: string }) =>
    (httpPart === 'body' ? body : text).compile(schema)
}
