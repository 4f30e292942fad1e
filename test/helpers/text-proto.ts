// A reader of protobuf text format, enough for TF Serving's config files (models.config): messages,
// strings, numbers, identifiers (enums, booleans), comments. Every field becomes a list, since any
// field may repeat (`config { }` once per model).
export type TextProtoValue = string | number | TextProtoMessage
export interface TextProtoMessage { [field: string]: TextProtoValue[] }

const TOKEN = /\s+|#[^\n]*|("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|([A-Za-z_][\w.]*)|([{}:;,<>[\]])|(.)/gy

export function parseTextProto (text: string): TextProtoMessage {
  const tokens: Array<{ kind: 'str' | 'num' | 'id' | 'punct', value: string }> = []
  for (const m of text.matchAll(TOKEN)) {
    if (m[5] !== undefined) throw new Error(`unexpected character ${JSON.stringify(m[5])} at offset ${m.index}`)
    if (m[1] !== undefined) tokens.push({ kind: 'str', value: m[1].slice(1, -1).replace(/\\(.)/g, '$1') })
    else if (m[2] !== undefined) tokens.push({ kind: 'num', value: m[2] })
    else if (m[3] !== undefined) tokens.push({ kind: 'id', value: m[3] })
    else if (m[4] !== undefined) tokens.push({ kind: 'punct', value: m[4] })
  }
  let i = 0
  const message = (close: string | null): TextProtoMessage => {
    const msg: TextProtoMessage = {}
    for (;;) {
      const tok = tokens[i++]
      if (tok === undefined) {
        if (close !== null) throw new Error(`missing "${close}"`)
        return msg
      }
      if (tok.kind === 'punct' && tok.value === close) return msg
      if (tok.kind !== 'id') throw new Error(`expected a field name, got ${JSON.stringify(tok.value)}`)
      let next = tokens[i++]
      const colon = next?.kind === 'punct' && next.value === ':'
      if (colon) next = tokens[i++]
      let value: TextProtoValue
      if (next?.kind === 'punct' && (next.value === '{' || next.value === '<')) value = message(next.value === '{' ? '}' : '>')
      else if (colon && next !== undefined && next.kind !== 'punct') value = next.kind === 'num' ? Number(next.value) : next.value
      else throw new Error(`field ${tok.value}: expected ": value" or "{", got ${JSON.stringify(next?.value ?? 'the end')}`)
      ;(msg[tok.value] ??= []).push(value)
      if (tokens[i]?.kind === 'punct' && (tokens[i].value === ';' || tokens[i].value === ',')) i++
    }
  }
  return message(null)
}
