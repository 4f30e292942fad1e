// The web dashboard at /: static files from web/ and the chart library from its npm package, so
// every asset is served locally and the page works offline. https://github.com/fastify/fastify-static
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import { projectRoot } from '../services/lib/project-root.js'

const require = createRequire(import.meta.url)

export default fp(async function dashboardPlugin (fastify) {
  // wildcard: false registers one route per file found at start, so no catch-all shadows the API.
  await fastify.register(fastifyStatic, { root: join(projectRoot, 'web'), prefix: '/', wildcard: false, index: 'index.html' })
  await fastify.register(fastifyStatic, {
    root: join(dirname(require.resolve('chart.js/auto')), '..', 'dist'),
    prefix: '/vendor/chart.js/',
    wildcard: false,
    decorateReply: false,
    // The library only changes with an npm upgrade: browsers keep it a day and revalidate by ETag.
    maxAge: '1d',
    allowedPath: (path) => path === '/chart.umd.min.js'
  })
}, { name: 'dashboard', dependencies: ['metrics'] })
