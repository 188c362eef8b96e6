import { expect } from 'chai'
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'

import {
  createProcessPool,
  type ProcessPoolExecutor,
  type ProcessPoolOptions,
} from '../../../src/engine/executors/process-pool.js'
import { isKbenchError, type KbenchError } from '../../../src/errors.js'
import type { HandlerMessage } from '../../../src/workload/handler.js'

function message(offset: number | string, value = `value-${offset}`): HandlerMessage {
  return {
    topic: 'kbench-pool',
    partition: 0,
    offset: String(offset),
    key: null,
    value: Buffer.from(value),
    headers: {},
  }
}

/** The error a promise rejects with, or a failure when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<KbenchError> {
  try {
    await promise
  } catch (error) {
    return error as KbenchError
  }

  throw new Error('expected a rejection, but the promise resolved')
}

/** Polls `condition` every 20 ms until it holds, failing after `timeoutMs`. */
async function until(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`${what} did not happen in ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Whether a process runs: a zombie that an orphan's new parent has not reaped yet does not. */
async function isRunning(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')

  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).to.equal('ESRCH')
    return false
  }
}

/** The worker processes this test process has now, found in /proc. */
async function workerChildren(): Promise<number[]> {
  const found: number[] = []
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue

    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    if (parent !== process.pid) continue

    const commandLine = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
    if (commandLine.includes('process-worker')) found.push(Number(entry))
  }

  return found
}

describe('the process pool executor', function () {
  this.timeout(60_000)

  let directory: string
  let pools: ProcessPoolExecutor[]
  let parents: ChildProcess[]

  async function pool(options: ProcessPoolOptions): Promise<ProcessPoolExecutor> {
    const created = await createProcessPool({ workers: 2, ...options })
    pools.push(created)

    return created
  }

  /** Writes a handler module into the test's directory and returns its path. */
  async function handlerModule(name: string, source: string): Promise<string> {
    const file = path.join(directory, name)
    await fs.writeFile(file, source)

    return file
  }

  beforeEach(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'kbench-pool-'))
    pools = []
    parents = []
  })

  afterEach(async () => {
    // A parent script that a failed test left running is killed, and its pool's exit hook
    // takes its workers down with it.
    for (const parent of parents) if (parent.exitCode === null) parent.kill('SIGTERM')
    await Promise.all(pools.map((created) => created.close()))
    await fs.rm(directory, { recursive: true, force: true })
  })

  it('resolves every message with start and finish times from the parent clock', async () => {
    const executor = await pool({ workSpec: 'noop', batchSize: 16 })

    const before = performance.now()
    const timings = await Promise.all(
      Array.from({ length: 500 }, (_, offset) => executor.execute(message(offset))),
    )
    const after = performance.now()

    expect(timings).to.have.length(500)
    for (const timing of timings) {
      expect(timing.startedAt).to.be.at.least(before)
      expect(timing.finishedAt).to.be.at.least(timing.startedAt)
      expect(timing.finishedAt).to.be.at.most(after)
    }
  })

  it('sends a lone message at once to an idle worker instead of waiting for a batch', async () => {
    const executor = await pool({ workSpec: 'noop', batchSize: 64, batchWaitMs: 5000 })

    const called = performance.now()
    const timing = await executor.execute(message(0))
    const latency = timing.finishedAt - called

    expect(latency).to.be.below(500)
  })

  it('runs messages on two workers at the same time', async () => {
    const module = await handlerModule(
      'spin.mjs',
      `import fs from 'node:fs'
export default function (message) {
  const started = performance.timeOrigin + performance.now()
  while (performance.timeOrigin + performance.now() - started < 400) {}
  const finished = performance.timeOrigin + performance.now()
  fs.writeFileSync(${JSON.stringify(directory)} + '/ran-' + message.offset + '.json',
    JSON.stringify({ pid: process.pid, started, finished }))
}
`,
    )
    const executor = await pool({ workSpec: `module:${module}` })

    const [first, second] = await Promise.all([
      executor.execute(message(1)),
      executor.execute(message(2)),
    ])
    const runs = await Promise.all(
      [1, 2].map(async (offset) =>
        JSON.parse(await fs.readFile(path.join(directory, `ran-${offset}.json`), 'utf8')),
      ),
    )

    expect(runs[0].pid).to.not.equal(runs[1].pid)
    expect(runs[0].started).to.be.below(runs[1].finished)
    expect(runs[1].started).to.be.below(runs[0].finished)
    expect(first!.startedAt).to.be.below(second!.finishedAt)
    expect(second!.startedAt).to.be.below(first!.finishedAt)
  })

  it('loads a module handler in the workers, resolving a relative path against the cwd', async () => {
    const module = await handlerModule(
      'record.mjs',
      `import fs from 'node:fs'
export async function handler(message) {
  fs.appendFileSync(${JSON.stringify(directory)} + '/handled.txt',
    process.pid + ' ' + message.value.toString() + '\\n')
}
`,
    )
    const executor = await pool({ workSpec: `module:${path.relative(process.cwd(), module)}` })

    await Promise.all([0, 1, 2, 3, 4, 5].map((offset) => executor.execute(message(offset))))
    const lines = (await fs.readFile(path.join(directory, 'handled.txt'), 'utf8'))
      .trim()
      .split('\n')
    const pids = lines.map((line) => Number(line.split(' ')[0]))
    const values = lines.map((line) => line.split(' ')[1]).sort()

    expect(values).to.deep.equal([0, 1, 2, 3, 4, 5].map((offset) => `value-${offset}`))
    for (const pid of pids) {
      expect(executor.pids()).to.include(pid)
      expect(pid).to.not.equal(process.pid)
    }
  })

  it('fails to start with a clear error when the handler module does not exist', async () => {
    const missing = path.join(directory, 'does-not-exist.mjs')

    const error = await rejection(createProcessPool({ workers: 2, workSpec: `module:${missing}` }))

    expect(isKbenchError(error)).to.equal(true)
    expect(error.code).to.equal('HANDLER_NOT_FOUND')
    expect(error.message).to.include(missing)
    expect(await workerChildren()).to.deep.equal([])
  })

  it('rejects only the message whose handler failed, with the handler error message', async () => {
    const module = await handlerModule(
      'fails.mjs',
      `export default async function (message) {
  if (message.offset === '3') throw new TypeError('bad payload at 3')
}
`,
    )
    const executor = await pool({ workSpec: `module:${module}` })

    const results = await Promise.allSettled(
      [0, 1, 2, 3, 4, 5].map((offset) => executor.execute(message(offset))),
    )

    expect(results.map((result) => result.status)).to.deep.equal([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ])
    const reason = (results[3] as PromiseRejectedResult).reason as Error
    expect(reason.message).to.equal('bad payload at 3')
    expect(reason.name).to.equal('TypeError')
    expect(executor.stats().workerRestarts).to.equal(0)
  })

  it('replaces a worker that exits and handles its messages on another', async () => {
    const marker = path.join(directory, 'crashed')
    const module = await handlerModule(
      'crash-once.mjs',
      `import fs from 'node:fs'
export default function (message) {
  if (message.offset === '5' && !fs.existsSync(${JSON.stringify(marker)})) {
    fs.writeFileSync(${JSON.stringify(marker)}, String(process.pid))
    process.exit(1)
  }
  fs.appendFileSync(${JSON.stringify(directory)} + '/handled.txt', message.offset + '\\n')
}
`,
    )
    const executor = await pool({ workSpec: `module:${module}`, batchSize: 4 })
    const before = executor.pids()

    const timings = await Promise.all(
      Array.from({ length: 20 }, (_, offset) => executor.execute(message(offset))),
    )
    const crashed = Number(await fs.readFile(marker, 'utf8'))
    const handled = (await fs.readFile(path.join(directory, 'handled.txt'), 'utf8')).split('\n')

    expect(timings).to.have.length(20)
    expect(handled).to.include('5')
    expect(before).to.include(crashed)
    expect(executor.pids()).to.not.include(crashed)
    expect(executor.pids()).to.have.length(2)
    expect(executor.stats().workerRestarts).to.equal(1)
    expect(executor.stats().redispatched).to.be.at.least(1)
  })

  it('fails a message that crashes every worker it reaches, after the redispatch limit', async () => {
    const module = await handlerModule(
      'poison.mjs',
      `export default function (message) {
  if (message.offset === '7') process.exit(3)
}
`,
    )
    const executor = await pool({ workSpec: `module:${module}`, maxRedispatches: 1 })

    const error = await rejection(executor.execute(message(7)))
    await executor.execute(message(8))

    expect(error.code).to.equal('WORKER_CRASHED')
    expect(error.message).to.include('topic kbench-pool partition 0 offset 7')
    expect(executor.stats().workerRestarts).to.equal(2)
    expect(executor.stats().redispatched).to.equal(1)
  })

  for (const [kind, body] of [
    ['never settles', `return new Promise(() => {})`],
    ['spins forever', `for (;;) {}`],
  ]) {
    it(`times out a handler that ${kind}, kills its worker and keeps serving`, async () => {
      const module = await handlerModule(
        'hang.mjs',
        `export default function (message) {
  if (message.offset === 'hang') { ${body} }
}
`,
      )
      const executor = await pool({ workSpec: `module:${module}`, taskTimeoutMs: 500 })

      const before = executor.pids()

      const started = performance.now()
      const hanging = rejection(executor.execute(message('hang')))
      const others = Promise.all([1, 2, 3, 4].map((offset) => executor.execute(message(offset))))
      const error = await hanging
      const elapsed = performance.now() - started
      await others
      await until('the restart of the killed worker', () => executor.stats().workerRestarts > 0)
      await Promise.all([5, 6, 7, 8].map((offset) => executor.execute(message(offset))))

      expect(error.code).to.equal('TASK_TIMEOUT')
      expect(error.message).to.include('topic kbench-pool partition 0 offset hang')
      expect(elapsed).to.be.within(450, 3000)
      expect(executor.stats().workerRestarts).to.equal(1)
      expect(executor.pids().filter((pid) => before.includes(pid))).to.have.length(1)
    })
  }

  for (const ending of ['is killed', 'is interrupted', 'exits without closing the pool']) {
    it(`leaves no worker process behind when its parent ${ending}`, async () => {
      // A killed parent cannot act: its idle workers see the channel close. Otherwise one
      // worker is kept busy in its handler, deaf to the channel, so the parent must kill it.
      const busy = ending !== 'is killed'
      const spinning = path.join(directory, 'spinning')
      const handler = await handlerModule(
        'spin-on-demand.mjs',
        `import fs from 'node:fs'
export default function (message) {
  if (message.offset !== 'spin') return
  fs.writeFileSync(${JSON.stringify(spinning)}, '')
  for (;;) {}
}
`,
      )
      const poolModule = pathToFileURL(
        fileURLToPath(new URL('../../../src/engine/executors/process-pool.ts', import.meta.url)),
      ).href
      const parentScript = await handlerModule(
        'parent.mjs',
        `import fs from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { createProcessPool } from ${JSON.stringify(poolModule)}
const pool = await createProcessPool({ workers: 2, workSpec: ${JSON.stringify(`module:${handler}`)} })
const message = (offset) => ({ topic: 't', partition: 0, offset, key: null, value: null, headers: {} })
await pool.execute(message('0'))
if (${busy}) {
  pool.execute(message('spin')).catch(() => {})
  while (!fs.existsSync(${JSON.stringify(spinning)})) await sleep(10)
}
console.log(JSON.stringify(pool.pids()))
if (process.argv[2] === 'exits without closing the pool') process.exit(0)
setInterval(() => {}, 1000)
`,
      )
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
      const parent = spawn(process.execPath, ['--import', tsx, parentScript, ending], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      parents.push(parent)
      const exited = once(parent, 'exit')

      const [line] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string]
      const pids = JSON.parse(line) as number[]
      if (ending === 'is killed') parent.kill('SIGKILL')
      if (ending === 'is interrupted') parent.kill('SIGINT')
      const [code, signal] = await exited

      expect(pids).to.have.length(2)
      if (ending === 'is interrupted') expect(signal).to.equal('SIGINT')
      if (ending.startsWith('exits')) expect(code).to.equal(0)
      await until('the end of every worker', async () => {
        const running = await Promise.all(pids.map(isRunning))
        return !running.includes(true)
      })
    })
  }

  it('leaves no worker process behind after close', async () => {
    const executor = await pool({ workSpec: 'cpu:1' })
    const pids = executor.pids()
    await Promise.all([0, 1, 2, 3].map((offset) => executor.execute(message(offset))))

    await executor.close()

    expect(pids).to.have.length(2)
    for (const pid of pids) expect(isAlive(pid), `worker ${pid} is alive`).to.equal(false)
    expect(await workerChildren()).to.deep.equal([])
    expect((await rejection(executor.execute(message(9)))).code).to.equal('POOL_CLOSED')
  })

  it('kills a worker stuck in its handler when it is closed', async () => {
    const module = await handlerModule(
      'stuck.mjs',
      `export default function () { for (;;) {} }
`,
    )
    const executor = await createProcessPool({
      workers: 1,
      workSpec: `module:${module}`,
      closeTimeoutMs: 100,
    })
    const [pid] = executor.pids()
    const stuck = rejection(executor.execute(message(0)))

    await executor.close()

    expect((await stuck).code).to.equal('POOL_CLOSED')
    expect(isAlive(pid!)).to.equal(false)
  })
})
