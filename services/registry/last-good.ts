// The version each served alias last loaded, remembered in a small JSON file (DATA_DIR/
// registry-serving.json), so that after a restart an alias whose registry target cannot load keeps
// serving that version (services/registry/serving.ts). Writes go through a temporary file and a
// rename, one after another.
import { randomUUID } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'

export interface LastGoodEntry { model: string, alias: string, version: string }

export function createLastGood (path: string | undefined, log: { error: (o: object, msg: string) => void }) {
  const key = (model: string, alias: string) => `${model}\0${alias}`
  /** `${model}\0${alias}` -> the last version that loaded for it. */
  const versions = new Map<string, string>()
  let saving: Promise<void> = Promise.resolve()

  return {
    get: (model: string, alias: string): string | undefined => versions.get(key(model, alias)),
    /** Records a version that loaded for an alias and saves the file (when it changed). */
    remember (model: string, alias: string, version: string): void {
      if (versions.get(key(model, alias)) === version) return
      versions.set(key(model, alias), version)
      if (path === undefined) return
      const entries: LastGoodEntry[] = [...versions].map(([k, v]) => { const [m, a] = k.split('\0'); return { model: m, alias: a, version: v } })
      const body = JSON.stringify({ last_good: entries }, null, 2) + '\n'
      saving = saving.then(async () => {
        const tmp = `${path}.${randomUUID()}.tmp`
        await writeFile(tmp, body)
        await rename(tmp, path)
      }).catch((err: Error) => log.error({ err, path }, 'registry serving state not saved'))
    },
    /** Reads the file (start-up): the remembered entries, none when there is no file or it is unreadable. */
    async load (): Promise<LastGoodEntry[]> {
      if (path === undefined) return []
      let saved: { last_good?: LastGoodEntry[] }
      try {
        saved = JSON.parse(await readFile(path, 'utf8'))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.error({ err, path }, 'registry serving state unreadable; starting without it')
        return []
      }
      const entries = saved.last_good ?? []
      for (const e of entries) versions.set(key(e.model, e.alias), e.version)
      return entries
    }
  }
}
