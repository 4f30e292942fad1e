// Loads our .proto files at run time (no generated code). keepCase keeps the wire names
// (snake_case, as in the seed and in Triton's protos); int64 become JS numbers; enums become names.
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { loadSync, type Options } from '@grpc/proto-loader'
import { projectRoot } from '../../lib/project-root.js'
import { isGatewayError } from '../../lib/errors.js'

export const protoDir = join(projectRoot, 'proto')

export const loaderOptions: Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true, includeDirs: [protoDir] }

type Ctor = grpc.ServiceClientConstructor

export function loadProto (file: string): grpc.GrpcObject {
  return grpc.loadPackageDefinition(loadSync(file, loaderOptions))
}

/** The service constructors of our three protos (each has `.service` for a server and is a client class). */
export function loadServices () {
  const iris = loadProto('inference.proto').iris as grpc.GrpcObject
  const inference = loadProto('grpc_service.proto').inference as grpc.GrpcObject
  const tfs = (loadProto('tensorflow_serving/prediction_service.proto').tensorflow as grpc.GrpcObject).serving as grpc.GrpcObject
  return {
    IrisInferenceService: iris.InferenceService as Ctor,
    GRPCInferenceService: inference.GRPCInferenceService as Ctor,
    PredictionService: tfs.PredictionService as Ctor
  }
}

/** gRPC status for a gateway error's HTTP status (Triton maps its errors the same way). */
export function grpcStatusFor (httpStatus: number | undefined): grpc.status {
  switch (httpStatus) {
    case 400: return grpc.status.INVALID_ARGUMENT
    case 401: return grpc.status.UNAUTHENTICATED
    case 403: return grpc.status.PERMISSION_DENIED
    case 404: return grpc.status.NOT_FOUND
    case 413: return grpc.status.RESOURCE_EXHAUSTED
    case 501: return grpc.status.UNIMPLEMENTED
    case 503: return grpc.status.UNAVAILABLE
    case 504: return grpc.status.DEADLINE_EXCEEDED
    default: return grpc.status.INTERNAL
  }
}

/** The gRPC status and message of an error: a bug's message stays in the server. */
export function errorDetails (err: { statusCode?: number, message: string }): { code: grpc.status, details: string } {
  const code = grpcStatusFor(err.statusCode)
  return { code, details: code === grpc.status.INTERNAL && !isGatewayError(err) ? 'Internal error' : err.message }
}

/** Marks a request message that could not be decoded; `unary` answers it INVALID_ARGUMENT. */
const UNDECODABLE = Symbol('undecodable')

/** Why a request message could not be decoded (see strictDecoding), or undefined when it was. */
export function undecodable (request: unknown): string | undefined {
  return (request as { [UNDECODABLE]?: string } | null)?.[UNDECODABLE]
}

/**
 * The service definition with strict request decoding. protobufjs reads a Node Buffer leniently (a
 * string field whose length runs past the end is cut short and accepted), so the bytes are decoded
 * as a plain Uint8Array, whose reader checks every length. grpc-js answers a message that fails to
 * decode with INTERNAL; here it reaches the handler marked, and `unary` answers INVALID_ARGUMENT, as
 * a malformed request is the client's error.
 */
export function strictDecoding (service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  return Object.fromEntries(Object.entries(service).map(([name, method]) => [name, {
    ...method,
    requestDeserialize: (bytes: Buffer) => {
      try {
        return method.requestDeserialize(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) as Buffer)
      } catch (err) {
        return { [UNDECODABLE]: (err as Error).message }
      }
    }
  }]))
}

/** Adapts an async function to a grpc-js unary handler, mapping coded errors to gRPC statuses. */
export function unary<Req, Res> (fn: (request: Req, metadata: grpc.Metadata) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const reason = undecodable(call.request)
    if (reason !== undefined) {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: `cannot decode the request message: ${reason}` })
      return
    }
    Promise.resolve().then(() => fn(call.request, call.metadata)).then(
      (res) => callback(null, res),
      (err: { statusCode?: number, message: string }) => callback(errorDetails(err)))
  }
}

export type CallObserver = (service: string, method: string, code: grpc.status, seconds: number) => void

/**
 * Wraps every handler of a service so each finished call is reported (for metrics): unary calls
 * when they answer, streams (methods whose definition has requestStream) when they end.
 */
export function instrument (service: string, impl: grpc.UntypedServiceImplementation, observe: CallObserver, definition?: grpc.ServiceDefinition): grpc.UntypedServiceImplementation {
  const unaryCall = (method: string, handler: grpc.handleUnaryCall<unknown, unknown>) =>
    (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const start = performance.now()
      handler(call, (err, value) => {
        observe(service, method, err != null ? (err.code ?? grpc.status.UNKNOWN) : grpc.status.OK, (performance.now() - start) / 1000)
        callback(err, value)
      })
    }
  const streamCall = (method: string, handler: grpc.handleBidiStreamingCall<unknown, unknown>) =>
    (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      const start = performance.now()
      let reported = false
      const report = (code: grpc.status) => {
        if (reported) return
        reported = true
        observe(service, method, code, (performance.now() - start) / 1000)
      }
      call.on('finish', () => report(grpc.status.OK))
      call.on('cancelled', () => report(grpc.status.CANCELLED))
      handler(call)
    }
  return Object.fromEntries(Object.entries(impl).map(([method, handler]) => [method, definition?.[method]?.requestStream === true
    ? streamCall(method, handler as grpc.handleBidiStreamingCall<unknown, unknown>)
    : unaryCall(method, handler as grpc.handleUnaryCall<unknown, unknown>)]))
}
