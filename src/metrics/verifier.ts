/** The processing order a consumer mode promises. */
export type OrderingGuarantee = 'key' | 'partition' | 'unordered'

/** What the verifier concluded about one run. */
export interface VerificationCounts {
  produced: number
  /** Distinct produced messages processed at least once (including failed-and-skipped ones). */
  processed: number
  /** Extra deliveries of messages already processed. */
  duplicates: number
  /** Produced messages never processed. */
  lost: number
  /**
   * Breaches of the ordering the mode promises: per key for `key`, per partition (and so per
   * key) for `partition`, none for `unordered`. The raw counts follow.
   */
  orderViolations: number
  keyOrderViolations: number
  partitionOrderViolations: number
  /** Messages whose handler failed for good and that were skipped. */
  failed: number
  /** Messages on the topic that kbench did not produce in this run. */
  foreign: number
}

/**
 * Accounts for every produced message without storing any: one bit per message id for
 * "seen", the last sequence number per key and the last offset per partition. Memory is
 * about produced / 8 bytes plus 4 bytes per key.
 */
export class DeliveryVerifier {
  readonly #seen: Uint8Array
  readonly #capacity: number
  readonly #lastSequence: Int32Array
  readonly #lastOffset = new Map<number, number>()
  #produced: number
  #processed = 0
  #duplicates = 0
  #keyViolations = 0
  #partitionViolations = 0
  #failed = 0
  #foreign = 0

  constructor(capacity: number, keys: number) {
    this.#capacity = capacity
    this.#seen = new Uint8Array(Math.ceil(capacity / 8))
    this.#lastSequence = new Int32Array(keys).fill(-1)
    this.#produced = 0
  }

  /** Records how many messages the producer has had acknowledged so far. */
  setProduced(count: number): void {
    this.#produced = count
  }

  get produced(): number {
    return this.#produced
  }

  /** Distinct messages processed so far. */
  get processed(): number {
    return this.#processed
  }

  /** True once every acknowledged message has been processed. */
  get complete(): boolean {
    return this.#produced > 0 && this.#processed >= this.#produced
  }

  /**
   * Records one processed message. Returns `duplicate` for a repeat delivery, which is
   * counted and kept out of the ordering checks and the statistics.
   */
  record(
    id: number | undefined,
    keyIndex: number,
    sequence: number,
    partition: number,
    offset: string,
    failed = false,
  ): 'first' | 'duplicate' | 'foreign' {
    if (id === undefined || id < 0 || id >= this.#capacity) {
      this.#foreign++
      return 'foreign'
    }

    const byte = id >>> 3
    const bit = 1 << (id & 7)
    if (((this.#seen[byte] as number) & bit) !== 0) {
      this.#duplicates++
      return 'duplicate'
    }

    this.#seen[byte] = (this.#seen[byte] as number) | bit
    this.#processed++
    if (failed) this.#failed++

    if (keyIndex >= 0 && keyIndex < this.#lastSequence.length) {
      if (sequence < (this.#lastSequence[keyIndex] as number)) this.#keyViolations++
      else this.#lastSequence[keyIndex] = sequence
    }

    // Offsets stay far below 2^53 in any benchmark, so a Number compares them exactly.
    const position = Number(offset)
    const last = this.#lastOffset.get(partition)
    if (last !== undefined && position < last) this.#partitionViolations++
    else this.#lastOffset.set(partition, position)

    return 'first'
  }

  counts(guarantee: OrderingGuarantee = 'partition'): VerificationCounts {
    const promised =
      guarantee === 'key'
        ? this.#keyViolations
        : guarantee === 'partition'
          ? this.#keyViolations + this.#partitionViolations
          : 0

    return {
      produced: this.#produced,
      processed: this.#processed,
      duplicates: this.#duplicates,
      lost: Math.max(0, this.#produced - this.#processed),
      orderViolations: promised,
      keyOrderViolations: this.#keyViolations,
      partitionOrderViolations: this.#partitionViolations,
      failed: this.#failed,
      foreign: this.#foreign,
    }
  }
}
