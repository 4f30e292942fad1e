// The dashboard: one page per concern, each reading the gateway's own API. A page whose back end is
// missing (404) or whose upstream is down (503) says so in words instead of breaking.
const $ = (sel) => document.querySelector(sel)
const charts = {}
window.dashboard = { charts }

async function api (path, options = {}) {
  const res = await fetch(path, { ...options, headers: { 'content-type': 'application/json', ...(options.headers ?? {}) } })
  const text = await res.text()
  let body = null
  try { body = text === '' ? null : JSON.parse(text) } catch { body = text }
  if (!res.ok) {
    const message = body?.message ?? body?.error ?? `${res.status} ${res.statusText}`
    const err = new Error(res.status === 404 && body?.code === 'GW_ROUTE_NOT_FOUND' ? `not available on this gateway (${path} is not served)` : message)
    err.status = res.status
    throw err
  }
  return body
}

function show (el, text, kind = '') {
  el.textContent = text
  el.className = kind === '' ? '' : `status-${kind}`
}

function barChart (id, labels, data, label, options = {}) {
  charts[id]?.destroy()
  charts[id] = new window.Chart(document.getElementById(id), {
    type: 'bar',
    data: { labels, datasets: [{ label, data }] },
    options: { animation: false, responsive: true, maintainAspectRatio: false, ...options }
  })
  return charts[id]
}

// Predict: the Iris form and seed 002's simple_classifier form.
$('#iris-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = new FormData(event.target)
  const body = Object.fromEntries(['sepal_length', 'sepal_width', 'petal_length', 'petal_width'].map((f) => [f, Number(form.get(f))]))
  try {
    const r = await api(`/api/v1/classify?model=${encodeURIComponent(form.get('model'))}`, { method: 'POST', body: JSON.stringify(body) })
    show($('#iris-result'), `Predicted class: ${r.predicted_class} (confidence ${(r.confidence * 100).toFixed(1)} %, model ${r.model.name} v${r.model.version})${r.warnings.length ? ' — ' + r.warnings.join('; ') : ''}`, 'ok')
    barChart('iris-chart', r.all_classes, r.probabilities, 'probability', { scales: { y: { min: 0, max: 1 } } })
  } catch (err) {
    show($('#iris-result'), `Classification failed: ${err.message}`, 'error')
  }
})

$('#simple-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = new FormData(event.target)
  try {
    const r = await api('/predict', { method: 'POST', body: JSON.stringify({ instances: [[Number(form.get('x1')), Number(form.get('x2'))]] }) })
    const p = r.predictions[0][0]
    show($('#simple-result'), `P(class 1) = ${p.toFixed(4)} → class ${p >= 0.5 ? 1 : 0}`, 'ok')
  } catch (err) {
    show($('#simple-result'), `simple_classifier: ${err.message}`, 'error')
  }
})

// Chat: streams tokens (NDJSON) and keeps the session id for the next turn.
let session = sessionStorage.getItem('chat-session') ?? `web-${Math.random().toString(36).slice(2, 10)}`
// The gateway may assign its own session id; the next turn sends that one.
function keepSession (id) {
  session = id
  sessionStorage.setItem('chat-session', id)
  $('#chat-session').textContent = id
}
keepSession(session)

$('#chat-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const input = event.target.elements.prompt
  const prompt = input.value
  input.value = ''
  const you = document.createElement('li')
  you.textContent = `You: ${prompt}`
  const bot = document.createElement('li')
  bot.textContent = 'Assistant: '
  $('#chat-log').append(you, bot)
  show($('#chat-status'), 'Streaming…')
  try {
    const res = await fetch('/api/v1/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt, session_id: session, stream: true }) })
    if (!res.ok) {
      const body = await res.json().catch(() => ({}))
      throw new Error(res.status === 404 ? 'chat is not available on this gateway' : body.message ?? res.statusText)
    }
    const reader = res.body.getReader()
    const decoder = new TextDecoder()
    let buffered = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      buffered += decoder.decode(value, { stream: true })
      const lines = buffered.split('\n')
      buffered = lines.pop()
      for (const line of lines) {
        // NDJSON (Ollama's format) or Server-Sent Events (`data: {...}`, ending with `data: [DONE]`).
        const json = line.startsWith('data:') ? line.slice(5).trim() : line.trim()
        if (json === '' || json === '[DONE]' || line.startsWith(':') || line.startsWith('event:')) continue
        const chunk = JSON.parse(json)
        if (chunk.error) throw new Error(typeof chunk.error === 'string' ? chunk.error : chunk.error.message)
        if (typeof chunk.session_id === 'string' && chunk.session_id !== session) keepSession(chunk.session_id)
        bot.textContent += chunk.response ?? chunk.message?.content ?? chunk.choices?.[0]?.delta?.content ?? chunk.token ?? ''
      }
    }
    show($('#chat-status'), 'Done', 'ok')
  } catch (err) {
    show($('#chat-status'), `Chat failed: ${err.message}`, 'error')
  }
})

// Models: what the gateway serves, and the registry when it is there.
async function loadModels () {
  const list = $('#models-list')
  list.replaceChildren()
  try {
    const health = await api('/health')
    const table = document.createElement('table')
    table.innerHTML = '<caption>Served ONNX models</caption><thead><tr><th scope="col">Model</th><th scope="col">Version</th><th scope="col">Default</th><th scope="col">Queue</th></tr></thead>'
    const body = document.createElement('tbody')
    for (const m of health.dependencies.onnx?.models ?? []) {
      const row = document.createElement('tr')
      for (const v of [m.name, m.version, m.default ? 'yes' : '', m.loaded ? m.queue_depth : `not loaded: ${m.error}`]) {
        const td = document.createElement('td')
        td.textContent = String(v)
        row.append(td)
      }
      body.append(row)
    }
    table.append(body)
    list.append(table)
  } catch (err) {
    list.textContent = `Cannot read /health: ${err.message}`
  }
  const registry = document.createElement('div')
  try {
    const models = await api('/api/v1/registry/models')
    registry.append(registryTable(models))
  } catch (err) {
    registry.className = 'unavailable'
    registry.textContent = `Registry: ${err.message}`
  }
  list.append(registry)
}

// The registry's answer as a table: one row per version with its status, metrics and aliases.
// Field names follow MLflow (version, status, aliases, metrics or tags); anything else is shown as JSON.
function registryTable (answer) {
  const models = Array.isArray(answer) ? answer : answer?.models ?? answer?.registered_models
  if (!Array.isArray(models)) {
    const pre = document.createElement('pre')
    pre.textContent = JSON.stringify(answer, null, 2)
    return pre
  }
  const table = document.createElement('table')
  table.innerHTML = '<caption>Registry versions</caption><thead><tr><th scope="col">Model</th><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Metrics</th><th scope="col">Aliases</th></tr></thead>'
  const body = document.createElement('tbody')
  for (const m of models) {
    const aliasesOf = (v) => {
      const own = v.aliases ?? []
      const byModel = Object.entries(m.aliases ?? {}).filter(([, ver]) => String(ver) === String(v.version)).map(([a]) => a)
      return [...new Set([...(Array.isArray(own) ? own : []), ...(Array.isArray(m.aliases) ? [] : byModel)])]
    }
    for (const v of m.versions ?? m.latest_versions ?? []) {
      const row = document.createElement('tr')
      const metrics = Object.entries(v.metrics ?? {}).map(([k, x]) => `${k}=${typeof x === 'number' ? Number(x.toFixed(4)) : x}`).join(', ')
      for (const cell of [m.name, v.version, v.status ?? v.current_stage ?? '', metrics, aliasesOf(v).join(', ')]) {
        const td = document.createElement('td')
        td.textContent = String(cell)
        row.append(td)
      }
      body.append(row)
    }
  }
  table.append(body)
  return table
}

$('#promote-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const f = new FormData(event.target)
  try {
    await api(`/api/v1/registry/models/${encodeURIComponent(f.get('name'))}/aliases/${encodeURIComponent(f.get('alias'))}`, {
      method: 'PUT', body: JSON.stringify({ version: String(f.get('version')) }), headers: { authorization: `Bearer ${f.get('token')}` }
    })
    show($('#promote-status'), `Alias ${f.get('alias')} now points at version ${f.get('version')}`, 'ok')
    loadModels()
  } catch (err) {
    show($('#promote-status'), `Alias not moved: ${err.message}`, 'error')
  }
})

// Drift: the report's verdict, scores per feature, and its histograms (the HTML report's SVGs).
async function loadDrift () {
  const limit = Number($('#drift-limit').value) || 100
  const features = $('#drift-features')
  features.replaceChildren()
  try {
    const r = await api(`/api/v1/drift-report?limit=${limit}`)
    const status = r.recommendations.monitoring_status
    show($('#drift-verdict'), `Verdict: ${status} — ${r.drift_analysis.drift_detected ? 'drift detected' : 'no drift detected'} (overall score ${r.drift_analysis.overall_drift_score}, ${r.data_summary.analyzed_samples} rows vs ${r.data_summary.reference_samples} reference rows)`, r.drift_analysis.drift_detected ? 'error' : 'ok')
    for (const [name, f] of Object.entries(r.drift_analysis.feature_drift_scores ?? {})) {
      const p = document.createElement('p')
      p.textContent = `${name}: ${f.statistical_test} score ${f.drift_score} — ${f.drift_detected ? 'drifted' : 'stable'}`
      p.className = f.drift_detected ? 'status-error' : 'status-ok'
      features.append(p)
    }
    const html = await fetch(`/api/v1/drift-report?limit=${limit}&format=html`).then((res) => res.ok ? res.text() : '')
    // The HTML report's per-feature sections: heading, verdict and the reference-vs-current histogram.
    const doc = new DOMParser().parseFromString(html, 'text/html')
    const histograms = $('#drift-histograms')
    histograms.replaceChildren(...[...doc.querySelectorAll('section.feature')].map((section) => {
      const figure = document.createElement('figure')
      const caption = document.createElement('figcaption')
      caption.textContent = `${section.querySelector('h2')?.textContent}: ${section.querySelector('p')?.textContent}`
      figure.append(caption, document.importNode(section.querySelector('svg'), true))
      return figure
    }))
  } catch (err) {
    show($('#drift-verdict'), `Drift report: ${err.message}`, 'error')
  }
}
$('#drift-refresh').addEventListener('click', loadDrift)

// Serving: average latency per serving method from the comparison endpoint.
$('#serving-run').addEventListener('click', async () => {
  show($('#serving-status'), 'Comparing…')
  const notes = $('#serving-notes')
  notes.replaceChildren()
  try {
    const r = await api('/api/v1/serving-comparison', { method: 'POST', body: JSON.stringify({ sepal_length: 6.3, sepal_width: 3.3, petal_length: 6.0, petal_width: 2.5, iterations: 5 }) })
    const methods = Object.entries(r.serving_methods)
    barChart('serving-chart', methods.map(([name]) => name), methods.map(([, m]) => m.available ? m.average_response_time_ms : 0), 'average response time (ms)')
    for (const [name, m] of methods) {
      const li = document.createElement('li')
      li.textContent = m.available ? `${name}: ${m.average_response_time_ms} ms average, success rate ${m.success_rate}` : `${name}: unavailable — ${m.reason ?? m.error ?? 'not configured'}`
      notes.append(li)
    }
    show($('#serving-status'), `Fastest: ${r.performance_analysis?.fastest_method ?? 'n/a'}`, 'ok')
  } catch (err) {
    show($('#serving-status'), `Serving comparison: ${err.message}`, 'error')
  }
})

// Cache: hit ratios and the semantic similarity histogram.
async function loadCache () {
  try {
    const r = await api('/api/v1/cache/stats')
    show($('#cache-status'), `Exact hit ratio ${(r.exact.hit_ratio * 100).toFixed(1)} % (${r.exact.hits} hits, ${r.exact.misses} misses); semantic hit ratio ${(r.semantic.hit_ratio * 100).toFixed(1)} % (${r.semantic.hits} hits); ${r.overall.latency_saved_ms} ms saved`, 'ok')
    const bins = r.semantic.similarity_histogram ?? []
    barChart('cache-chart', bins.map((b) => `${b.from}–${b.to}`), bins.map((b) => b.count), 'semantic lookups by best similarity')
  } catch (err) {
    show($('#cache-status'), `Cache statistics: ${err.message}`, 'error')
  }
}

// Health: every dependency with its state.
async function loadHealth () {
  const res = await fetch('/health')
  const r = await res.json()
  show($('#health-overall'), `Gateway status: ${r.status}`, r.status)
  const rows = Object.entries(r.dependencies).map(([name, d]) => {
    const tr = document.createElement('tr')
    tr.dataset.dependency = name
    const { status, critical, ...details } = d
    for (const [i, v] of [name, status, JSON.stringify(details)].entries()) {
      const td = document.createElement('td')
      td.textContent = v
      if (i === 1) td.className = `status-${status}`
      tr.append(td)
    }
    return tr
  })
  $('#health-table').replaceChildren(...rows)
}

const loaders = { models: loadModels, drift: loadDrift, cache: loadCache, health: loadHealth }

function route () {
  const page = location.hash.replace('#', '') || 'predict'
  for (const section of document.querySelectorAll('[data-page]')) section.hidden = section.dataset.page !== page
  for (const link of document.querySelectorAll('nav a')) {
    if (link.getAttribute('href') === `#${page}`) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
  loaders[page]?.()
}
// After navigation, focus the page's heading so keyboard and screen-reader users land on the new page.
window.addEventListener('hashchange', () => {
  route()
  const heading = document.querySelector('[data-page]:not([hidden]) h2')
  heading?.setAttribute('tabindex', '-1')
  heading?.focus()
})
route()

// The model picker lists what the gateway really serves (the two committed models until /health answers).
api('/health').then((health) => {
  const names = [...new Set((health.dependencies.onnx?.models ?? []).filter((m) => m.loaded).map((m) => m.name))]
  if (names.length === 0) return
  const select = document.querySelector('#iris-form select[name="model"]')
  const labels = Object.fromEntries([...select.options].map((o) => [o.value, o.textContent]))
  select.replaceChildren(...names.map((name) => new Option(labels[name] ?? name, name, name === health.dependencies.onnx.default_model, name === health.dependencies.onnx.default_model)))
}).catch(() => {})
