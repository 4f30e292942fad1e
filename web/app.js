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

/** Writes a status line; its `status-<kind>` class gives the colour, other classes stay. */
function show (el, text, kind = '') {
  el.textContent = text
  el.classList.remove(...[...el.classList].filter((c) => c.startsWith('status-')))
  if (kind !== '') el.classList.add(`status-${kind}`)
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

// Predict: one form for whichever model is picked. Its fields are the model's feature names from
// /health (its metadata); Iris models go through /api/v1/classify (class, confidence, range warnings),
// any other through the TF-Serving-compatible predict endpoint, which takes rows of any width.
const IRIS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']
const IRIS_LABELS = { sepal_length: 'Sepal length (cm)', sepal_width: 'Sepal width (cm)', petal_length: 'Petal length (cm)', petal_width: 'Petal width (cm)' }
const served = new Map([['iris', { name: 'iris', version: '1', features: IRIS, classes: ['setosa', 'versicolor', 'virginica'] }]])
/** Values typed per feature name, kept when the form switches models and back. */
const remembered = {}
const isIris = (m) => m.features.length === IRIS.length && m.features.every((f, i) => f === IRIS[i])

function renderFeatures (model) {
  const fieldset = $('#predict-features')
  if (fieldset.dataset.model === model.name) return
  for (const input of fieldset.querySelectorAll('input')) remembered[input.name] = input.value
  const legend = fieldset.querySelector('legend')
  legend.querySelector('span').textContent = model.name
  fieldset.replaceChildren(legend, ...model.features.map((f) => {
    const label = document.createElement('label')
    const input = Object.assign(document.createElement('input'), { name: f, type: 'number', step: 'any', required: true, value: remembered[f] ?? '0' })
    label.append(`${IRIS_LABELS[f] ?? f} `, input)
    return label
  }))
  fieldset.dataset.model = model.name
}

$('#predict-model').addEventListener('change', (event) => {
  const model = served.get(event.target.value)
  if (model !== undefined) renderFeatures(model)
  show($('#iris-result'), '')
  $('#iris-chart-box').hidden = true
})

$('#iris-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = new FormData(event.target)
  const model = served.get(form.get('model'))
  const values = model.features.map((f) => Number(form.get(f)))
  const button = event.target.querySelector('button[type="submit"]')
  button.disabled = true
  show($('#iris-result'), `Asking ${model.name}…`, 'loading')
  try {
    let probabilities, text
    if (isIris(model)) {
      const body = Object.fromEntries(IRIS.map((f, i) => [f, values[i]]))
      const r = await api(`/api/v1/classify?model=${encodeURIComponent(model.name)}`, { method: 'POST', body: JSON.stringify(body) })
      probabilities = r.probabilities
      text = `Predicted class: ${r.predicted_class} (confidence ${(r.confidence * 100).toFixed(1)} %, model ${r.model.name} v${r.model.version})${r.warnings.length ? ' — ' + r.warnings.join('; ') : ''}`
    } else {
      const r = await api(`/v1/models/${encodeURIComponent(model.name)}:predict`, { method: 'POST', body: JSON.stringify({ instances: [values] }) })
      probabilities = [r.predictions[0]].flat()
      if (probabilities.length === 1) {
        text = `P(${model.classes[0] ?? 'class 1'}) = ${probabilities[0].toFixed(4)} (model ${model.name} v${model.version})`
      } else {
        const best = probabilities.indexOf(Math.max(...probabilities))
        text = `Predicted class: ${model.classes[best] ?? best} (confidence ${(probabilities[best] * 100).toFixed(1)} %, model ${model.name} v${model.version})`
      }
    }
    show($('#iris-result'), text, 'ok')
    $('#iris-chart-box').hidden = false
    barChart('iris-chart', model.classes.length === probabilities.length ? model.classes : probabilities.map((_, i) => `class ${i}`), probabilities, 'probability', { scales: { y: { min: 0, max: 1 } } })
  } catch (err) {
    $('#iris-chart-box').hidden = true
    show($('#iris-result'), `Classification failed: ${err.message}`, 'error')
  } finally {
    button.disabled = false
  }
})

$('#simple-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = new FormData(event.target)
  show($('#simple-result'), 'Asking simple_classifier@production…', 'loading')
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
  you.className = 'you'
  you.textContent = `You: ${prompt}`
  // The assistant's line is added with its first token, so a failed call leaves no empty answer.
  const bot = document.createElement('li')
  bot.textContent = 'Assistant: '
  let answered = false
  $('#chat-log').append(you)
  show($('#chat-status'), 'Waiting for the model…', 'loading')
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
        const token = chunk.response ?? chunk.message?.content ?? chunk.choices?.[0]?.delta?.content ?? chunk.token ?? ''
        if (!answered && token !== '') { $('#chat-log').append(bot); answered = true; show($('#chat-status'), 'Streaming…', 'loading') }
        bot.textContent += token
      }
    }
    if (!answered) { bot.textContent = 'Assistant: (empty answer)'; $('#chat-log').append(bot) }
    show($('#chat-status'), 'Done', 'ok')
  } catch (err) {
    // The upstream's error in the conversation itself, where the answer would have been.
    const failure = document.createElement('li')
    failure.className = 'chat-error'
    failure.textContent = answered ? `Answer cut short: ${err.message}` : `No answer: ${err.message}`
    $('#chat-log').append(failure)
    show($('#chat-status'), `Chat failed: ${err.message}`, 'error')
  }
})

// Models: what the gateway serves and what answers by default. A model name without a version is
// answered by that model's default version (the newest loaded); a request naming no model goes to
// the gateway's DEFAULT_MODEL; registry versions are served under `<name>@registry` for an alias.
function cells (row, values) {
  for (const v of values) {
    const td = document.createElement('td')
    td.textContent = String(v)
    row.append(td)
  }
  return row
}

function servesText (m, onnx, registry) {
  if (!m.loaded) return `not loaded: ${m.error}`
  if (m.name.endsWith('@registry')) {
    const base = m.name.slice(0, -'@registry'.length)
    const aliases = (registry?.served ?? []).filter((s) => s.model === base && String(s.version) === String(m.version)).map((s) => s.alias)
    return aliases.length === 0 ? `registry version of ${base}` : `registry alias ${aliases.join(', ')} of ${base}`
  }
  if (!m.default) return `only when asked for: ?model=${m.name}&version=${m.version}`
  return m.name === onnx.default_model ? `default version of ${m.name}; the gateway's default model` : `default version of ${m.name}`
}

async function loadModels () {
  const list = $('#models-list')
  show($('#models-summary'), 'Loading…', 'loading')
  try {
    const health = await api('/health')
    const onnx = health.dependencies.onnx ?? { models: [] }
    show($('#models-summary'), `Requests that name no model are answered by ${onnx.default_model}. A model named without a version is answered by its newest loaded version; registry aliases are served as <name>@registry.`)
    const table = document.createElement('table')
    table.innerHTML = '<caption>Served ONNX models</caption><thead><tr><th scope="col">Model</th><th scope="col">Version</th><th scope="col">Serves</th><th scope="col">Features</th><th scope="col">Queue</th></tr></thead>'
    const body = document.createElement('tbody')
    for (const m of onnx.models) {
      const row = cells(document.createElement('tr'), [m.name, m.version, servesText(m, onnx, health.dependencies.registry), (m.features ?? []).join(', '), m.loaded ? m.queue_depth : ''])
      row.dataset.model = `${m.name}/${m.version}`
      body.append(row)
    }
    table.append(body)
    list.replaceChildren(table)
  } catch (err) {
    show($('#models-summary'), `Cannot read /health: ${err.message}`, 'error')
    list.replaceChildren()
  }
}

// The registry's versions need the admin token, so they are listed on request, not on page load.
$('#registry-list').addEventListener('click', async () => {
  const box = $('#registry-versions')
  const token = $('#promote-form').elements.token.value
  box.className = 'status-loading'
  box.textContent = 'Loading the registry…'
  try {
    const headers = { authorization: `Bearer ${token}` }
    const table = await registryTable(await api('/api/v1/registry/models', { headers }), headers)
    box.className = ''
    box.replaceChildren(table)
  } catch (err) {
    box.className = 'unavailable'
    box.textContent = `Registry: ${err.message}`
  }
})

// The registry as a table: one row per version with its stage, metrics and aliases, and which alias
// this gateway serves it for.
async function registryTable (list, headers) {
  const table = document.createElement('table')
  table.innerHTML = '<caption>Registry versions</caption><thead><tr><th scope="col">Model</th><th scope="col">Version</th><th scope="col">Stage</th><th scope="col">Metrics</th><th scope="col">Aliases</th><th scope="col">Served here</th></tr></thead>'
  const body = document.createElement('tbody')
  for (const m of list.models) {
    const { versions } = await api(`/api/v1/registry/models/${encodeURIComponent(m.name)}/versions`, { headers })
    for (const v of versions) {
      const metrics = Object.entries(v.metrics).map(([k, x]) => `${k}=${Number(x.toFixed(4))}`).join(', ')
      const servedFor = list.served.filter((s) => s.model === m.name && s.version === v.version).map((s) => `as ${m.name}@registry (alias ${s.alias})`)
      const row = cells(document.createElement('tr'), [m.name, v.version, v.stage, metrics, v.aliases.join(', '), servedFor.join('; ') || 'no'])
      row.dataset.version = `${m.name}/${v.version}`
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
    if ($('#registry-versions').childElementCount > 0) $('#registry-list').click()
  } catch (err) {
    show($('#promote-status'), `Alias not moved: ${err.message}`, 'error')
  }
})

// Drift: the report's verdict, scores per feature, and its histograms (the HTML report's SVGs, whose
// x axes are clipped to the 1st-99th percentile with a margin; the values beyond are counted on each).
const fmt = (x) => typeof x !== 'number' ? String(x) : x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : String(Number(x.toPrecision(4)))

async function loadDrift () {
  const limit = Number($('#drift-limit').value) || 100
  const features = $('#drift-features')
  show($('#drift-verdict'), 'Loading the drift report…', 'loading')
  try {
    const r = await api(`/api/v1/drift-report?limit=${limit}`)
    const status = r.recommendations.monitoring_status
    show($('#drift-verdict'), `Verdict: ${status} — ${r.drift_analysis.drift_detected ? 'drift detected' : 'no drift detected'} (overall score ${r.drift_analysis.overall_drift_score}, ${r.data_summary.analyzed_samples} rows vs ${r.data_summary.reference_samples} reference rows)`, r.drift_analysis.drift_detected ? 'error' : 'ok')
    const scores = Object.entries(r.drift_analysis.feature_drift_scores ?? {})
    const table = document.createElement('table')
    table.innerHTML = '<caption>Per feature</caption><thead><tr><th scope="col">Feature</th><th scope="col">Test</th><th scope="col">Score</th><th scope="col">Threshold</th><th scope="col">Verdict</th></tr></thead>'
    const body = document.createElement('tbody')
    for (const [name, f] of scores) {
      const row = cells(document.createElement('tr'), [name, f.statistical_test, `${f.score_kind ?? 'score'} ${fmt(f.drift_score)}`, fmt(f.threshold), f.drift_detected ? 'drifted' : 'stable'])
      row.dataset.feature = name
      row.lastChild.className = f.drift_detected ? 'status-error' : 'status-ok'
      body.append(row)
    }
    table.append(body)
    features.replaceChildren(...(scores.length === 0 ? [] : [table]))
    const html = await fetch(`/api/v1/drift-report?limit=${limit}&format=html`).then((res) => res.ok ? res.text() : '')
    // The HTML report's per-feature sections: heading, verdict and the reference-vs-current histogram.
    const doc = new DOMParser().parseFromString(html, 'text/html')
    $('#drift-histograms').replaceChildren(...[...doc.querySelectorAll('section.feature')].map((section) => {
      const figure = document.createElement('figure')
      if (section.classList.contains('drifted')) figure.className = 'drifted'
      const caption = document.createElement('figcaption')
      const detail = document.createElement('small')
      // The report prints p-values in full; four significant digits read better here.
      detail.textContent = (section.querySelector('p')?.textContent ?? '').replace(/\d+\.\d{5,}(e-?\d+)?/g, (x) => fmt(Number(x)))
      caption.append(section.querySelector('h2')?.textContent ?? '', detail)
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
    $('#serving-chart-box').hidden = false
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
  show($('#cache-status'), 'Loading…', 'loading')
  try {
    const r = await api('/api/v1/cache/stats')
    show($('#cache-status'), `Exact hit ratio ${(r.exact.hit_ratio * 100).toFixed(1)} % (${r.exact.hits} hits, ${r.exact.misses} misses); semantic hit ratio ${(r.semantic.hit_ratio * 100).toFixed(1)} % (${r.semantic.hits} hits); ${r.overall.latency_saved_ms} ms saved`, 'ok')
    const bins = r.semantic.similarity_histogram ?? []
    const lookups = bins.reduce((a, b) => a + b.count, 0)
    // An empty histogram is said in words rather than drawn as an empty chart.
    $('#cache-note').textContent = lookups === 0 ? 'No semantic lookups yet: the histogram of best similarities appears after the first LLM prompt.' : `${lookups} semantic lookups by the best similarity found:`
    $('#cache-chart-box').hidden = lookups === 0
    if (lookups > 0) barChart('cache-chart', bins.map((b) => `${b.from}–${b.to}`), bins.map((b) => b.count), 'semantic lookups by best similarity')
  } catch (err) {
    show($('#cache-status'), `Cache statistics: ${err.message}`, 'error')
  }
}

// Health: every dependency with its state, and its details as `key: value` lines (models by name
// and version, served aliases as model@alias → version) rather than raw JSON.
function detailItem (x) {
  if (typeof x !== 'object' || x === null) return String(x)
  if ('name' in x && 'version' in x) return `${x.name} v${x.version}${x.loaded === false ? ` (not loaded: ${x.error})` : ''}`
  if ('model' in x && 'alias' in x) return `${x.model}@${x.alias} → v${x.version}`
  return JSON.stringify(x)
}

function detailLines (details) {
  return Object.entries(details).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => {
    if (Array.isArray(v)) return `${k}: ${v.length === 0 ? 'none' : v.map(detailItem).join('; ')}`
    return `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`
  }).join('\n') || '—'
}

async function loadHealth () {
  show($('#health-overall'), 'Loading…', 'loading')
  let r
  try {
    // /health answers 503 with the same body when the gateway is down: the body is what to show.
    const res = await fetch('/health')
    r = await res.json()
  } catch (err) {
    show($('#health-overall'), `Cannot read /health: ${err.message}`, 'error')
    return
  }
  show($('#health-overall'), `Gateway status: ${r.status}`, r.status)
  const rows = Object.entries(r.dependencies).map(([name, d]) => {
    const tr = document.createElement('tr')
    tr.dataset.dependency = name
    const { status, critical, ...details } = d
    for (const [i, v] of [name, status, detailLines(details)].entries()) {
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

// The model picker lists what the gateway really serves, each with its features (iris until /health answers).
api('/health').then((health) => {
  const onnx = health.dependencies.onnx
  const registry = health.dependencies.registry
  const loaded = (onnx?.models ?? []).filter((m) => m.loaded && m.default && Array.isArray(m.features))
  if (loaded.length === 0) return
  served.clear()
  const select = $('#predict-model')
  const current = select.value
  select.replaceChildren(...loaded.map((m) => {
    served.set(m.name, m)
    const note = m.name === onnx.default_model ? ' (default)' : m.name.endsWith('@registry') ? ` (${servesText(m, onnx, registry)})` : ''
    return new Option(`${m.name} v${m.version}${note}`, m.name)
  }))
  select.value = served.has(current) ? current : served.has(onnx.default_model) ? onnx.default_model : loaded[0].name
  renderFeatures(served.get(select.value))
}).catch((err) => show($('#iris-result'), `Cannot list the served models: ${err.message}`, 'error'))
