// The Ollama-protocol double in its own process, for benches (LATENCY_MS fixed delay per answer).
import { startOllamaDouble } from '../test/helpers/ollama-double.js'

const double = await startOllamaDouble(null, { latencyMs: Number(process.env.LATENCY_MS ?? 20), port: Number(process.env.PORT ?? 0) })
process.stdout.write(`ollama double on ${double.url}\n`)
process.on('SIGTERM', () => { double.close().then(() => process.exit(0)) })
