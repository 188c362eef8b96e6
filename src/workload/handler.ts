/** The message a handler receives: what a real consumer's processing function would see. */
export interface HandlerMessage {
  topic: string
  partition: number
  offset: string
  key: Buffer | null
  value: Buffer | null
  headers: Record<string, string>
}

/**
 * The per-message work under test. `noop`, `sleep:<ms>`, `cpu:<ms>` and `module:<path>` all
 * produce one of these. It may be synchronous; a rejected promise or a throw is a failure
 * that the consumer mode retries or reports.
 */
export type MessageHandler = (message: HandlerMessage) => Promise<void> | void
