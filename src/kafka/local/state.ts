import fs from 'node:fs/promises'
import path from 'node:path'

import { ExitCode, KbenchError } from '../../errors.js'
import type { LocalClusterState } from './cluster.js'
import { defaultCacheDir } from './distribution.js'

/** Where `kafka:start` records its cluster: $KBENCH_STATE_DIR, else the cache folder. */
export function stateFile(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.KBENCH_STATE_DIR ? path.resolve(env.KBENCH_STATE_DIR) : defaultCacheDir(env)
  return path.join(dir, 'local-cluster.json')
}

export async function readClusterState(
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalClusterState | undefined> {
  const file = stateFile(env)

  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }

  try {
    return JSON.parse(text) as LocalClusterState
  } catch {
    throw new KbenchError('STATE_CORRUPT', `The local cluster record ${file} is not valid JSON.`, {
      exitCode: ExitCode.Environment,
      suggestions: [`Stop any Kafka process kbench started by hand, then delete ${file}.`],
    })
  }
}

/** Writes the record atomically: a reader never sees half a file. */
export async function writeClusterState(
  state: LocalClusterState,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const file = stateFile(env)
  await fs.mkdir(path.dirname(file), { recursive: true })

  const staging = `${file}.${process.pid}.tmp`
  await fs.writeFile(staging, `${JSON.stringify(state, null, 2)}\n`)
  await fs.rename(staging, file)

  return file
}

export async function clearClusterState(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await fs.rm(stateFile(env), { force: true })
}
