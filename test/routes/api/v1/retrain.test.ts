// Retraining with the accuracy gate through the gateway, and seed 002's /predict in both input forms.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp } from '../../../helpers/app.js'

const auth = { authorization: 'Bearer retrain-admin-token' }

t.test('gate promotes a good candidate, rejects a bad one; /predict follows production', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-retrain-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const configPath = join(dir, 'config.json')
  await writeFile(configPath, JSON.stringify({ model_name: 'simple_classifier', gate: { min_accuracy_percent: 97 }, train: { epochs: 20, batch_size: 32, learning_rate: 0.1, seed: 42 } }))
  const notifications = join(dir, 'notifications.log')
  const trainLog = join(dir, 'last_train_log.txt')
  const app = await buildTestApp(t, {
    ADMIN_TOKEN: 'retrain-admin-token', REGISTRY_DIR: join(dir, 'registry'), RETRAIN_CONFIG: configPath, NOTIFICATIONS_LOG: notifications, TRAIN_LOG: trainLog, REGISTRY_RETIRE_GRACE_MS: '0'
  })

  const none = await app.inject({ method: 'POST', url: '/predict', payload: { instances: [[1, 1]] } })
  t.equal(none.statusCode, 404, 'no production model yet')
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/retrain' })).statusCode, 401)

  const good = await app.inject({ method: 'POST', url: '/api/v1/retrain', headers: auth })
  t.equal(good.statusCode, 200, good.body)
  const g = good.json()
  t.equal(g.decision, 'promoted')
  t.equal(g.version, '1')
  t.ok(g.accuracy_percent >= 97, `accuracy ${g.accuracy_percent}`)
  t.equal(g.production, null)
  let log = await readFile(notifications, 'utf8')
  t.match(log, new RegExp(`PROMOTED model=simple_classifier version=1 accuracy=${g.accuracy_percent}% production=none`))
  const train = await readFile(trainLog, 'utf8')
  t.match(train, /epoch 20\/20 loss=\d/)
  t.match(train, /PROMOTED simple_classifier v1/)

  const json = await app.inject({ method: 'POST', url: '/predict', payload: { instances: [[1.5, 2.3], [-0.8, -1.2]] } })
  t.equal(json.statusCode, 200, json.body)
  const [[p1], [p2]] = json.json().predictions
  t.ok(p1 > 0.9 && p1 <= 1, `positive cluster p=${p1}`)
  t.ok(p2 < 0.1 && p2 >= 0, `negative cluster p=${p2}`)
  t.same(json.json().model, { name: 'simple_classifier', version: '1' })
  const form = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'x1=1.5&x2=2.3' })
  t.equal(form.statusCode, 200, form.body)
  t.same(form.json().predictions, [[p1]], 'form fields give the same answer as JSON')
  const badForm = await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'x1=abc&x2=1' })
  t.equal(badForm.statusCode, 400)
  t.match(badForm.json().message, /x1|instances/)
  const badJson = await app.inject({ method: 'POST', url: '/predict', payload: { instances: [[1, 2, 3]] } })
  t.equal(badJson.statusCode, 400)

  // epochs 0: weights stay 0, every probability is 0.5, accuracy 50%: the gate rejects it.
  const bad = await app.inject({ method: 'POST', url: '/api/v1/retrain', headers: auth, payload: { epochs: 0 } })
  const b = bad.json()
  t.equal(b.decision, 'rejected')
  t.equal(b.version, '2', 'a rejected candidate is still registered, for the record')
  t.equal(b.accuracy_percent, 50)
  t.same(b.production, { version: '1', accuracy_percent: g.accuracy_percent })
  t.same(b.reasons, ['accuracy 50% < gate 97%', `accuracy 50% < production v1 ${g.accuracy_percent}%`])
  log = await readFile(notifications, 'utf8')
  t.equal(log.trim().split('\n').length, 2)
  t.match(log.trim().split('\n')[1], /REJECTED model=simple_classifier version=2 accuracy=50% production=v1:.*reasons="accuracy 50% < gate 97%/)
  t.match(await readFile(trainLog, 'utf8'), /REJECTED simple_classifier v2/)
  const versions = (await app.inject({ method: 'GET', url: '/api/v1/registry/models/simple_classifier/versions', headers: auth })).json().versions
  t.same(versions.map((v: { tags: { gate: string }, aliases: string[] }) => [v.tags.gate, v.aliases]), [['passed', ['production']], ['rejected', []]])
  t.equal((await app.inject({ method: 'POST', url: '/predict', payload: { instances: [[1, 1]] } })).json().model.version, '1', 'still serving v1')

  // A second good candidate (other seed) is at least as good as production: promoted and hot-reloaded.
  const again = (await app.inject({ method: 'POST', url: '/api/v1/retrain', headers: auth, payload: { seed: 7, epochs: 30 } })).json()
  t.equal(again.decision, again.accuracy_percent >= g.accuracy_percent ? 'promoted' : 'rejected')
  const served = (await app.inject({ method: 'POST', url: '/predict', payload: { instances: [[1, 1]] } })).json().model.version
  t.equal(served, again.decision === 'promoted' ? '3' : '1')
})
