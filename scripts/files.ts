/**
 * Turns command-line paths (files, folders, archives) into named Blobs for
 * the data loader, without reading them into memory up front.
 */
import { openAsBlob, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { NamedBlob } from '../src/data/load';

/** Every regular file under the given paths, folders walked recursively. */
export function listFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new Error(`--data: ${p} does not exist`);
    if (st.isDirectory()) {
      out.push(
        ...listFiles(
          readdirSync(p)
            .sort()
            .map((f) => join(p, f)),
        ),
      );
    } else if (st.isFile()) {
      out.push(p);
    }
  }
  return out;
}

/** Lazily read Blobs named after their file. */
export async function openFiles(paths: string[]): Promise<NamedBlob[]> {
  const blobs: NamedBlob[] = [];
  for (const p of listFiles(paths)) {
    const blob = (await openAsBlob(p)) as NamedBlob;
    Object.defineProperty(blob, 'name', { value: basename(p) });
    blobs.push(blob);
  }
  return blobs;
}
