// One model instance on its own thread (started by instances.ts): its own InferenceSession, fed one
// batch at a time. Inputs arrive and outputs leave as transferred ArrayBuffers (no copy).
import { parentPort, workerData } from 'node:worker_threads'
import * as ort from 'onnxruntime-node'

export interface WorkerInit {
  bytes: Uint8Array
  sessionOptions: ort.InferenceSession.SessionOptions
  inputName: string
  numFeatures: number
  fetches: string[]
}

export type ToWorker =
  | { type: 'run', id: number, input: Float32Array, rows: number }
  | { type: 'close' }
  /** Fault injection for tests: the next run exits the thread, throws outside any handler, or never answers. */
  | { type: 'fault', how: 'exit' | 'throw' | 'hang' }

export type FromWorker =
  | { type: 'ready' }
  | { type: 'result', id: number, outputs: Record<string, { data: ort.Tensor['data'], dims: readonly number[] }> }
  | { type: 'error', id: number, message: string }

const init = workerData as WorkerInit
const port = parentPort!
const opening = ort.InferenceSession.create(init.bytes, init.sessionOptions)
let fault: 'exit' | 'throw' | 'hang' | null = null

// A session that cannot open ends the thread: its 'error' event carries the reason to the pool.
opening.then(() => port.postMessage({ type: 'ready' } satisfies FromWorker), (err: unknown) => { throw err })

/** The typed array itself when it owns its whole buffer (then the buffer moves), else a copy that does. */
function movable (data: ort.Tensor['data'], transfer: ArrayBuffer[]): ort.Tensor['data'] {
  if (Array.isArray(data)) return data
  const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer
  const out = owned ? data : data.slice()
  transfer.push(out.buffer as ArrayBuffer)
  return out
}

async function run (msg: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const session = await opening
  try {
    const result = await session.run({ [init.inputName]: new ort.Tensor('float32', msg.input, [msg.rows, init.numFeatures]) }, init.fetches)
    const transfer: ArrayBuffer[] = []
    const outputs: Extract<FromWorker, { type: 'result' }>['outputs'] = {}
    for (const name of init.fetches) outputs[name] = { data: movable(result[name].data, transfer), dims: result[name].dims }
    port.postMessage({ type: 'result', id: msg.id, outputs } satisfies FromWorker, transfer)
  } catch (err) {
    port.postMessage({ type: 'error', id: msg.id, message: (err as Error).message } satisfies FromWorker)
  }
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'fault') { fault = msg.how; return }
  if (msg.type === 'close') {
    // Releasing the session and closing the port leaves the thread nothing to wait for: it exits (code 0).
    void opening.then((s) => s.release(), () => {}).finally(() => port.close())
    return
  }
  if (fault === 'exit') process.exit(3)
  if (fault === 'throw') setImmediate(() => { throw new Error('injected fault: the instance thread threw') })
  if (fault !== null) return
  void run(msg)
})
