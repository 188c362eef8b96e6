import fs from 'node:fs/promises'
import path from 'node:path'

import type { Logger } from '../../logging.js'
import { readChartBundle, renderHtmlReport } from './html.js'
import { renderMarkdownReport } from './markdown.js'
import { loadRunFolder, type RunFolder } from './run-folder.js'

/** Where a report went, and what it covered. */
export interface WrittenReport {
  directory: string
  markdown: string
  html: string
  modes: string[]
}

/** Writes `report.md` and `report.html` into a run folder, from the results found in it. */
export async function writeReport(directory: string, logger: Logger): Promise<WrittenReport> {
  const folder: RunFolder = await loadRunFolder(directory, logger)

  const markdown = renderMarkdownReport(folder)
  const html = renderHtmlReport(folder, markdown, await readChartBundle())

  const markdownFile = path.join(folder.directory, 'report.md')
  const htmlFile = path.join(folder.directory, 'report.html')
  await fs.writeFile(markdownFile, markdown)
  await fs.writeFile(htmlFile, html)
  logger.debug(`Report of ${folder.modes.length} modes written to ${folder.directory}`)

  return {
    directory: folder.directory,
    markdown: markdownFile,
    html: htmlFile,
    modes: folder.modes.map(({ mode }) => mode),
  }
}
