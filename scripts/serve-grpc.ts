// `npm run serve:grpc`: the gRPC front alone (iris.InferenceService and
// inference.GRPCInferenceService) on GRPC_PORT (default 50051), like the seed's grpc_server.py.
import { runServingApp } from './serving-app.js'

const app = await runServingApp({ env: { ...process.env, GRPC_ENABLED: 'true' }, http: false })
if (app.grpcServer?.error != null) {
  app.log.error(app.grpcServer.error)
  await app.close()
  process.exit(1)
}
app.log.info({ port: app.grpcServer?.port }, 'gRPC inference server ready')
