// A tensorflow.serving.PredictionService double (TF Serving cannot be installed here), following
// reference/tfserving_mlflow.md section B: Predict answers with typed `float_val` TensorProtos, as
// TF Serving does by default, computed by onnxruntime-node on the real iris model; an unknown model
// is NOT_FOUND "Servable not found for request: Latest(<name>)".
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import * as ort from 'onnxruntime-node'
import type { Test } from 'tap'
import { loadServices } from '../../services/protocols/grpc/protos.js'
import { projectRoot } from '../../services/lib/project-root.js'

interface Tensor { dtype: string, tensor_shape: { dim: Array<{ size: number }> }, float_val: number[] }

export async function startTfServingGrpcDouble (t: Test, model = 'iris') {
  const session = await ort.InferenceSession.create(join(projectRoot, 'models/iris/1/model.onnx'))
  const server = new grpc.Server()
  const calls: unknown[] = []
  server.addService(loadServices().PredictionService.service, {
    Predict: (call: grpc.ServerUnaryCall<{ model_spec: { name: string }, inputs: Record<string, Tensor> }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      calls.push(call.request)
      const { model_spec: spec, inputs } = call.request
      if (spec.name !== model) return cb({ code: grpc.status.NOT_FOUND, details: `Servable not found for request: Latest(${spec.name})` })
      const input = inputs.float_input
      if (input === undefined || input.dtype !== 'DT_FLOAT') return cb({ code: grpc.status.INVALID_ARGUMENT, details: 'input tensor alias not found in signature: expected float_input' })
      const dims = input.tensor_shape.dim.map((d) => Number(d.size))
      session.run({ float_input: new ort.Tensor('float32', Float32Array.from(input.float_val), dims) }).then((out) => {
        const probs = out.probabilities
        cb(null, {
          model_spec: { name: model, version: { value: 1 }, signature_name: 'serving_default' },
          outputs: { probabilities: { dtype: 'DT_FLOAT', tensor_shape: { dim: probs.dims.map((size) => ({ size })) }, float_val: Array.from(probs.data as Float32Array) } }
        })
      }, (err: Error) => cb({ code: grpc.status.INTERNAL, details: err.message }))
    },
    GetModelMetadata: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => cb({ code: grpc.status.UNIMPLEMENTED, details: 'not in this double' })
  })
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => err !== null ? reject(err) : resolve(p)))
  t.teardown(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())))
  return { url: `127.0.0.1:${port}`, calls, session }
}
