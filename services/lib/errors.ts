// The gateway's error catalogue: every error a route can answer with has a stable code here.
// Modules import the codes they throw; plugins/error-renderer.ts renders them in each route's shape.
import createError from '@fastify/error'

/** Whether an error is one of the catalogue's (its message is meant for the client), not a bug or a raw library error. */
export function isGatewayError (err: unknown): err is Error & { code: string, statusCode?: number } {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('GW_')
}

/** Body fields a client needs beyond the message (the prompt guard's analysis); the gateway's shape adds them. */
export interface ErrorDetails { details?: Record<string, unknown> }

export function withDetails<E extends Error> (err: E, details: Record<string, unknown>): E & ErrorDetails {
  return Object.assign(err, { details })
}

export const ModelNotFoundError = createError('GW_MODEL_NOT_FOUND', "Model '%s' not found", 404)
export const ModelVersionNotFoundError = createError('GW_MODEL_VERSION_NOT_FOUND', "Model '%s' has no version '%s'", 404)
export const ModelUnavailableError = createError('GW_MODEL_UNAVAILABLE', "Model '%s' version '%s' is not loaded: %s", 503)
export const ModelLoadError = createError<'GW_MODEL_LOAD_FAILED', 500, [string, string, string, { cause: unknown }?]>('GW_MODEL_LOAD_FAILED', "Cannot load model '%s' version '%s': %s", 500)
export const ModelInputError = createError('GW_MODEL_INPUT_INVALID', "Model '%s' expects %s", 400)
export const QueueFullError = createError('GW_QUEUE_FULL', "Inference queue for model '%s' is full (%d requests waiting); retry later", 503)
export const ModelInstanceFailedError = createError<'GW_MODEL_INSTANCE_FAILED', 503, [string, string, number, string]>('GW_MODEL_INSTANCE_FAILED', "Model '%s' version '%s': instance %d failed (%s); it is being replaced, retry", 503)
export const InferenceFailedError = createError('GW_INFERENCE_FAILED', "Inference failed for model '%s': %s", 500)
export const BadRequestError = createError('GW_BAD_REQUEST', '%s', 400)
export const BodyTooLargeError = createError('GW_BODY_TOO_LARGE', 'Request body is larger than %d bytes (%s)', 413)
// Unmatched routes: the gateway's 404, and the serving protocols' own answers (Triton's 405 for a
// known path with another method, TF Serving's 400 for a path outside its grammar).
export const RouteNotFoundError = createError('GW_ROUTE_NOT_FOUND', 'Route %s %s not found', 404)
export const MethodNotAllowedError = createError('GW_METHOD_NOT_ALLOWED', 'Method %s not allowed on %s', 405)
export const MalformedRequestError = createError('GW_MALFORMED_REQUEST', 'Malformed request: %s %s', 400)
export const UnauthorizedError = createError('GW_UNAUTHORIZED', 'A valid admin bearer token is required', 401)
export const UpstreamUnavailableError = createError('GW_UPSTREAM_UNAVAILABLE', '%s is unavailable: %s', 503)
export const UpstreamTimeoutError = createError('GW_UPSTREAM_TIMEOUT', '%s did not answer within %d ms', 504)
export const UpstreamBadResponseError = createError('GW_UPSTREAM_BAD_RESPONSE', '%s sent an invalid answer: %s', 502)
// Prediction logging and drift (issue 5b)
export const DriftReferenceMissingError = createError('GW_DRIFT_REFERENCE_NOT_FOUND', "Model '%s' version '%s' has no drift reference: %s", 404)
export const PredictionLogUnavailableError = createError('GW_PREDICTION_LOG_UNAVAILABLE', 'The prediction log (%s) is unavailable: %s', 503)
export const PredictionLogDisabledError = createError('GW_PREDICTION_LOG_DISABLED', 'Prediction logging is off (PREDICTION_LOG_ENABLED=false): nothing is logged', 503)

/** Seconds a client should wait before retrying after a 503 (back-pressure, an open circuit, an upstream down). */
export const RETRY_AFTER_SECONDS = 1

// Admin routes and caches (issue 3, caching half)
export const AdminDisabledError = createError('GW_ADMIN_DISABLED', 'Admin routes are disabled: ADMIN_TOKEN is not set on this gateway', 403)
export const EmbeddingUnavailableError = createError('GW_EMBEDDING_UNAVAILABLE', 'No embedding source for the semantic cache: %s', 503)

// Serving protocols (KServe V2 / Triton, TF Serving, gRPC fronts): the protocol routes render these
// in their own error shape ({"error": message}) with the same status codes.
export const TensorInvalidError = createError('GW_TENSOR_INVALID', '%s', 400)
export const ProtocolUnsupportedError = createError('GW_PROTOCOL_UNSUPPORTED', '%s', 501)
export const ServableNotFoundError = createError('GW_SERVABLE_NOT_FOUND', '%s', 404)
// LLM gateway (issue 3, LLM half)
export const UpstreamNotFoundError = createError('GW_UPSTREAM_MODEL_NOT_FOUND', "%s has no model '%s': %s", 404)
export const UpstreamRejectedError = createError('GW_UPSTREAM_REJECTED', '%s rejected the request: %s', 400)
export const CircuitOpenError = createError('GW_CIRCUIT_OPEN', '%s is unavailable: circuit open after %d consecutive failures; retrying in %d ms', 503)
export const PromptBlockedError = createError('GW_PROMPT_BLOCKED', 'Prompt blocked by the injection guard: %s', 400)
export const SessionNotFoundError = createError('GW_SESSION_NOT_FOUND', "Chat session '%s' not found", 404)

// Serving clients (Triton, TF Serving, the gateway's own protocol fronts over the network).
export const UpstreamNotConfiguredError = createError('GW_UPSTREAM_NOT_CONFIGURED', '%s is not configured: set %s', 503)
export const UpstreamQueueFullError = createError('GW_UPSTREAM_QUEUE_FULL', '%s refused the request, its queue is full: %s', 503)
// An unknown model upstream is UpstreamNotFoundError (GW_UPSTREAM_MODEL_NOT_FOUND), above.
export const UpstreamModelNotReadyError = createError('GW_UPSTREAM_MODEL_NOT_READY', "%s model '%s' is not ready", 503)
// Model registry, hot reload and retraining (issue 5a)
export const RegistryModelNotFoundError = createError('GW_REGISTRY_MODEL_NOT_FOUND', "Registered model '%s' not found", 404)
export const RegistryVersionNotFoundError = createError('GW_REGISTRY_VERSION_NOT_FOUND', "Registered model '%s' has no version '%s'", 404)
export const RegistryAliasNotFoundError = createError('GW_REGISTRY_ALIAS_NOT_FOUND', "Registered model '%s' has no alias '%s'", 404)
export const RegistryBusyError = createError('GW_REGISTRY_BUSY', 'Another writer holds the registry lock %s (for %d ms); retry', 503)
export const RegistryIntegrityError = createError('GW_REGISTRY_INTEGRITY', "Model '%s' version '%s' refused: %s", 502)
// Model-format safety (issue 13): only ONNX that parses, fits its declared model and answers a probe.
export const ModelFormatUnsupportedError = createError('GW_MODEL_FORMAT_UNSUPPORTED', 'Refused: the artifact is %s, not ONNX: %s', 415)
export const ModelInvalidError = createError<'GW_MODEL_INVALID', 422, [string, { cause: unknown }?]>('GW_MODEL_INVALID', 'Refused: %s', 422)
// Overload protection (issue 13)
export const OverloadedError = createError('GW_OVERLOADED', 'The gateway is overloaded (%s); retry later', 503)
export const RateLimitedError = createError('GW_RATE_LIMITED', 'Rate limit exceeded: %d cost units per %d s for this caller; retry in %d s', 429)
export const RegistryModelUnservableError = createError('GW_REGISTRY_MODEL_UNSERVABLE', "Registered model '%s' version '%s' cannot be served: %s", 422)
export const RetrainBusyError = createError('GW_RETRAIN_BUSY', 'A retraining run is already in progress', 409)
