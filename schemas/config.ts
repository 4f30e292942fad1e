// One schema for every setting; validated once at start-up with a message naming the bad variable.
// https://github.com/fastify/env-schema
import { join } from 'node:path'
import envSchema from 'env-schema'
import { Type, type Static } from '@sinclair/typebox'
import { projectRoot } from '../services/lib/project-root.js'

// A plain `enum` keeps the start-up message to one line ("must be equal to one of the allowed values").
function StringEnum<T extends string[]> (values: [...T], options: { default?: T[number], description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: values, ...options })
}

export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', description: 'address the HTTP server listens on: 127.0.0.1 (this machine only) by default; 0.0.0.0 to accept other hosts (the Docker image sets it)' }),
  PORT: Type.Integer({ default: 3000, minimum: 0, maximum: 65535, description: 'HTTP port (0: an ephemeral port)' }),
  LOG_LEVEL: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info', description: 'pino log level' }),
  BODY_LIMIT: Type.Integer({ default: 1048576, minimum: 1024, description: 'largest accepted JSON body, bytes' }),
  MODELS_DIR: Type.String({ default: join(projectRoot, 'models'), description: 'ONNX models: <name>/<version>/model.onnx with metadata.json, metrics.json, reference.csv' }),
  DEFAULT_MODEL: Type.String({ default: 'iris', minLength: 1, description: 'model used when a request names none' }),
  MAX_BATCH_INSTANCES: Type.Integer({ default: 1000, minimum: 1, description: 'most rows in one /classify/batch request' }),
  BATCHING: Type.Boolean({ default: true, description: 'adaptive batching of concurrent inference requests' }),
  BATCH_MAX_SIZE: Type.Integer({ default: 64, minimum: 1, description: 'most rows in one session.run' }),
  BATCH_MAX_QUEUE: Type.Integer({ default: 2048, minimum: 1, description: 'most requests waiting per model; beyond it 503' }),
  BATCH_MAX_QUEUE_DELAY_MICROS: Type.Integer({ default: 0, minimum: 0, description: 'wait this long for a batch to fill (0: never wait)' }),
  ORT_INTRA_OP_THREADS: Type.Integer({ default: 1, minimum: 0, description: 'onnxruntime threads per session (0: its default)' }),
  INSTANCE_KIND: StringEnum(['auto', 'main', 'worker'], { default: 'auto', description: 'where models run unless their serving.json says: main thread, worker threads, or auto (worker when a probe batch takes at least INSTANCE_WORKER_THRESHOLD_MS)' }),
  INSTANCE_COUNT: Type.Integer({ default: 1, minimum: 1, maximum: 64, description: 'worker-thread instances per worker-kind model unless its serving.json says (each runs ORT_INTRA_OP_THREADS threads)' }),
  INSTANCE_WORKER_THRESHOLD_MS: Type.Number({ default: 5, minimum: 0, description: 'auto kind: a model whose BATCH_MAX_SIZE-row probe batch takes at least this (median of 3 runs at load) runs on worker threads' }),
  INSTANCE_RUN_TIMEOUT_MS: Type.Integer({ default: 30000, minimum: 100, description: 'a worker instance that has not answered a batch by then is replaced; its requests get 503' }),
  ADMIN_TOKEN: Type.String({ default: '', description: 'bearer token of the admin routes, at least 16 characters; empty: admin routes answer 403' }),
  // HTTP server timeouts and the drain on SIGTERM (issue 13)
  HTTP_REQUEST_TIMEOUT_MS: Type.Integer({ default: 30000, minimum: 1000, description: 'a client must have sent its whole request (headers and body) within this; else 408 and the socket is closed' }),
  HTTP_HEADERS_TIMEOUT_MS: Type.Integer({ default: 10000, minimum: 100, description: 'a client must have sent its request headers within this (slow-header clients are cut off); at most HTTP_REQUEST_TIMEOUT_MS' }),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ default: 72000, minimum: 100, description: 'an idle keep-alive socket is closed after this (keep it above a load balancer\'s idle timeout, e.g. 60 s)' }),
  HTTP_CONNECTIONS_CHECK_MS: Type.Integer({ default: 1000, minimum: 10, description: 'how often the request and headers timeouts are checked (their precision)' }),
  SHUTDOWN_GRACE_MS: Type.Integer({ default: 20000, minimum: 100, description: 'on SIGTERM/SIGINT: the drain and close may take this long before the process exits anyway' }),
  SHUTDOWN_IDLE_CLOSE_MS: Type.Integer({ default: 5000, minimum: 0, description: 'during the drain, a keep-alive socket without a request for this long is closed (busy ones close after answering with Connection: close)' }),
  PLUGIN_TIMEOUT_MS: Type.Integer({ default: 60000, minimum: 1000, description: 'time a plugin may take to load (model loading)' }),
  // Redis and caching (issue 3, caching half)
  REDIS_URL: Type.String({ default: '', description: 'redis://host:port/db; empty: in-process caches only' }),
  REDIS_KEY_PREFIX: Type.String({ default: 'gw:', description: 'prefix of every key the gateway writes' }),
  REDIS_COMMAND_TIMEOUT_MS: Type.Integer({ default: 500, minimum: 10, description: 'a Redis command slower than this fails (and the cache is bypassed)' }),
  REDIS_CONNECT_TIMEOUT_MS: Type.Integer({ default: 2000, minimum: 50, description: 'TCP connect timeout of the Redis client' }),
  CACHE_ENABLED: Type.Boolean({ default: true, description: 'exact response cache' }),
  CACHE_TTL_SECONDS: Type.Integer({ default: 300, minimum: 1, description: 'exact-cache entry lifetime' }),
  CACHE_MAX_ENTRIES: Type.Integer({ default: 10000, minimum: 1, description: 'in-process LRU bound (Redis bounds itself with maxmemory)' }),
  SEMANTIC_CACHE_ENABLED: Type.Boolean({ default: true, description: 'semantic cache of LLM answers' }),
  SEMANTIC_THRESHOLD: Type.Number({ default: 0.88, minimum: 0, maximum: 1, description: 'cosine similarity needed for a semantic hit (tuned with npm run semantic:eval, docs/semantic-cache.md)' }),
  SEMANTIC_TTL_SECONDS: Type.Integer({ default: 3600, minimum: 1, description: 'semantic-cache entry lifetime' }),
  SEMANTIC_MAX_ENTRIES: Type.Integer({ default: 100000, minimum: 1, description: 'semantic entries per replica (least recently used evicted first) and in Redis (oldest trimmed first)' }),
  SEMANTIC_MIN_WORDS: Type.Integer({ default: 3, minimum: 1, description: 'shorter prompts are only cached exactly (short prompts collapse together)' }),
  EMBED_MODEL: Type.String({ default: 'all-minilm', description: 'Ollama embedding model of the semantic cache' }),
  EMBED_ONNX_DIR: Type.String({ default: '', description: 'local sentence encoder (model.onnx + tokenizer.json) instead of Ollama' }),
  EMBED_MAX_TOKENS: Type.Integer({ default: 256, minimum: 8, description: 'ONNX encoder truncation length' }),
  // Prediction logging and drift (issue 5). REDIS_URL (above) also moves the prediction log to a Redis stream.
  DATA_DIR: Type.String({ default: join(projectRoot, 'data'), description: 'prediction log files and drift_report.html' }),
  PREDICTION_LOG_ENABLED: Type.Boolean({ default: true, description: 'log every served classification for drift reports' }),
  PREDICTION_LOG_FLUSH_MS: Type.Integer({ default: 100, minimum: 1, maximum: 200, description: 'buffer flush period (at most 200 ms)' }),
  PREDICTION_LOG_BUFFER_MAX: Type.Integer({ default: 50000, minimum: 1, description: 'records buffered at most; beyond it new ones are dropped and counted' }),
  PREDICTION_LOG_MEMORY_ROWS: Type.Integer({ default: 100000, minimum: 0, description: 'newest records per model kept in memory for reports (0: read the log every time)' }),
  PREDICTION_LOG_STREAM_PREFIX: Type.String({ default: 'predictions', minLength: 1, description: 'Redis stream key prefix (one stream per model)' }),
  PREDICTION_LOG_STREAM_MAXLEN: Type.Integer({ default: 1000000, minimum: 1, description: 'approximate cap of each Redis stream (XADD MAXLEN ~)' }),
  PREDICTION_LOG_REDIS_TIMEOUT_MS: Type.Integer({ default: 2000, minimum: 1, description: 'timeout of one Redis command' }),
  DRIFT_MIN_SAMPLES: Type.Integer({ default: 30, minimum: 1, description: 'fewer logged rows than this give INSUFFICIENT_DATA' }),
  DRIFT_DEFAULT_LIMIT: Type.Integer({ default: 100, minimum: 1, description: 'rows a drift report analyses when no limit is given' }),
  DRIFT_MAX_LIMIT: Type.Integer({ default: 100000, minimum: 1, description: 'largest accepted drift-report and predictions `limit` (a larger one is a 400 naming it)' }),
  DRIFT_INTERVAL_SECONDS: Type.Integer({ default: 0, minimum: 0, description: 'recompute drift gauges this often (0: only on request)' }),
  DRIFT_CHI_SQUARE: StringEnum(['goodness_of_fit', 'homogeneity'], { default: 'goodness_of_fit', description: "chi-square test of the predicted class and of 3-5-valued features: goodness of fit against the reference shares (Evidently's chisquare) or 2xk homogeneity (scipy chi2_contingency)" }),
  DRIFT_SHARE_COLUMNS: StringEnum(['all', 'features'], { default: 'all', description: "columns in the dataset drift share: all (features and predicted class, as Evidently's DataDriftPreset) or features only" }),
  // Serving protocols (issue 4a): KServe V2 and TF-Serving-compatible REST, the gRPC front.
  PROTOCOL_BODY_LIMIT: Type.Integer({ default: 67108864, minimum: 1024, description: 'largest /v2 request body with binary tensors (Inference-Header-Content-Length), bytes (Triton: 64 MB)' }),
  PROTOCOL_JSON_BODY_LIMIT: Type.Integer({ default: 4194304, minimum: 1024, description: 'largest JSON request body of /v2 (and JSON header of a binary one) and of /v1/models (TF Serving), bytes, after decompression' }),
  GRPC_ENABLED: Type.Boolean({ default: true, description: 'serve the gRPC front (iris service and inference.GRPCInferenceService)' }),
  GRPC_HOST: Type.String({ default: '127.0.0.1', description: 'address the gRPC front listens on (127.0.0.1 by default, like HOST; the Docker image sets 0.0.0.0)' }),
  GRPC_PORT: Type.Integer({ default: 50051, minimum: 0, maximum: 65535, description: '0: an ephemeral port (tests)' }),
  GRPC_MAX_MESSAGE_BYTES: Type.Integer({ default: 67108864, minimum: 4096, description: 'largest gRPC message received or sent' }),
  // LLM gateway (issue 3, LLM half): Ollama, chat memory, prompt guard
  OLLAMA_URL: Type.String({ default: 'http://127.0.0.1:11434', description: 'Ollama server; LLM routes answer 503 naming it while it is unreachable' }),
  OLLAMA_MODEL: Type.String({ default: 'tinyllama', minLength: 1, description: 'model used when a request names none' }),
  OLLAMA_CONNECT_TIMEOUT_MS: Type.Integer({ default: 2000, minimum: 10, description: 'TCP connect deadline' }),
  OLLAMA_FIRST_BYTE_TIMEOUT_MS: Type.Integer({ default: 30000, minimum: 10, description: 'from the call (pool wait included) to the answer headers; a non-streamed answer must be complete by then' }),
  OLLAMA_STREAM_IDLE_TIMEOUT_MS: Type.Integer({ default: 30000, minimum: 10, description: 'longest gap between two streamed chunks' }),
  OLLAMA_EMBED_TIMEOUT_MS: Type.Integer({ default: 2000, minimum: 10, description: 'whole /api/embed call; past it the semantic-cache lookup is skipped and the request goes on to generation' }),
  OLLAMA_PROBE_TIMEOUT_MS: Type.Integer({ default: 1000, minimum: 10, description: '/health probe deadline (one probe in flight at a time)' }),
  OLLAMA_TIMEOUT_MS: Type.Optional(Type.Integer({ minimum: 10, description: 'deprecated: when set, overrides both OLLAMA_FIRST_BYTE_TIMEOUT_MS and OLLAMA_STREAM_IDLE_TIMEOUT_MS' })),
  OLLAMA_BREAKER_THRESHOLD: Type.Integer({ default: 5, minimum: 1, description: 'consecutive connection failures or deadlines that open the circuit' }),
  OLLAMA_BREAKER_COOLDOWN_MS: Type.Integer({ default: 10000, minimum: 10, description: 'how long an open circuit answers 503 at once before one probe' }),
  PROMPT_MAX_CHARS: Type.Integer({ default: 8000, minimum: 16, description: 'longest accepted prompt; generate-secure truncates to it' }),
  CHAT_MEMORY_MAX_MESSAGES: Type.Integer({ default: 20, minimum: 2, description: 'messages kept per session (oldest dropped first)' }),
  CHAT_MEMORY_MAX_CHARS: Type.Integer({ default: 100000, minimum: 1, description: 'characters stored per session (oldest messages dropped first)' }),
  CHAT_MEMORY_MAX_TOKENS: Type.Integer({ default: 2000, minimum: 1, description: 'approximate tokens of history sent to the model (4 characters a token)' }),
  CHAT_MEMORY_TTL_SECONDS: Type.Integer({ default: 3600, minimum: 1, description: 'idle sessions expire after this' }),
  // Serving clients (issue 4b): Triton, TF Serving, and the network calls to our own fronts.
  TRITON_URL: Type.String({ default: '', description: 'Triton HTTP base URL (http://host:8000); empty: disabled' }),
  TRITON_GRPC_URL: Type.String({ default: '', description: 'Triton gRPC address (host:8001); empty: disabled' }),
  TRITON_MODEL: Type.String({ default: 'iris_onnx', minLength: 1, description: 'model name on Triton' }),
  TRITON_PROTOCOL: StringEnum(['http-json', 'http-binary', 'grpc'], { default: 'http-binary', description: 'transport to Triton; the configured one when only TRITON_URL or TRITON_GRPC_URL is set' }),
  TF_SERVING_URL: Type.String({ default: '', description: 'TF Serving REST base URL (http://host:8501); empty: disabled' }),
  TF_SERVING_GRPC_URL: Type.String({ default: '', description: 'TF Serving gRPC address (host:8500); empty: disabled' }),
  TF_SERVING_MODEL: Type.String({ default: 'iris', minLength: 1, description: 'model name on TF Serving' }),
  TF_SERVING_PROTOCOL: StringEnum(['rest', 'grpc'], { default: 'rest', description: 'transport to TF Serving' }),
  UPSTREAM_BREAKER_THRESHOLD: Type.Integer({ default: 5, minimum: 1, description: 'Triton, TF Serving and MLflow: consecutive connection failures or deadlines that open the circuit' }),
  UPSTREAM_BREAKER_COOLDOWN_MS: Type.Integer({ default: 5000, minimum: 10, description: 'Triton, TF Serving and MLflow: how long an open circuit answers 503 at once before one probe' }),
  SERVING_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 1, description: 'deadline of every call to Triton, TF Serving and our own fronts' }),
  SERVING_FALLBACK: StringEnum(['none', 'local'], { default: 'none', description: 'local: answer from the in-process ONNX model, marked fallback, when Triton or TF Serving is down' }),
  GRPC_TARGET: Type.String({ default: '', description: '/classify-grpc target (host:port); empty: this gateway\'s own gRPC front' }),
  INFERENCE_HTTP_URL: Type.String({ default: '', description: '/classify-http V2 server; empty: this gateway\'s own /v2 front' }),
  INFERENCE_HTTP_MODEL: Type.String({ default: '', description: 'model name at INFERENCE_HTTP_URL; empty: DEFAULT_MODEL' }),
  // Overload protection (issue 13): load shedding and per-caller rate limits (docs/overload.md)
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ default: 1000, minimum: 0, description: 'answer 503 while the event loop lags more than this (0: off)' }),
  OVERLOAD_MAX_HEAP_USED_RATIO: Type.Number({ default: 0.95, minimum: 0, maximum: 1, description: 'answer 503 while the V8 heap in use exceeds this share of its limit (0: off)' }),
  OVERLOAD_SAMPLE_INTERVAL_MS: Type.Integer({ default: 1000, minimum: 100, description: 'how often event-loop delay (the mean over the interval) and heap are sampled' }),
  OVERLOAD_RETRY_AFTER_SECONDS: Type.Integer({ default: 2, minimum: 1, description: 'Retry-After of an overload 503' }),
  RATE_LIMIT_MAX: Type.Integer({ default: 0, minimum: 0, description: 'cost units a caller (API key, else IP) may spend per window; a request costs 1, heavy routes RATE_LIMIT_HEAVY_COST (0: no rate limit)' }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ default: 60000, minimum: 100, description: 'rate-limit window' }),
  RATE_LIMIT_HEAVY_COST: Type.Integer({ default: 10, minimum: 1, description: 'cost of drift-report, classify-benchmark, retrain and every LLM POST route' }),
  // Model registry, hot reload and retraining (issue 5a)
  REGISTRY_DIR: Type.String({ default: '', description: 'embedded registry root; empty: MODELS_DIR/registry' }),
  REGISTRY_POLL_SECONDS: Type.Optional(Type.Integer({ minimum: 0, description: 're-read served aliases this often, following moves and deletions by any client (0: only on admin changes and reload); unset: 5 with MLflow, 0 with the embedded registry' })),
  REGISTRY_RETIRE_GRACE_MS: Type.Integer({ default: 5000, minimum: 0, description: 'keep a replaced version loaded this long after an alias moves' }),
  MLFLOW_TRACKING_URI: Type.String({ default: '', pattern: '^(https?://.+)?$', description: 'MLflow tracking server (http[s]://host:port) as the registry backend; empty: the embedded registry' }),
  MLFLOW_TIMEOUT_MS: Type.Integer({ default: 10000, minimum: 1, description: 'deadline of each MLflow REST call' }),
  MLFLOW_CACHE_DIR: Type.String({ default: '', description: 'downloaded MLflow artifacts (sha256-checked before each load); empty: DATA_DIR/mlflow-cache' }),
  MLFLOW_EXPERIMENT: Type.String({ default: 'inference-gateway', minLength: 1, description: 'MLflow experiment holding the runs of versions registered through the gateway' }),
  RETRAIN_CONFIG: Type.String({ default: join(projectRoot, 'config.json'), description: 'model_name, gate and train params of the retrainer' }),
  RETRAIN_CRON: Type.String({ default: '', description: 'cron schedule of retraining in the gateway; empty: off' }),
  NOTIFICATIONS_LOG: Type.String({ default: '', description: 'promotion decisions; empty: DATA_DIR/notifications.log' }),
  TRAIN_LOG: Type.String({ default: '', description: 'last training run log; empty: DATA_DIR/last_train_log.txt' })
})

export type Config = Static<typeof ConfigSchema>

/** A guessable admin token is worse than none: the admin routes move aliases and flush caches. */
export const ADMIN_TOKEN_MIN_LENGTH = 16

/** Validates raw environment values (strings) into a typed config; throws naming the bad variable. */
export function loadConfig (env: Record<string, string | undefined> = {}): Config {
  let config: Config
  try {
    config = envSchema<Config>({ schema: ConfigSchema, data: env, dotenv: false })
  } catch (err) {
    throw new Error(`Invalid configuration: ${(err as Error).message}`, { cause: err })
  }
  if (config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    throw new Error(`Invalid configuration: HTTP_HEADERS_TIMEOUT_MS (${config.HTTP_HEADERS_TIMEOUT_MS}) must not exceed HTTP_REQUEST_TIMEOUT_MS (${config.HTTP_REQUEST_TIMEOUT_MS})`)
  }
  const token = config.ADMIN_TOKEN
  if (token !== '' && token.length < ADMIN_TOKEN_MIN_LENGTH) {
    throw new Error(`Invalid configuration: ADMIN_TOKEN must be at least ${ADMIN_TOKEN_MIN_LENGTH} characters (it has ${token.length}); leave it empty to close the admin routes`)
  }
  return config
}
