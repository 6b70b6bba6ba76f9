import { lstat, readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { pack } from 'tar-stream'

/** Directories never uploaded: version control and Terraform's local working state. */
const SKIPPED_DIRECTORIES = new Set(['.git', '.terraform'])

/**
 * A tar archive of a template directory, as `coder templates push` uploads it
 * (provisionersdk.Tar): regular files and directories with paths relative to the
 * directory, `.git` and `.terraform` left out, symbolic links skipped.
 */
export async function tarDirectory(directory: string): Promise<Buffer> {
  const root = path.resolve(directory)
  const info = await lstat(root).catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === 'ENOENT' ? `directory ${JSON.stringify(directory)} does not exist` : err.message)
  })
  if (!info.isDirectory()) throw new Error(`${JSON.stringify(directory)} is not a directory`)

  const archive = pack()
  const chunks: Buffer[] = []
  const collected = (async () => {
    for await (const chunk of archive) chunks.push(chunk as Buffer)
  })()

  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))
    for (const entry of entries) {
      const full = path.join(dir, entry.name)
      const name = path.relative(root, full).split(path.sep).join('/')
      if (entry.isDirectory()) {
        if (SKIPPED_DIRECTORIES.has(entry.name)) continue
        const stat = await lstat(full)
        archive.entry({ name: `${name}/`, type: 'directory', mode: stat.mode & 0o777, mtime: stat.mtime })
        await walk(full)
      } else if (entry.isFile()) {
        const stat = await lstat(full)
        const data = await readFile(full)
        await new Promise<void>((resolve, reject) =>
          archive.entry({ name, mode: stat.mode & 0o777, mtime: stat.mtime, size: data.length }, data, (err) =>
            err ? reject(err) : resolve(),
          ),
        )
      }
    }
  }
  await walk(root)
  archive.finalize()
  await collected
  return Buffer.concat(chunks)
}
