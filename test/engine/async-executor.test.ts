import { setTimeout as sleep } from 'node:timers/promises'

import { expect } from 'chai'

import { createAsyncExecutor } from '../../src/engine/executors/async-executor.js'
import type { HandlerMessage } from '../../src/workload/handler.js'

const message: HandlerMessage = {
  topic: 'orders',
  partition: 0,
  offset: '7',
  key: Buffer.from('key-1'),
  value: Buffer.from('hello'),
  headers: {},
}

describe('the async executor', () => {
  it('times the handler from its start to its end', async () => {
    const executor = createAsyncExecutor(async () => {
      await sleep(20)
    })

    const before = performance.now()
    const timing = await executor.execute(message)

    expect(timing.startedAt).to.be.at.least(before)
    expect(timing.finishedAt - timing.startedAt).to.be.at.least(15)
    await executor.close()
  })

  it('rejects with the error of a handler that throws or rejects', async () => {
    const throwing = createAsyncExecutor(() => {
      throw new Error('sync failure')
    })
    const rejecting = createAsyncExecutor(async () => {
      throw new Error('async failure')
    })

    const errors = await Promise.all([
      throwing.execute(message).catch((error: Error) => error.message),
      rejecting.execute(message).catch((error: Error) => error.message),
    ])
    expect(errors).to.deep.equal(['sync failure', 'async failure'])
  })
})
