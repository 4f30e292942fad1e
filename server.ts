// The only file that touches the process: environment, listening, graceful shutdown.
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'

const app = await buildApp({ env: process.env })

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
  else app.log.info({ signal }, 'shutting down')
  await app.close()
})

try {
  await app.listen({ host: app.config.HOST, port: app.config.PORT })
} catch (err) {
  app.log.error({ err }, 'cannot listen')
  process.exit(1)
}
