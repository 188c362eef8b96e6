/**
 * Which offsets of a topic are safe to commit while messages complete out of order.
 *
 * Messages are registered in the order they were fetched, which is offset order within a
 * partition. They complete in any order. The offset to commit is the first offset still in
 * progress, or one past the last registered message when nothing is: a commit never passes a
 * message that has not finished.
 *
 * Only offsets still in progress are kept. The fetched range between two registered messages
 * (compacted records, transaction markers) belongs to the later message, so it needs no entry
 * of its own. Memory therefore grows with the messages queued or in flight, which the engine's
 * buffer bounds, and never with the length of the backlog.
 */

/** The offsets of one partition during one assignment of it. */
export class PartitionOffsets {
  /** Registered offsets that have not completed. */
  readonly #pending = new Set<bigint>()

  /**
   * Registered offsets in registration order, from `#head`. Completed entries are skipped at
   * the head and compacted away when they outnumber the pending ones, so the list stays within
   * twice the pending count.
   */
  #order: bigint[] = []
  #head = 0
  #lastRegistered: bigint | undefined

  /**
   * Records a fetched message. Returns false, and records nothing, for an offset at or below
   * one already registered: a message fetched again after a rebalance or a refetch.
   */
  register(offset: bigint): boolean {
    if (this.#lastRegistered !== undefined && offset <= this.#lastRegistered) return false

    this.#lastRegistered = offset
    this.#pending.add(offset)
    this.#order.push(offset)
    return true
  }

  /** Marks a registered message done. Returns false when the offset was not in progress. */
  complete(offset: bigint): boolean {
    if (!this.#pending.delete(offset)) return false

    while (this.#head < this.#order.length && !this.#pending.has(this.#order[this.#head]!)) {
      this.#head++
    }

    const tracked = this.#order.length - this.#head
    if (this.#head > 1024 || tracked > 2 * this.#pending.size + 64) this.#compact()

    return true
  }

  /**
   * The offset to commit: the first offset in progress, or one past the last registered
   * message when all are done. Undefined before any message was registered.
   */
  committable(): bigint | undefined {
    if (this.#lastRegistered === undefined) return undefined
    if (this.#head < this.#order.length) return this.#order[this.#head]

    return this.#lastRegistered + 1n
  }

  /** The offset the next fetched message must exceed, or undefined before the first one. */
  lastRegistered(): bigint | undefined {
    return this.#lastRegistered
  }

  /** Messages registered and not yet completed. */
  pendingCount(): number {
    return this.#pending.size
  }

  /** Offsets held in memory; stays within about twice the pending count. */
  trackedCount(): number {
    return this.#order.length - this.#head
  }

  #compact(): void {
    this.#order = this.#order.slice(this.#head).filter((offset) => this.#pending.has(offset))
    this.#head = 0
  }
}

/** A partition's offset to commit, stamped with the assignment it belongs to. */
export interface CommitCandidate {
  partition: number
  epoch: number
  offset: bigint
}

interface Assignment {
  epoch: number
  offsets: PartitionOffsets
  committed: bigint | undefined
}

/**
 * The offsets of every partition of one topic that this consumer holds now.
 *
 * Each assignment of a partition gets a new epoch. Registrations and completions carry the
 * epoch they were made under, and one from an epoch that is no longer current is fenced: it
 * changes nothing, so work finishing after its partition was revoked never moves a commit.
 */
export class OffsetTracker {
  readonly #assignments = new Map<number, Assignment>()
  #lastEpoch = 0

  /**
   * Starts tracking a partition and returns its epoch. A partition that is already assigned
   * keeps its epoch and its progress: it was retained across a rebalance.
   */
  assign(partition: number): number {
    const current = this.#assignments.get(partition)
    if (current) return current.epoch

    this.#lastEpoch++
    this.#assignments.set(partition, {
      epoch: this.#lastEpoch,
      offsets: new PartitionOffsets(),
      committed: undefined,
    })
    return this.#lastEpoch
  }

  /** Forgets a revoked partition; whatever its epoch still carries is fenced from now on. */
  revoke(partition: number): void {
    this.#assignments.delete(partition)
  }

  /** The current epoch of a partition, or undefined when it is not assigned. */
  epochOf(partition: number): number | undefined {
    return this.#assignments.get(partition)?.epoch
  }

  /** The partitions tracked now, in ascending order. */
  partitions(): number[] {
    return [...this.#assignments.keys()].sort((a, b) => a - b)
  }

  /**
   * Records a fetched message under an epoch. Returns false for a fenced epoch or for an
   * offset already registered; the caller drops such a message.
   */
  register(partition: number, epoch: number, offset: bigint): boolean {
    const assignment = this.#current(partition, epoch)
    if (!assignment) return false

    return assignment.offsets.register(offset)
  }

  /** Marks a message done. Returns false when its epoch is fenced or it was not in progress. */
  complete(partition: number, epoch: number, offset: bigint): boolean {
    const assignment = this.#current(partition, epoch)
    if (!assignment) return false

    return assignment.offsets.complete(offset)
  }

  /** The offset to commit for a partition, or undefined when there is none yet. */
  committable(partition: number): bigint | undefined {
    return this.#assignments.get(partition)?.offsets.committable()
  }

  /** The last offset committed for a partition under its current epoch. */
  committed(partition: number): bigint | undefined {
    return this.#assignments.get(partition)?.committed
  }

  /** The last offset registered for a partition under its current epoch. */
  lastRegistered(partition: number): bigint | undefined {
    return this.#assignments.get(partition)?.offsets.lastRegistered()
  }

  /** Every partition whose offset to commit moved past its last commit. */
  commitCandidates(): CommitCandidate[] {
    const candidates: CommitCandidate[] = []

    for (const [partition, assignment] of this.#assignments) {
      const offset = assignment.offsets.committable()
      if (offset === undefined) continue
      if (assignment.committed !== undefined && offset <= assignment.committed) continue

      candidates.push({ partition, epoch: assignment.epoch, offset })
    }

    return candidates
  }

  /** Records a successful commit; ignored when the partition was revoked meanwhile. */
  markCommitted(candidate: CommitCandidate): void {
    const assignment = this.#current(candidate.partition, candidate.epoch)
    if (!assignment) return

    if (assignment.committed === undefined || candidate.offset > assignment.committed) {
      assignment.committed = candidate.offset
    }
  }

  /** Offsets held in memory across all partitions. */
  trackedCount(): number {
    let total = 0
    for (const assignment of this.#assignments.values()) total += assignment.offsets.trackedCount()

    return total
  }

  #current(partition: number, epoch: number): Assignment | undefined {
    const assignment = this.#assignments.get(partition)
    if (!assignment || assignment.epoch !== epoch) return undefined

    return assignment
  }
}
