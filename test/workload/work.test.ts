import { expect } from 'chai'
import fs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import { KbenchError } from '../../src/errors.js'
import { keySampler } from '../../src/workload/keys.js'
import {
  burnCpu,
  createHandler,
  loadHandlerModule,
  parseWorkSpec,
} from '../../src/workload/work.js'

const message = { topic: 't', partition: 0, offset: '0', key: null, value: null, headers: {} }

describe('--work', () => {
  it('parses every kind of handler', () => {
    expect(parseWorkSpec('noop')).to.deep.equal({ kind: 'noop' })
    expect(parseWorkSpec('sleep:2')).to.deep.equal({ kind: 'sleep', ms: 2 })
    expect(parseWorkSpec('cpu:0.5ms')).to.deep.equal({ kind: 'cpu', ms: 0.5 })
    expect(parseWorkSpec('module:./h.js')).to.deep.equal({ kind: 'module', path: './h.js' })
  })

  it('rejects malformed specs with the accepted syntax in the error', () => {
    for (const bad of ['fast', 'sleep:', 'sleep:-1', 'cpu:abc', 'gpu:2', 'module:']) {
      expect(() => parseWorkSpec(bad), bad).to.throw(KbenchError, /--work/)
    }
  })

  it('makes sleep wait at least its time without blocking the event loop', async () => {
    const handler = await createHandler(parseWorkSpec('sleep:20'))
    let ticked = false
    setImmediate(() => (ticked = true))

    const started = performance.now()
    await handler(message)

    expect(performance.now() - started).to.be.at.least(19)
    expect(ticked).to.equal(true)
  })

  it('makes cpu work a fixed amount that grows with the requested milliseconds', () => {
    const time = (ms: number) => {
      const started = process.cpuUsage()
      burnCpu(ms)
      const used = process.cpuUsage(started)
      return (used.user + used.system) / 1000
    }

    time(5)
    const small = Math.min(time(10), time(10))
    const large = Math.min(time(40), time(40))

    expect(small).to.be.greaterThan(2)
    expect(large / small).to.be.within(2, 8)
  })

  it('loads a module handler from its default export and names a missing module', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kbench-handler-'))
    const file = path.join(dir, 'handler.mjs')
    await fs.writeFile(
      file,
      'export default async (message) => { globalThis.seen = message.offset }\n',
    )

    const handler = await loadHandlerModule(file)
    await handler({ ...message, offset: '42' })
    expect((globalThis as { seen?: string }).seen).to.equal('42')

    const missing = await loadHandlerModule(path.join(dir, 'nope.mjs')).catch(
      (error: unknown) => error,
    )
    expect(missing).to.be.instanceOf(KbenchError)
    expect((missing as KbenchError).message).to.include('nope.mjs')
    await fs.rm(dir, { recursive: true, force: true })
  })
})

describe('keySampler', () => {
  it('draws uniform keys across the whole range', () => {
    const sample = keySampler(10, 'uniform', { seed: 7 })
    const seen = new Set(Array.from({ length: 1000 }, sample))

    expect(seen.size).to.equal(10)
    expect([...seen].every((key) => key >= 0 && key < 10)).to.equal(true)
  })

  it('makes the first keys hot under zipf', () => {
    const sample = keySampler(100, 'zipf', { seed: 7, exponent: 1.2 })
    const counts = new Array<number>(100).fill(0)
    for (let i = 0; i < 10_000; i++) counts[sample()]! += 1

    expect(counts[0]!).to.be.greaterThan(counts[50]! * 20)
  })

  it('repeats the same sequence for the same seed', () => {
    const a = keySampler(50, 'uniform', { seed: 3 })
    const b = keySampler(50, 'uniform', { seed: 3 })

    expect(Array.from({ length: 20 }, a)).to.deep.equal(Array.from({ length: 20 }, b))
  })
})
