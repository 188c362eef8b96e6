/**
 * The messages a process pool and its workers exchange over the IPC channel. Both sides use
 * structured-clone serialization, so Buffers travel as Buffers; everything else is kept to
 * numbers and strings, because every field is copied on every message.
 */

/** What a worker needs to build its handler: the `--work` text and where to resolve paths. */
export interface WorkerInit {
  type: 'init'
  workSpec: string
  cwd: string
  /** The parent's CPU calibration, so that `cpu:<ms>` is the same work in every process. */
  iterationsPerMs: number | undefined
}

/**
 * One message to handle, as a tuple: id, topic, partition, offset, key, value, and headers
 * (null when there are none, the common case).
 */
export type WireMessage = [
  id: number,
  topic: string,
  partition: number,
  offset: string,
  key: Buffer | null,
  value: Buffer | null,
  headers: Record<string, string> | null,
]

/** A batch of messages for a worker to handle. */
export interface WorkerBatch {
  type: 'batch'
  messages: WireMessage[]
}

/** Parent to worker. */
export type ParentMessage = WorkerInit | WorkerBatch

/** The worker built its handler and takes batches. */
export interface WorkerReady {
  type: 'ready'
}

/** The worker could not build its handler; the fields rebuild the error in the parent. */
export interface WorkerInitFailed {
  type: 'init-failed'
  code: string
  message: string
  exitCode: number
  suggestions: string[]
}

/**
 * Completions since the worker's previous report: the ids that succeeded, and for each
 * failure its id, the error's name and its message. Never a timing: the parent measures.
 */
export interface WorkerCompletions {
  type: 'done'
  ok: number[]
  failed: Array<[id: number, name: string, message: string]>
}

/** Worker to parent. */
export type WorkerMessage = WorkerReady | WorkerInitFailed | WorkerCompletions
