/** The repository's TypeScript files, for the tests that check the layout and the import graph. */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The repository root. */
export const ROOT = join(__dirname, '../..');

/** Repository-relative POSIX path of an absolute path. */
export function repoPath(absolute: string): string {
  return relative(ROOT, absolute).split(sep).join('/');
}

/** Every file below the repository folder `dir` whose name ends with `suffix` (repository-relative, sorted); declaration files excluded. */
export function filesUnder(dir: string, suffix = '.ts'): string[] {
  const out: string[] = [];
  const walk = (absolute: string): void => {
    for (const entry of readdirSync(absolute, { withFileTypes: true })) {
      const path = join(absolute, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(suffix) && !entry.name.endsWith('.d.ts')) out.push(repoPath(path));
    }
  };
  walk(join(ROOT, dir));
  return out.sort();
}

/** The library's sources: every `.ts` under `src/` and `decorators/`. */
export function librarySources(): string[] {
  return [...filesUnder('src'), ...filesUnder('decorators')];
}
