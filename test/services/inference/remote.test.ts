// Remote serving with fake clients: an answer without the expected output is the upstream's
// malformed answer (502, no fallback); an unreachable upstream (503) may fall back to the local model.
import t from 'tap'
import { createRemoteServing, type RemoteDeps } from '../../../services/inference/remote.js'
import { UpstreamUnavailableError } from '../../../services/lib/errors.js'
import type { KServeClient } from '../../../services/protocols/kserve/client/client.js'

const FEATURES = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }
const CLASSES = ['setosa', 'versicolor', 'virginica']

function deps (infer: KServeClient['infer'], fallback: 'none' | 'local' = 'none'): RemoteDeps {
  const observed: string[] = []
  return {
    triton: { model: 'iris_onnx', protocol: 'http-json', assertEnabled: () => {}, infer },
    tfServing: { model: 'iris', protocol: 'rest', assertEnabled: () => {}, predictRest: async () => { throw new Error('unused') }, predictGrpc: async () => { throw new Error('unused') }, servedVersion: async () => null },
    local: async () => ({ probabilities: [0.9, 0.05, 0.05], version: '1', classes: CLASSES }),
    classes: () => CLASSES,
    fallback,
    irisGrpc: () => { throw new Error('unused') },
    v2Http: () => ({ client: { infer } as unknown as KServeClient, target: 'http://v2.test', model: 'iris' }),
    timeoutMs: 1000,
    observe: (upstream, _protocol, outcome) => { observed.push(`${upstream} ${outcome}`) }
  }
}

const noOutput: KServeClient['infer'] = async () => ({ modelName: 'iris_onnx', modelVersion: '1', outputs: {} })

t.test('a missing output is 502 GW_UPSTREAM_BAD_RESPONSE, and never falls back', async (t) => {
  const remote = createRemoteServing(deps(noOutput, 'local'))
  await t.rejects(remote.triton(FEATURES), { statusCode: 502, code: 'GW_UPSTREAM_BAD_RESPONSE', message: 'Triton sent an invalid answer: no probabilities output' })
  await t.rejects(remote.http(FEATURES), { statusCode: 502, code: 'GW_UPSTREAM_BAD_RESPONSE', message: 'HTTP inference server sent an invalid answer: no probabilities output' })
})

t.test('an unreachable Triton (503) falls back to the local model when allowed', async (t) => {
  const down: KServeClient['infer'] = async () => { throw new UpstreamUnavailableError('Triton', 'ECONNREFUSED') }
  const remote = createRemoteServing(deps(down, 'local'))
  t.match(await remote.triton(FEATURES), { predicted_class: 'setosa', protocol: 'local', fallback: true, fallback_reason: 'Triton is unavailable: ECONNREFUSED' })
  await t.rejects(createRemoteServing(deps(down)).triton(FEATURES), { statusCode: 503, code: 'GW_UPSTREAM_UNAVAILABLE' })
})
