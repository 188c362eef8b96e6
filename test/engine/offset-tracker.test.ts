import { expect } from 'chai'

import { OffsetTracker, PartitionOffsets } from '../../src/engine/offset-tracker.js'

describe('offset tracking', () => {
  describe('one partition', () => {
    it('has nothing to commit before a message is registered', () => {
      expect(new PartitionOffsets().committable()).to.equal(undefined)
    })

    it('commits up to the first message still in progress', () => {
      const offsets = new PartitionOffsets()
      for (let offset = 0n; offset < 5n; offset++) offsets.register(offset)

      expect(offsets.committable()).to.equal(0n)

      offsets.complete(0n)
      offsets.complete(1n)
      expect(offsets.committable()).to.equal(2n)
    })

    it('never commits past a gap left by a message that has not finished', () => {
      const offsets = new PartitionOffsets()
      for (let offset = 10n; offset < 20n; offset++) offsets.register(offset)

      for (let offset = 11n; offset < 20n; offset++) offsets.complete(offset)
      expect(offsets.committable()).to.equal(10n)

      offsets.complete(10n)
      expect(offsets.committable()).to.equal(20n)
    })

    it('reaches the same offset whatever order the completions come in', () => {
      const offsets = new PartitionOffsets()
      const registered = Array.from({ length: 100 }, (_, index) => BigInt(index))
      for (const offset of registered) offsets.register(offset)

      const shuffled = [...registered].sort(() => Math.random() - 0.5)
      let highest = 0n
      for (const offset of shuffled) {
        offsets.complete(offset)
        const committable = offsets.committable()!
        expect(committable >= highest, 'the offset to commit never goes back').to.equal(true)
        highest = committable
      }

      expect(offsets.committable()).to.equal(100n)
    })

    it('commits past offsets that were never fetched, such as compacted records', () => {
      const offsets = new PartitionOffsets()
      offsets.register(3n)
      offsets.register(7n)
      offsets.register(12n)

      offsets.complete(3n)
      expect(offsets.committable()).to.equal(7n)

      offsets.complete(12n)
      offsets.complete(7n)
      expect(offsets.committable()).to.equal(13n)
    })

    it('refuses an offset at or below one already registered', () => {
      const offsets = new PartitionOffsets()
      offsets.register(5n)

      expect(offsets.register(5n)).to.equal(false)
      expect(offsets.register(4n)).to.equal(false)
      expect(offsets.register(6n)).to.equal(true)
    })

    it('refuses to complete an offset that is not in progress', () => {
      const offsets = new PartitionOffsets()
      offsets.register(1n)

      expect(offsets.complete(2n)).to.equal(false)
      expect(offsets.complete(1n)).to.equal(true)
      expect(offsets.complete(1n)).to.equal(false)
    })

    it('keeps memory in proportion to the messages in progress, not to the backlog', () => {
      const offsets = new PartitionOffsets()
      offsets.register(0n)

      for (let offset = 1n; offset <= 200_000n; offset++) {
        offsets.register(offset)
        offsets.complete(offset)
      }

      expect(offsets.committable()).to.equal(0n)
      expect(offsets.pendingCount()).to.equal(1)
      expect(offsets.trackedCount()).to.be.at.most(2 * offsets.pendingCount() + 64)

      offsets.complete(0n)
      expect(offsets.committable()).to.equal(200_001n)
      expect(offsets.trackedCount()).to.equal(0)
    })

    it('keeps memory bounded when completions leave many holes', () => {
      const offsets = new PartitionOffsets()
      for (let offset = 0n; offset < 100_000n; offset++) {
        offsets.register(offset)
        if (offset % 1000n !== 0n) offsets.complete(offset)
      }

      expect(offsets.pendingCount()).to.equal(100)
      expect(offsets.trackedCount()).to.be.at.most(2 * 100 + 64)
    })
  })

  describe('assignments and epochs', () => {
    it('gives a retained partition the same epoch and keeps its progress', () => {
      const tracker = new OffsetTracker()
      const epoch = tracker.assign(0)
      tracker.register(0, epoch, 0n)
      tracker.complete(0, epoch, 0n)

      expect(tracker.assign(0)).to.equal(epoch)
      expect(tracker.committable(0)).to.equal(1n)
    })

    it('fences a completion from before a revocation, even after the partition comes back', () => {
      const tracker = new OffsetTracker()
      const oldEpoch = tracker.assign(3)
      tracker.register(3, oldEpoch, 40n)
      tracker.register(3, oldEpoch, 41n)

      tracker.revoke(3)
      expect(tracker.complete(3, oldEpoch, 40n)).to.equal(false)

      const newEpoch = tracker.assign(3)
      expect(newEpoch).to.not.equal(oldEpoch)
      tracker.register(3, newEpoch, 40n)

      expect(tracker.complete(3, oldEpoch, 40n)).to.equal(false)
      expect(tracker.committable(3)).to.equal(40n)
      expect(tracker.commitCandidates()).to.deep.equal([
        { partition: 3, epoch: newEpoch, offset: 40n },
      ])
    })

    it('ignores a commit that succeeded for an epoch revoked meanwhile', () => {
      const tracker = new OffsetTracker()
      const oldEpoch = tracker.assign(1)
      tracker.register(1, oldEpoch, 0n)
      tracker.complete(1, oldEpoch, 0n)
      const [candidate] = tracker.commitCandidates()

      tracker.revoke(1)
      const newEpoch = tracker.assign(1)
      tracker.markCommitted(candidate!)

      expect(tracker.committed(1)).to.equal(undefined)
      expect(tracker.epochOf(1)).to.equal(newEpoch)
    })

    it('offers a partition for commit only when its offset moved past the last commit', () => {
      const tracker = new OffsetTracker()
      const epoch = tracker.assign(0)
      tracker.register(0, epoch, 0n)
      tracker.complete(0, epoch, 0n)

      const [candidate] = tracker.commitCandidates()
      tracker.markCommitted(candidate!)
      expect(tracker.commitCandidates()).to.deep.equal([])

      tracker.register(0, epoch, 1n)
      tracker.complete(0, epoch, 1n)
      expect(tracker.commitCandidates()).to.deep.equal([{ partition: 0, epoch, offset: 2n }])
    })
  })
})
