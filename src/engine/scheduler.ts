/**
 * Decides which queued message runs next.
 *
 * Messages are queued per ordering unit. Under `key` ordering a unit is one key of one
 * partition (messages without a key share their partition's unit); under `partition` it is a
 * partition; under `unordered` it is also a partition, but its messages may run side by side.
 * An ordered unit runs one message at a time, in the order the messages were queued.
 *
 * Units that have a message ready take turns: each turn dispatches one message and sends the
 * unit to the back of the line, so a hot key cannot starve the others.
 */

/** How messages are ordered while they are processed in parallel. */
export type Ordering = 'key' | 'partition' | 'unordered'

export const ORDERINGS: readonly Ordering[] = ['key', 'partition', 'unordered']

/** A first-in first-out queue with O(1) push and shift that releases memory as it drains. */
export class Fifo<T> {
  #items: T[] = []
  #head = 0

  get size(): number {
    return this.#items.length - this.#head
  }

  push(item: T): void {
    this.#items.push(item)
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined

    const item = this.#items[this.#head]
    this.#items[this.#head] = undefined as T
    this.#head++

    if (this.#head === this.#items.length) {
      this.#items = []
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head)
      this.#head = 0
    }

    return item
  }

  clear(): number {
    const dropped = this.size
    this.#items = []
    this.#head = 0

    return dropped
  }
}

interface Unit<T> {
  id: string
  partition: number
  queue: Fifo<T>
  inFlight: number
  /** True while the unit is in the line of units waiting for a turn. */
  inLine: boolean
}

/** One message to schedule, with what its ordering unit is made of. */
export interface SchedulerEntry<T> {
  partition: number
  key: Buffer | null
  item: T
}

export interface SchedulerOptions<T> {
  ordering: Ordering
  /** The most items running at once. */
  concurrency: number
  /**
   * Runs one item; the returned promise settles when the item is finished with. It should
   * not reject: a rejection is passed to `onError` and the item counts as finished.
   */
  run: (item: T) => Promise<void>
  /** Called after an item finished and the freed slot was offered to the next ones. */
  onSettled?: () => void
  onError?: (error: unknown) => void
}

/**
 * Queues items per ordering unit and runs them with at most `concurrency` in flight.
 * Dispatch happens as soon as an item is queued or a slot frees up, unless it is on hold.
 */
export class Scheduler<T> {
  readonly #options: SchedulerOptions<T>
  readonly #units = new Map<string, Unit<T>>()
  readonly #unitsByPartition = new Map<number, Set<Unit<T>>>()
  readonly #line = new Fifo<Unit<T>>()
  readonly #bufferedByPartition = new Map<number, number>()
  readonly #perUnitLimit: number
  #queued = 0
  #inFlight = 0
  #held = false

  constructor(options: SchedulerOptions<T>) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError(`concurrency must be a whole number of at least 1`)
    }

    this.#options = options
    this.#perUnitLimit = options.ordering === 'unordered' ? Infinity : 1
  }

  /** Items waiting for a turn. */
  get queued(): number {
    return this.#queued
  }

  /** Items running now. */
  get inFlight(): number {
    return this.#inFlight
  }

  /** Items queued or running: what the engine's buffer bound counts. */
  get buffered(): number {
    return this.#queued + this.#inFlight
  }

  /** Items of one partition queued or running. */
  bufferedIn(partition: number): number {
    return this.#bufferedByPartition.get(partition) ?? 0
  }

  /** Ordering units held in memory. */
  get unitCount(): number {
    return this.#units.size
  }

  /** Queues an item behind the others of its unit and dispatches what may run. */
  enqueue(entry: SchedulerEntry<T>): void {
    const unit = this.#unitFor(entry.partition, entry.key)
    unit.queue.push(entry.item)
    this.#queued++
    this.#count(entry.partition, 1)

    this.#offerTurn(unit)
    this.#dispatch()
  }

  /** Stops starting items; running ones finish. */
  hold(): void {
    this.#held = true
  }

  /** Starts items again after `hold`. */
  release(): void {
    this.#held = false
    this.#dispatch()
  }

  /** Whether dispatch is on hold. */
  get held(): boolean {
    return this.#held
  }

  /**
   * Drops every queued item of a partition and returns how many were dropped. Running items
   * finish; until they do, a new item of the same unit still waits behind them.
   */
  dropPartition(partition: number): number {
    const units = this.#unitsByPartition.get(partition)
    if (!units) return 0

    let dropped = 0
    for (const unit of units) {
      dropped += unit.queue.clear()
      this.#forgetIfIdle(unit)
    }

    this.#queued -= dropped
    this.#count(partition, -dropped)
    return dropped
  }

  #count(partition: number, change: number): void {
    const buffered = (this.#bufferedByPartition.get(partition) ?? 0) + change
    if (buffered > 0) this.#bufferedByPartition.set(partition, buffered)
    else this.#bufferedByPartition.delete(partition)
  }

  #unitFor(partition: number, key: Buffer | null): Unit<T> {
    const id =
      this.#options.ordering === 'key' && key !== null
        ? `${partition}:${key.toString('latin1')}`
        : `${partition}`

    let unit = this.#units.get(id)
    if (unit) return unit

    unit = { id, partition, queue: new Fifo<T>(), inFlight: 0, inLine: false }
    this.#units.set(id, unit)

    let units = this.#unitsByPartition.get(partition)
    if (!units) {
      units = new Set()
      this.#unitsByPartition.set(partition, units)
    }
    units.add(unit)

    return unit
  }

  #offerTurn(unit: Unit<T>): void {
    if (unit.inLine || unit.queue.size === 0 || unit.inFlight >= this.#perUnitLimit) return

    unit.inLine = true
    this.#line.push(unit)
  }

  #dispatch(): void {
    while (!this.#held && this.#inFlight < this.#options.concurrency) {
      const unit = this.#line.shift()
      if (!unit) return

      unit.inLine = false
      const item = unit.queue.shift()
      if (item === undefined) {
        this.#forgetIfIdle(unit)
        continue
      }

      this.#queued--
      this.#inFlight++
      unit.inFlight++
      this.#offerTurn(unit)
      this.#start(unit, item)
    }
  }

  #start(unit: Unit<T>, item: T): void {
    let running: Promise<void>
    try {
      running = this.#options.run(item)
    } catch (error) {
      running = Promise.reject(error)
    }

    running
      .catch((error: unknown) => this.#options.onError?.(error))
      .finally(() => {
        this.#inFlight--
        unit.inFlight--
        this.#count(unit.partition, -1)
        this.#offerTurn(unit)
        this.#forgetIfIdle(unit)
        this.#dispatch()
        this.#options.onSettled?.()
      })
  }

  #forgetIfIdle(unit: Unit<T>): void {
    if (unit.queue.size > 0 || unit.inFlight > 0 || unit.inLine) return
    if (this.#units.get(unit.id) !== unit) return

    this.#units.delete(unit.id)
    const units = this.#unitsByPartition.get(unit.partition)
    units?.delete(unit)
    if (units?.size === 0) this.#unitsByPartition.delete(unit.partition)
  }
}
