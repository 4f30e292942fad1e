// The only file that touches the process: environment, listening, graceful shutdown.
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'

let app: Awaited<ReturnType<typeof buildApp>>
try {
  app = await buildApp({ env: process.env })
} catch (err) {
  // A bad setting stops the start-up with its one-line message, not a stack trace.
  process.stderr.write(`${(err as Error).message}\n`)
  process.exit(1)
}

// SIGTERM/SIGINT: drain (stop accepting, finish in-flight requests with Connection: close, close
// idle keep-alive sockets), then close (flushes the prediction log); past the grace the process exits.
closeWithGrace({ delay: app.config.SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
  else app.log.info({ signal, connections: app.drain.connections }, 'shutting down: draining')
  await app.drain.start()
  app.log.info({ idleClosed: app.drain.idleClosed }, 'drained: every connection closed')
  await app.close()
})

try {
  await app.listen({ host: app.config.HOST, port: app.config.PORT })
} catch (err) {
  app.log.error({ err }, 'cannot listen')
  process.exit(1)
}
