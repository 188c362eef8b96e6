import { expect } from 'chai'

import { type Ordering, Scheduler } from '../../src/engine/scheduler.js'

interface Work {
  partition: number
  key: string | null
  seq: number
}

/** A scheduler whose running items finish only when the test says so. */
function harness(ordering: Ordering, concurrency: number) {
  const started: Work[] = []
  const finishers = new Map<Work, () => void>()
  let peakInFlight = 0

  const scheduler = new Scheduler<Work>({
    ordering,
    concurrency,
    run: (work) =>
      new Promise<void>((resolve) => {
        started.push(work)
        finishers.set(work, resolve)
        peakInFlight = Math.max(peakInFlight, scheduler.inFlight)
      }),
  })

  const enqueue = (partition: number, key: string | null, seq: number) =>
    scheduler.enqueue({
      partition,
      key: key === null ? null : Buffer.from(key),
      item: { partition, key, seq },
    })

  /** Finishes every running item and waits until the scheduler took the freed slots. */
  const finishRunning = async () => {
    const running = [...finishers]
    finishers.clear()
    for (const [, finish] of running) finish()
    await new Promise((resolve) => setImmediate(resolve))
  }

  return {
    scheduler,
    started,
    enqueue,
    finishRunning,
    running: () => [...finishers.keys()],
    peakInFlight: () => peakInFlight,
  }
}

describe('the scheduler', () => {
  it('runs the messages of one key one at a time, in the order they were queued', async () => {
    const h = harness('key', 8)
    for (let seq = 0; seq < 5; seq++) h.enqueue(0, 'a', seq)

    for (let seq = 0; seq < 5; seq++) {
      expect(h.running().map((work) => work.seq)).to.deep.equal([seq])
      await h.finishRunning()
    }

    expect(h.scheduler.buffered).to.equal(0)
    expect(h.scheduler.unitCount).to.equal(0)
  })

  it('runs different keys side by side', () => {
    const h = harness('key', 8)
    for (const key of ['a', 'b', 'c']) h.enqueue(0, key, 0)

    expect(h.running().map((work) => work.key)).to.deep.equal(['a', 'b', 'c'])
  })

  it('orders messages without a key by their partition', () => {
    const h = harness('key', 8)
    h.enqueue(0, null, 0)
    h.enqueue(0, null, 1)
    h.enqueue(1, null, 0)

    expect(h.running().map((work) => [work.partition, work.seq])).to.deep.equal([
      [0, 0],
      [1, 0],
    ])
  })

  it('runs one message at a time per partition under partition ordering', async () => {
    const h = harness('partition', 8)
    for (let seq = 0; seq < 3; seq++) {
      h.enqueue(0, `k${seq}`, seq)
      h.enqueue(1, `k${seq}`, seq)
    }

    for (let seq = 0; seq < 3; seq++) {
      expect(h.running().map((work) => [work.partition, work.seq])).to.deep.equal([
        [0, seq],
        [1, seq],
      ])
      await h.finishRunning()
    }
  })

  it('never has more than the concurrency in flight', async () => {
    const h = harness('unordered', 5)
    for (let seq = 0; seq < 100; seq++) h.enqueue(seq % 4, `k${seq}`, seq)

    while (h.started.length < 100) await h.finishRunning()
    await h.finishRunning()

    expect(h.peakInFlight()).to.equal(5)
    expect(h.scheduler.buffered).to.equal(0)
  })

  it('fills the concurrency from one partition when messages are unordered', () => {
    const h = harness('unordered', 16)
    for (let seq = 0; seq < 40; seq++) h.enqueue(0, 'same-key', seq)

    expect(h.scheduler.inFlight).to.equal(16)
    expect(h.scheduler.queued).to.equal(24)
  })

  it('serves every ready unit within one round, however many messages a hot one has queued', async () => {
    const h = harness('unordered', 1)
    for (let seq = 0; seq < 50; seq++) h.enqueue(0, 'hot', seq)
    h.enqueue(1, 'cold', 0)
    h.enqueue(2, 'cold', 0)

    while (h.running().length > 0) await h.finishRunning()

    const firstCold = h.started.findIndex((work) => work.key === 'cold')
    const lastCold = h.started.findLastIndex((work) => work.key === 'cold')
    expect(firstCold).to.be.within(1, 2)
    expect(lastCold).to.be.at.most(3)
  })

  it('takes keys in turn under key ordering when slots are scarce', async () => {
    const h = harness('key', 2)
    for (let seq = 0; seq < 3; seq++) {
      for (const key of ['a', 'b', 'c', 'd']) h.enqueue(0, key, seq)
    }

    while (h.running().length > 0) await h.finishRunning()

    const rounds = [0, 1, 2].map((seq) =>
      h.started.filter((work) => work.seq === seq).map((work) => work.key),
    )
    expect(h.started.slice(0, 4).map((work) => work.seq)).to.deep.equal([0, 0, 0, 0])
    expect(rounds.every((keys) => keys.length === 4)).to.equal(true)
  })

  it('starts nothing while on hold and resumes on release', () => {
    const h = harness('key', 4)
    h.scheduler.hold()
    h.enqueue(0, 'a', 0)

    expect(h.scheduler.inFlight).to.equal(0)

    h.scheduler.release()
    expect(h.scheduler.inFlight).to.equal(1)
  })

  it('drops the queued messages of a revoked partition and keeps the others', async () => {
    const h = harness('key', 1)
    h.enqueue(0, 'a', 0)
    h.enqueue(0, 'a', 1)
    h.enqueue(0, 'b', 0)
    h.enqueue(1, 'a', 0)

    expect(h.scheduler.dropPartition(0)).to.equal(2)
    expect(h.scheduler.buffered).to.equal(2)

    while (h.running().length > 0) await h.finishRunning()
    expect(h.started.map((work) => [work.partition, work.key, work.seq])).to.deep.equal([
      [0, 'a', 0],
      [1, 'a', 0],
    ])
    expect(h.scheduler.unitCount).to.equal(0)
  })

  it('keeps a new message of a revoked key waiting until the old one finishes', async () => {
    const h = harness('key', 4)
    h.enqueue(0, 'a', 0)
    h.scheduler.dropPartition(0)
    h.enqueue(0, 'a', 1)

    expect(h.running().map((work) => work.seq)).to.deep.equal([0])

    await h.finishRunning()
    expect(h.running().map((work) => work.seq)).to.deep.equal([1])
  })
})
