/** Syntax checks of generated Python, with the machine's python3 (nothing is run). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Throws, with Python's message, unless the lines parse as Python. */
export function expectValidPython(lines: readonly string[] | undefined): void {
  const dir = mkdtempSync(join(tmpdir(), 'gluekit-py-'));
  try {
    const file = join(dir, 'script.py');
    writeFileSync(file, `${(lines ?? []).join('\n')}\n`);
    execFileSync('python3', ['-c', 'import ast, sys; ast.parse(open(sys.argv[1], encoding="utf-8").read())', file], { stdio: 'pipe' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
