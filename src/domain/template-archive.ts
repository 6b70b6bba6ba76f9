import { unzipSync } from 'fflate'
import { Readable } from 'node:stream'
import { extract } from 'tar-stream'

export const MAX_ARCHIVE_FILES = 1000
export const MAX_TEXT_FILE_BYTES = 4 * 1024 * 1024

/** A template archive that cannot be read; the message is shown as the import job's error. */
export class ArchiveError extends Error {
  override name = 'ArchiveError'
}

const isWanted = (name: string) => name.endsWith('.tf') || /^readme\.md$/i.test(name)

/**
 * The text files of a template archive — a tar (what `coder templates push` uploads) or a
 * zip: `.tf` files and the README, keyed by their path relative to the archive root.
 * Everything else is skipped, and no path may escape the root.
 */
export async function readTemplateArchive(archive: Buffer): Promise<Map<string, string>> {
  return archive.subarray(0, 4).equals(ZIP_MAGIC) ? readZip(archive) : readTar(archive)
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04])

function readZip(archive: Buffer): Map<string, string> {
  const files = new Map<string, string>()
  let entries = 0
  let unzipped: Record<string, Uint8Array>
  try {
    unzipped = unzipSync(archive, {
      filter: (file) => {
        entries += 1
        if (entries > MAX_ARCHIVE_FILES) throw new ArchiveError(`the archive holds more than ${MAX_ARCHIVE_FILES} entries`)
        const name = normalise(file.name)
        if (name === undefined || file.name.endsWith('/') || !isWanted(name)) return false
        if (file.originalSize > MAX_TEXT_FILE_BYTES) throw new ArchiveError(`${name}: larger than ${MAX_TEXT_FILE_BYTES} bytes`)
        return true
      },
    })
  } catch (err) {
    if (err instanceof ArchiveError) throw err
    throw new ArchiveError(`not a valid zip archive: ${(err as Error).message}`)
  }
  for (const [raw, data] of Object.entries(unzipped)) files.set(normalise(raw)!, Buffer.from(data).toString('utf8'))
  return files
}

async function readTar(archive: Buffer): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  const parser = extract()
  let entries = 0
  const done = new Promise<void>((resolve, reject) => {
    parser.on('entry', (header, stream, next) => {
      entries += 1
      const name = normalise(header.name)
      const wanted = header.type === 'file' && name !== undefined && isWanted(name)
      if (entries > MAX_ARCHIVE_FILES) {
        reject(new ArchiveError(`the archive holds more than ${MAX_ARCHIVE_FILES} entries`))
        stream.resume()
        return
      }
      if (!wanted) {
        stream.on('end', next)
        stream.resume()
        return
      }
      if ((header.size ?? 0) > MAX_TEXT_FILE_BYTES) {
        reject(new ArchiveError(`${name}: larger than ${MAX_TEXT_FILE_BYTES} bytes`))
        stream.resume()
        return
      }
      const chunks: Buffer[] = []
      stream.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer))
      stream.on('end', () => {
        files.set(name, Buffer.concat(chunks).toString('utf8'))
        next()
      })
    })
    parser.on('finish', resolve)
    parser.on('error', (err: Error) => reject(new ArchiveError(`not a valid tar archive: ${err.message}`)))
  })
  Readable.from([archive]).pipe(parser)
  await done
  return files
}

/** `./a/b.tf` → `a/b.tf`; undefined for absolute paths, `..`, hidden directories and `.terraform/`. */
function normalise(raw: string): string | undefined {
  const parts = raw.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.')
  if (raw.startsWith('/') || parts.some((p) => p === '..' || p.startsWith('.'))) return undefined
  return parts.length > 0 ? parts.join('/') : undefined
}
