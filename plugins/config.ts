// The validated settings as `fastify.config`; the schema and its loader live in schemas/config.ts.
import fp from 'fastify-plugin'
import { loadConfig, type Config } from '../schemas/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export interface ConfigPluginOptions {
  config?: Config
}

export default fp<ConfigPluginOptions>(async function configPlugin (fastify, opts) {
  fastify.decorate('config', opts.config ?? loadConfig({}))
}, { name: 'config' })
