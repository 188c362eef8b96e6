import { expect } from 'chai'

import { resolveWorkload } from '../../src/cli/workload-flags.js'
import { validateConfig } from '../../src/config/load.js'
import { KbenchError } from '../../src/errors.js'

describe('resolveWorkload', () => {
  it('takes flags over the file and the file over the defaults', () => {
    const config = validateConfig({ workload: { messages: 500, keys: 7, work: 'cpu:1' } })
    const workload = resolveWorkload({ messages: 900 }, config, 4)

    expect(workload).to.include({
      messages: 900,
      keys: 7,
      work: 'cpu:1',
      payloadBytes: 256,
      partitions: 4,
    })
    expect(workload.shape).to.equal('backlog')
  })

  it('switches to the rate shape with --rate and --duration and converts a warm-up duration', () => {
    const workload = resolveWorkload(
      { rate: 200, duration: 10_000, warmup: '2s' },
      validateConfig({}),
      1,
    )

    expect(workload).to.include({
      shape: 'rate',
      rate: 200,
      durationMs: 10_000,
      warmupMessages: 400,
    })
  })

  it('refuses a rate without a duration', () => {
    expect(() => resolveWorkload({ rate: 200 }, validateConfig({}), 1)).to.throw(
      KbenchError,
      /--rate and --duration/,
    )
  })

  it('names the bad workload field of the configuration', () => {
    const config = validateConfig({ workload: { work: 'gpu:3' } })

    expect(() => resolveWorkload({}, config, 1, '/x/.benchrc.json')).to.throw(/workload.work/)
  })

  it('maps acks to the protocol values', () => {
    expect(resolveWorkload({ acks: '1' }, validateConfig({}), 1).acks).to.equal(1)
    expect(resolveWorkload({}, validateConfig({}), 1).acks).to.equal(-1)
  })
})
