// OpenAPI document at /docs/json and the UI at /docs, built from every route's TypeBox schemas.
// https://github.com/fastify/fastify-swagger
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

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
    }
  })
  await fastify.register(swaggerUi, { routePrefix: '/docs' })
}, { name: 'swagger', dependencies: ['metrics'] })
