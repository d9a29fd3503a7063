import { rename, writeFile } from 'node:fs/promises';

/** Readers see the old file or the new one, never half of one. */
export async function writeFileAtomic(file: string, content: string, mode?: number): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, content, mode === undefined ? undefined : { mode });
  await rename(temporary, file);
}
