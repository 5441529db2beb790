/**
 * Where the genotype a retrain trains comes from, shared by the CNN and the
 * recurrent retrain: the search's, one read from a file, or a named one.
 */
import { GENOTYPE_MAX_BYTES } from './studio';
import { asNamed, pushError } from './workerCall';

export type GenotypeSource = 'derived' | 'imported' | 'named';

const SEARCH_PREFIX = 'search, step ';

/** The name a retrain gives the search's genotype; sourceOfName reads it back. */
export function searchGenotypeName(step: number): string {
  return `${SEARCH_PREFIX}${step}`;
}

/** Which source picker a restored retrain's genotype name came from. */
export function sourceOfName(
  name: string,
  named: Record<string, unknown>,
): GenotypeSource {
  if (named[name]) return 'named';
  return name.startsWith(SEARCH_PREFIX) ? 'derived' : 'imported';
}

/** How one search space reads its genotype files. */
export interface GenotypeReader<G> {
  /** The banner line for a file too big to be a genotype. */
  tooLarge(file: File): string;
  python(text: string, file: string): G;
  json(text: string, file: string): G;
}

/**
 * The genotype in `file`, or null after a banner line saying why not. A
 * .py or .txt file, or text opening with "Genotype(", is read as Python.
 */
export async function readGenotypeFile<G>(
  file: File,
  reader: GenotypeReader<G>,
): Promise<G | null> {
  if (file.size > GENOTYPE_MAX_BYTES) {
    pushError({ name: 'GenotypeTooLarge', message: reader.tooLarge(file) });
    return null;
  }
  try {
    const text = await file.text();
    const python =
      /\.(py|txt)$/i.test(file.name) || /^\s*Genotype\s*\(/.test(text);
    return python
      ? reader.python(text, file.name)
      : reader.json(text, file.name);
  } catch (error) {
    pushError(asNamed(error));
    return null;
  }
}
