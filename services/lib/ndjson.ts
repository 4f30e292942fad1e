// Streaming an upstream's chunks to a client as NDJSON. The first chunk is awaited before anything
// is sent, so an upstream that fails at once (404, 503, timeout) still gets a proper status code;
// a failure after that ends the stream with an {"error": {...}} line instead of silence.
import { Readable } from 'node:stream'
import { isGatewayError } from './errors.js'

export interface StreamError { message: string, code?: string, statusCode?: number }

export async function ndjsonStream<T> (chunks: AsyncIterator<T>, map: (chunk: T) => unknown, onEnd: (error: StreamError | null) => void = () => {}): Promise<Readable> {
  const first = await chunks.next()
  async function * lines () {
    let current = first
    try {
      while (current.done !== true) {
        yield JSON.stringify(map(current.value)) + '\n'
        current = await chunks.next()
      }
      onEnd(null)
    } catch (err) {
      // A catalogue error says what failed; anything else is a bug, and the client gets no internals.
      const error = isGatewayError(err)
        ? { message: err.message, code: err.code, statusCode: err.statusCode ?? 502 }
        : { message: 'Internal Server Error', code: 'GW_INTERNAL', statusCode: 500 }
      onEnd(error)
      yield JSON.stringify({ error }) + '\n'
    }
  }
  return cancelOnClose(lines(), chunks)
}

/** A readable over `lines` that, destroyed before its end (the client left), returns `upstream` at
 * once. (Readable.from would wait: its destroy returns the generator, which is waiting on the
 * upstream's next chunk and cannot be returned until that chunk comes.) */
export function cancelOnClose (lines: AsyncGenerator<string>, upstream: AsyncIterator<unknown>): Readable {
  let ended = false
  return new Readable({
    read () {
      lines.next().then(({ value, done }) => {
        if (done === true) { ended = true; this.push(null) } else this.push(value)
      }, (err: Error) => this.destroy(err))
    },
    destroy (err, callback) {
      if (!ended) {
        upstream.return?.(undefined)?.catch(() => {})
        lines.return(undefined).catch(() => {})
      }
      callback(err)
    }
  })
}
