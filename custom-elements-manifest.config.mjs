// Custom Elements Manifest (custom-elements.json) from the elements' JSDoc:
// `npm run analyze`. Lit-aware, so @property/@state decorators become
// attributes and (private) fields.
import { readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { partsTable } from './scripts/parts-table.mjs';

const ROOT = 'src/rtc-call/rtc-call.component.ts';

/**
 * `<rtc-call>` re-exports every part of the elements inside it (`exportparts`). Their parts are
 * documented once, in each element's own `@csspart` lines; this copies them (with their
 * descriptions) into the root's entry after its own. The elements inside are the modules whose
 * `*_PARTS` constant the root imports — the same constants its `exportparts` come from.
 * It also rewrites the parts table of README.md (between its `parts-table` markers).
 */
function reexportedParts() {
  const childModules = [];
  return {
    name: 'rtc-reexported-parts',
    analyzePhase({ ts, node, moduleDoc }) {
      if (moduleDoc.path !== ROOT || !ts.isImportDeclaration(node)) return;
      const bindings = node.importClause?.namedBindings;
      if (!bindings || !ts.isNamedImports(bindings) || !bindings.elements.some((e) => e.name.text.endsWith('_PARTS'))) return;
      // A constant lives in the element's light `*.parts.ts` beside its `*.component.ts`.
      childModules.push(
        posix
          .join(posix.dirname(ROOT), node.moduleSpecifier.text)
          .replace(/\.parts\.js$/, '.component.js')
          .replace(/\.js$/, '.ts'),
      );
    },
    packageLinkPhase({ customElementsManifest }) {
      const element = (path) => {
        const found = customElementsManifest.modules.find((m) => m.path === path)?.declarations?.find((d) => d.customElement && d.tagName);
        if (!found) throw new Error(`no custom element in ${path}`);
        return found;
      };
      const root = element(ROOT);
      const groups = [{ tagName: root.tagName, parts: root.cssParts ?? [] }];
      const merged = new Map((root.cssParts ?? []).map((p) => [p.name, p]));
      for (const path of childModules) {
        const child = element(path);
        groups.push({ tagName: child.tagName, parts: child.cssParts ?? [] });
        // A name the root documents itself (`status`, `error`) keeps the root's wider description.
        for (const part of child.cssParts ?? []) if (!merged.has(part.name)) merged.set(part.name, { ...part });
      }
      root.cssParts = [...merged.values()];
      const readme = readFileSync('README.md', 'utf8');
      const updated = partsTable.replace(readme, groups);
      if (updated !== readme) writeFileSync('README.md', updated);
    },
  };
}

export default {
  globs: ['src/components/**/*.ts', 'src/rtc-call/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/**/*.styles.ts'],
  outdir: '.',
  litelement: true,
  dev: false,
  plugins: [reexportedParts()],
};
