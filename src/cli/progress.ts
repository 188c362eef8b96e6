import cliProgress from 'cli-progress'

/** Reports progress of a long step: a bar on a terminal, a plain line per tenth otherwise. */
export interface ProgressReporter {
  update(done: number, total: number): void
  stop(): void
}

export function progressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressReporter {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% {value}/{total} {eta_formatted} left`,
        stream,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    )
    let started = false

    return {
      update(done, total) {
        if (!started) bar.start(total, 0)
        started = true
        bar.update(done)
      },
      stop() {
        if (started) bar.stop()
      },
    }
  }

  let lastTenth = -1
  return {
    update(done, total) {
      const tenth = Math.floor((done / Math.max(1, total)) * 10)
      if (tenth === lastTenth) return
      lastTenth = tenth
      stream.write(`${label}: ${done}/${total} (${tenth * 10}%)\n`)
    },
    stop() {},
  }
}
