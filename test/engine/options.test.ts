import { expect } from 'chai'

import { createAsyncExecutor } from '../../src/engine/executors/async-executor.js'
import {
  ENGINE_DEFAULTS,
  engineOptionsFromFlags,
  resolveEngineOptions,
} from '../../src/engine/options.js'
import { isKbenchError } from '../../src/errors.js'

const executor = createAsyncExecutor(() => {})

describe('the engine options', () => {
  it('buffers four times the concurrency unless told otherwise', () => {
    const options = resolveEngineOptions({ executor, concurrency: 10 })

    expect(options.maxBuffered).to.equal(40)
    expect(options.ordering).to.equal('key')
    expect(options.commitIntervalMs).to.equal(ENGINE_DEFAULTS.commitIntervalMs)
    expect(options.maxRetries).to.equal(3)
    expect(options.onFailure).to.equal('fail')
  })

  it('reads the mode flags, durations included', () => {
    const options = resolveEngineOptions(
      engineOptionsFromFlags(
        {
          concurrency: 8,
          ordering: 'partition',
          'max-buffered': 100,
          'commit-interval': '2s',
          'max-retries': 0,
          'on-failure': 'skip',
        },
        executor,
      ),
    )

    expect(options).to.include({
      concurrency: 8,
      ordering: 'partition',
      maxBuffered: 100,
      commitIntervalMs: 2000,
      maxRetries: 0,
      onFailure: 'skip',
    })
  })

  it('rejects an ordering it does not know with a usage error', () => {
    let failure: unknown
    try {
      resolveEngineOptions({ executor, ordering: 'by-colour' as 'key' })
    } catch (error) {
      failure = error
    }

    expect(isKbenchError(failure) && failure.code).to.equal('INVALID_ENGINE_OPTION')
    expect(String(failure)).to.match(/key, partition, unordered/)
  })
})
