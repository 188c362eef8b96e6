import { expect } from 'chai'

import { DeliveryVerifier } from '../../src/metrics/verifier.js'

describe('DeliveryVerifier', () => {
  it('counts every produced message as processed exactly once when each arrives once', () => {
    const verifier = new DeliveryVerifier(4, 2)
    verifier.setProduced(4)

    verifier.record(0, 0, 0, 0, '0')
    verifier.record(1, 1, 0, 1, '0')
    verifier.record(2, 0, 1, 0, '1')
    verifier.record(3, 1, 1, 1, '1')

    expect(verifier.complete).to.equal(true)
    expect(verifier.counts()).to.include({
      processed: 4,
      duplicates: 0,
      lost: 0,
      orderViolations: 0,
    })
  })

  it('counts a second delivery as a duplicate and keeps it out of the ordering checks', () => {
    const verifier = new DeliveryVerifier(2, 1)
    verifier.setProduced(2)

    verifier.record(0, 0, 0, 0, '0')
    verifier.record(1, 0, 1, 0, '1')
    expect(verifier.record(0, 0, 0, 0, '0')).to.equal('duplicate')

    expect(verifier.counts()).to.include({ processed: 2, duplicates: 1, orderViolations: 0 })
  })

  it('reports messages never processed as lost', () => {
    const verifier = new DeliveryVerifier(3, 1)
    verifier.setProduced(3)
    verifier.record(0, 0, 0, 0, '0')

    expect(verifier.complete).to.equal(false)
    expect(verifier.counts().lost).to.equal(2)
  })

  it('counts a key processed out of sequence as a key-order violation', () => {
    const verifier = new DeliveryVerifier(3, 1)
    verifier.setProduced(3)

    verifier.record(1, 0, 1, 0, '1')
    verifier.record(0, 0, 0, 0, '0')

    const counts = verifier.counts('key')
    expect(counts.keyOrderViolations).to.equal(1)
    expect(counts.orderViolations).to.equal(1)
  })

  it('judges ordering against the guarantee the mode promises', () => {
    const verifier = new DeliveryVerifier(2, 2)
    verifier.setProduced(2)

    // Two keys on one partition, processed against offset order: fine for key ordering.
    verifier.record(1, 1, 0, 0, '1')
    verifier.record(0, 0, 0, 0, '0')

    expect(verifier.counts('key').orderViolations).to.equal(0)
    expect(verifier.counts('partition').orderViolations).to.equal(1)
    expect(verifier.counts('unordered').orderViolations).to.equal(0)
    expect(verifier.counts('unordered').partitionOrderViolations).to.equal(1)
  })

  it('ignores messages that this run did not produce', () => {
    const verifier = new DeliveryVerifier(1, 1)
    verifier.setProduced(1)

    expect(verifier.record(undefined, 0, 0, 0, '0')).to.equal('foreign')
    expect(verifier.record(7, 0, 0, 0, '1')).to.equal('foreign')
    expect(verifier.counts()).to.include({ processed: 0, foreign: 2, lost: 1 })
  })
})
