// `npm run serve:inference`: the standalone HTTP inference server (the seed's http_server.py, port
// 5002 by default): KServe V2 (/v2/...) and TF-Serving REST (/v1/models/...), no gRPC unless asked.
import { runServingApp } from './serving-app.js'

await runServingApp({ env: { PORT: '5002', GRPC_ENABLED: 'false', ...process.env }, http: true })
