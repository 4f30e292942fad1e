// The serving protocols' error shape: Triton / KServe V2 and TF Serving both answer
// {"error": "<message>"} (tritonclient reads the `error` key of any non-200 answer), with the status
// codes of the gateway's error catalogue, which follow theirs (400, 404, 413, 501, 503, 504).
export interface CodedError { statusCode?: number, code?: string, message: string }

export function protocolError (err: CodedError): { status: number, body: { error: string }, retryAfter: boolean } {
  const status = err.statusCode ?? 500
  const hidden = status >= 500 && err.code === undefined
  return { status, body: { error: hidden ? 'Internal Server Error' : err.message }, retryAfter: err.code === 'GW_QUEUE_FULL' }
}
