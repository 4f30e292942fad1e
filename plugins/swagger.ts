// OpenAPI document at /docs/json and the UI at /docs, built from every route's TypeBox schemas.
// The statuses every route can answer whatever its handler does (a schema rejection, a body too large
// or of the wrong media type, a path segment too long, the rate limit, load shedding) are added to
// each operation here, in the route's error shape, and a streaming route's media types are listed
// beside its JSON (`openapiStatuses`); the route's own schemas, which Fastify serializes with, stay as written.
// https://github.com/fastify/fastify-swagger
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { documentRoute } from '../services/lib/openapi-statuses.js'

export default fp(async function swaggerPlugin (fastify) {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Inference gateway',
        description: 'Classic ML models (ONNX, Triton, TF Serving), LLMs behind Ollama, and the ML-ops around them.',
        version: '0.1.0'
      },
      tags: [
        { name: 'classification', description: 'Iris classification with in-process ONNX models' },
        { name: 'health', description: 'Liveness, readiness and dependency state' },
        { name: 'monitoring', description: 'Prometheus metrics' },
        { name: 'serving', description: 'Triton, TF Serving and the gateway\'s own fronts over the network; protocol and serving comparisons' }
      ],
      components: {
        securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } }
      }
    },
    transform: ({ schema, url, route }) => ({ schema: (documentRoute(schema as Record<string, unknown> | undefined, route) ?? schema) as typeof schema, url })
  })
  await fastify.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'swagger', dependencies: ['metrics'] })
